package org.vmckpt.cli;

import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.migration.MigrationConnection;
import org.vmckpt.checkpoint.migration.MigrationEndpoint;
import org.vmckpt.checkpoint.migration.MigrationException;
import org.vmckpt.checkpoint.migration.MigrationListener;
import org.vmckpt.checkpoint.migration.MigrationMode;
import org.vmckpt.checkpoint.migration.MigrationSource;
import org.vmckpt.checkpoint.migration.SourceParts;
import org.vmckpt.checkpoint.migration.MigrationStatus;
import org.vmckpt.checkpoint.migration.PostCopyPages;
import org.vmckpt.checkpoint.migration.TlsCredentials;
import org.vmckpt.checkpoint.migration.MigrationWarmUp;
import org.vmckpt.cli.qmp.QmpException;
import org.vmckpt.cli.qmp.VmEventSink;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The source side of migration for the control socket: QMP {@code migrate} starts a {@link MigrationSource} on its
 * own thread, {@code query-migrate} reads its progress in QEMU's MigrationInfo shape, {@code migrate_cancel}
 * cancels it, and every status change is a {@code MIGRATION} event. Once the destination runs the guest, this
 * copy is in QEMU's "postmigrate" state and refuses to run again. A post-copy migration whose connection broke
 * after switch-over is taken up again with {@code migrate-recover} here on the destination (which listens) and
 * {@code migrate} with {@code resume: true} on the source.
 */
final class MigrationControl {
    /**
     * The mode when none is asked for: the one with the smaller guest stall, as issue 12 asks. Pre-copy was chosen when
     * post-copy switched at once and its guest waited at each page it touched first (memdirty's longest stall:
     * pre-copy 0.27-0.35 s, post-copy 2.4-2.8 s, docs/BENCHMARKS.md run 4). Since post-copy copies in rounds first it
     * is the smaller: on a quiet host memdirty's longest heartbeat gap was lower for post-copy in 14 of 22 pairs
     * (rounds 58 and 59; round 59's 18 pairs: median 25.2 against 26.2 ms, worst 35.2 against 54.6 ms), its pause
     * shorter and its total shorter in most pairs. The price: after the switch the guest depends on the link and on
     * the source until every page has arrived (docs/MIGRATION.md, "A dropped connection, phase by phase"); --precopy
     * where that is not wanted.
     */
    static final MigrationMode DEFAULT_MODE = MigrationMode.POSTCOPY;

    /**
     * What a source in postcopy-paused can do (printed when it gets there; `vmckpt migrate` says it too): resume, or,
     * with the destination gone for good, keep the guest as it was at switch-over in a checkpoint.
     */
    static final String POSTCOPY_PAUSED_WAY_OUT = "the connection broke after post-copy's switch-over: this VM stays paused, holding the guest "
            + "as it was at switch-over (it never runs here again). If the destination still runs: 'vmckpt migrate DEST-VM tcp:HOST:PORT --recover' "
            + "there, then 'vmckpt migrate SOURCE-VM tcp:HOST:PORT --resume' here. If the destination is gone for good (killed, its host lost): "
            + "'vmckpt checkpoint SOURCE-VM', then 'vmckpt restore ID' continues the guest from the switch-over; "
            + "what it did at the destination since is lost";

    private final Machine machine;
    private final CheckpointEngine engine;
    private final Supplier<VmEventSink> events;
    private volatile Path defaultTlsCreds;
    private volatile boolean defaultInsecure;
    private volatile MigrationSource current;
    private volatile String uri;
    /** On a destination that received a post-copy migration: its pages still arriving, and where from. */
    private volatile PostCopyPages incoming;
    private volatile String incomingFrom;
    /** The source's parts made as the VM started ({@link #prepareSource}), until a migration takes them; else null. */
    private final java.util.concurrent.atomic.AtomicReference<SourceParts> sourceParts = new java.util.concurrent.atomic.AtomicReference<>();

    MigrationControl(Machine machine, CheckpointEngine engine, Supplier<VmEventSink> events) {
        this.machine = machine;
        this.engine = engine;
        this.events = events;
    }

    /** The credentials `vmckpt run --tls-creds DIR` / `--insecure` gave; a migrate request may name its own. */
    void setDefaults(Path tlsCreds, boolean insecure) {
        this.defaultTlsCreds = tlsCreds;
        this.defaultInsecure = insecure;
        // The first migration would otherwise run on a cold JVM: its TLS handshake (seconds on a loaded host), and its
        // page loop, frame encoding and TLS bulk encryption interpreted and compiled while it runs. A VM started
        // with migration credentials (or --insecure) is expected to migrate: warm those up now, in the background.
        if (tlsCreds != null || insecure) MigrationWarmUp.startInBackground(insecure ? null : tlsCreds, Thread.MIN_PRIORITY);
    }

    /**
     * Makes what this VM's first migration as a source would allocate as it starts ({@link SourceParts}), now: for a VM
     * expected to migrate, as it starts, so that the collector promotes them while it boots.
     */
    void prepareSource() {
        sourceParts.set(new SourceParts(machine.memory().pageCount()));
    }

    /** This VM arrived by post-copy migration from {@code peer}: query-migrate and migrate-recover report on it. */
    void setIncoming(PostCopyPages postCopy, String peer) {
        this.incoming = postCopy;
        this.incomingFrom = peer;
        postCopy.alsoTell(st -> events.get().emit(VmEventSink.MIGRATION, Map.of("status", st.qmpName())));
    }

    /**
     * Whether this copy must not run the guest: its final state is on its way (stop-and-copy), or the destination
     * runs it (post-copy, completed), or may have run it (post-copy broken after switch-over).
     */
    boolean guestLeft() {
        MigrationSource s = current;
        if (s == null) return false;
        return switch (s.status()) {
            case DEVICE, POSTCOPY_ACTIVE, POSTCOPY_PAUSED, POSTCOPY_RECOVER, COMPLETED -> true;
            default -> false;
        };
    }

    /**
     * Before the guest runs here again after a migration that failed past GO (pre-copy: the destination never
     * confirmed; the user resumes this copy having made sure the destination is gone): the port forwards the
     * migration handed over at GO listen here again (one attempt; a port taken meanwhile is reported, not fatal).
     */
    void beforeResume() {
        MigrationSource s = current;
        if (s == null || !s.hostPortsReleased() || machine.virtio().net() == null) return;
        try {
            machine.virtio().net().backend().bindForwards(0);
        } catch (java.io.IOException e) {
            System.err.println("\r\nvmckpt: warning: a port forward could not listen again: " + e.getMessage() + "\r");
        }
    }

    /** The QMP RunState to show while migrating, or null for the machine's own. */
    String runState() {
        MigrationSource s = current;
        if (s == null) return null;
        return switch (s.status()) {
            case COMPLETED, POSTCOPY_ACTIVE, POSTCOPY_PAUSED, POSTCOPY_RECOVER -> "postmigrate";
            case DEVICE -> "finish-migrate";
            default -> null;
        };
    }

    synchronized void migrate(String uri, Map<String, Object> options) throws Exception {
        MigrationSource s = current;
        if (Boolean.TRUE.equals(options.get("resume"))) {
            resume(s, uri, options);
            return;
        }
        if (s != null && !s.status().finished() && s.status() != MigrationStatus.POSTCOPY_PAUSED) {
            throw QmpException.generic("a migration to " + this.uri + " is already in progress (status " + s.status().qmpName() + ")");
        }
        if (s != null && (s.status() == MigrationStatus.COMPLETED || s.status() == MigrationStatus.POSTCOPY_PAUSED)) {
            throw QmpException.generic("this VM has already migrated to " + this.uri + " (status " + s.status().qmpName() + ")");
        }
        if (!machine.isRunLoopActive()) throw QmpException.generic("the VM is not running");
        MigrationMode mode = DEFAULT_MODE;
        if (options.get("mode") instanceof String m) {
            try {
                mode = MigrationMode.parse(m);
            } catch (IllegalArgumentException e) {
                throw QmpException.generic(e.getMessage());
            }
        }
        boolean atOnce = Boolean.TRUE.equals(options.get("postcopy-at-once"));
        if (atOnce && mode != MigrationMode.POSTCOPY) throw QmpException.generic("postcopy-at-once needs mode postcopy");
        MigrationEndpoint endpoint = endpoint(uri);
        TlsCredentials tls = clientCredentials(endpoint, options);
        MigrationWarmUp.stop(); // a warm-up still running must not compete with the real migration
        MigrationSource source = new MigrationSource(machine, engine, endpoint, tls, mode, atOnce,
                st -> events.get().emit(VmEventSink.MIGRATION, Map.of("status", st.qmpName())), sourceParts.getAndSet(null));
        this.current = source;
        this.uri = endpoint.uri();
        // Off by default: -Dvmckpt.migration.sessionNice=N puts this process's session (autogroup) at nice N while it runs.
        Integer sessionNiceBefore = MigrationSessionNice.applyIfEnabled();
        Thread t = new Thread(() -> {
            try {
                source.run();
            } catch (MigrationException e) {
                System.err.println("\r\nvmckpt: migration to " + endpoint.uri() + " failed: " + e.getMessage() + "\r");
                if (source.status() == MigrationStatus.POSTCOPY_PAUSED) System.err.println("\r\nvmckpt: " + POSTCOPY_PAUSED_WAY_OUT + "\r");
            } finally {
                if (sessionNiceBefore != null) MigrationSessionNice.reset(sessionNiceBefore);
            }
        }, "vmckpt-migrate");
        t.setDaemon(true);
        t.start();
    }

    private static MigrationEndpoint endpoint(String uri) throws QmpException {
        try {
            return MigrationEndpoint.parse(uri);
        } catch (MigrationException e) {
            throw QmpException.generic(e.getMessage());
        }
    }

    /** The source's credentials: the request's tls-creds, else the VM's; null for --insecure (with a warning). */
    private TlsCredentials clientCredentials(MigrationEndpoint endpoint, Map<String, Object> options) throws QmpException {
        Path creds = options.get("tls-creds") instanceof String c ? Path.of(c) : defaultTlsCreds;
        boolean insecure = Boolean.TRUE.equals(options.get("insecure")) || (creds == null && defaultInsecure);
        TlsCredentials tls;
        try {
            if (creds != null && !insecure) {
                tls = TlsCredentials.forClient(creds);
            } else if (insecure) {
                tls = null;
            } else {
                throw new MigrationException("migration needs TLS credentials (--tls-creds DIR with ca-cert.pem, client-cert.pem and client-key.pem) "
                        + "or an explicit --insecure for plaintext on both ends");
            }
        } catch (MigrationException e) {
            throw QmpException.generic(e.getMessage());
        }
        if (tls == null) {
            System.err.println("\r\nvmckpt: warning: migrating to " + endpoint.uri() + " in plaintext (--insecure): anyone on the path can read and change the guest's memory\r");
        }
        return tls;
    }

    /** QEMU's migrate with resume: reconnects a post-copy migration that broke after switch-over. */
    private void resume(MigrationSource s, String uri, Map<String, Object> options) throws Exception {
        if (s == null || s.status() != MigrationStatus.POSTCOPY_PAUSED) {
            throw QmpException.generic("there is no paused post-copy migration to resume (status "
                    + (s == null ? "none" : s.status().qmpName()) + "); resume applies only after a post-copy switch-over whose connection broke");
        }
        MigrationEndpoint endpoint = endpoint(uri);
        TlsCredentials tls = clientCredentials(endpoint, options);
        try {
            s.beginResume();
        } catch (MigrationException e) {
            throw QmpException.generic(e.getMessage());
        }
        this.uri = endpoint.uri();
        Thread t = new Thread(() -> {
            try {
                s.continueResume(endpoint, tls);
            } catch (MigrationException e) {
                System.err.println("\r\nvmckpt: resuming the migration to " + endpoint.uri() + " failed: " + e.getMessage()
                        + "; the VM stays paused here, and the destination waits (try again with 'vmckpt migrate --resume')\r");
            }
        }, "vmckpt-migrate");
        t.setDaemon(true);
        t.start();
    }

    /**
     * QEMU's migrate-recover on the destination: listens on {@code uri} (with the VM's --tls-creds as the server,
     * or --insecure) for the source's resume, and returns at once. Peers that fail TLS are refused and waited past.
     */
    synchronized void recover(String uri) throws Exception {
        PostCopyPages p = incoming;
        if (p == null) throw QmpException.generic("this VM did not arrive by a post-copy migration; there is nothing to recover");
        if (p.status() != MigrationStatus.POSTCOPY_PAUSED && p.status() != MigrationStatus.POSTCOPY_ACTIVE) {
            throw QmpException.generic("the incoming post-copy migration is " + p.status().qmpName() + "; only a paused (or stuck) one can be recovered");
        }
        if (recovering) throw QmpException.generic("already waiting for the source to resume");
        MigrationEndpoint endpoint = endpoint(uri);
        TlsCredentials tls;
        try {
            if (defaultTlsCreds != null && !defaultInsecure) tls = TlsCredentials.forServer(defaultTlsCreds);
            else if (defaultInsecure) tls = null;
            else throw new MigrationException("recovering needs the TLS credentials the VM was started with (--tls-creds) or --insecure");
        } catch (MigrationException e) {
            throw QmpException.generic(e.getMessage());
        }
        MigrationListener listener;
        try {
            listener = MigrationListener.listen(endpoint, tls);
        } catch (MigrationException e) {
            throw QmpException.generic(e.getMessage());
        }
        recovering = true;
        System.err.println("\r\nvmckpt: waiting on " + endpoint.uri() + " for the source to resume the migration ('vmckpt migrate VM " + endpoint.uri() + " --resume' there)\r");
        Thread t = new Thread(() -> {
            try (listener) {
                while (true) {
                    MigrationConnection conn;
                    try {
                        conn = listener.accept();
                    } catch (MigrationException e) {
                        System.err.println("\r\nvmckpt: " + e.getMessage() + "; still waiting\r");
                        continue;
                    }
                    try {
                        p.recover(conn);
                        System.err.println("\r\nvmckpt: the source resumed the migration; the rest of the guest's memory streams in\r");
                        return;
                    } catch (MigrationException e) {
                        System.err.println("\r\nvmckpt: recovering the migration failed: " + e.getMessage() + "; still waiting\r");
                    }
                }
            } catch (java.io.IOException e) {
                System.err.println("\r\nvmckpt: listening for the source's resume failed: " + e.getMessage() + "\r");
            } finally {
                recovering = false;
            }
        }, "vmckpt-migrate-recover");
        t.setDaemon(true);
        t.start();
    }

    private volatile boolean recovering;

    void cancel() throws Exception {
        MigrationSource s = current;
        if (s == null || s.status().finished()) return;
        try {
            s.cancel();
        } catch (MigrationException e) {
            throw QmpException.generic(e.getMessage());
        }
    }

    /** QEMU's MigrationInfo: status, times in milliseconds, and a "ram" section. */
    Map<String, Object> query() {
        MigrationSource s = current;
        if (s == null && incoming != null) return queryIncoming(incoming);
        if (s == null) return Map.of();
        MigrationSource.Progress p = s.progress();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", p.status().qmpName());
        m.put("mode", p.mode().label());
        m.put("uri", uri);
        m.put("total-time", p.totalNanos() / 1_000_000);
        m.put("setup-time", p.setupNanos() / 1_000_000);
        if (p.downtimeNanos() >= 0) {
            m.put("downtime", p.downtimeNanos() / 1_000_000);
            m.put("downtime-ns", p.downtimeNanos());
        }
        Map<String, Object> ram = new LinkedHashMap<>();
        ram.put("transferred", p.bytesSent());
        ram.put("remaining", p.pagesRemaining() * 4096);
        ram.put("total", p.totalPages() * 4096);
        ram.put("normal", p.pagesSent());
        ram.put("vmckpt-referred", p.pagesReferred()); // of those: sent as references to a disk or boot file
        ram.put("vmckpt-deferred", p.pagesDeferred()); // left by a round for the next: written again before sent
        ram.put("vmckpt-delta", p.pagesDelta()); // sent again as a delta against the copy sent before
        ram.put("page-size", 4096L);
        ram.put("dirty-sync-count", (long) p.rounds());
        ram.put("mbps", p.totalNanos() > 0 ? p.bytesSent() * 8e3 / p.totalNanos() : 0.0);
        m.put("ram", ram);
        // vmckpt's own: where the bytes went (frame types, PAGES' headers, tables and data, phases, the wire).
        if (!p.bytes().isEmpty()) m.put("vmckpt-bytes", new LinkedHashMap<>(p.bytes()));
        if (p.stop() != null) {
            // vmckpt's own: where the switch-over's pause went (docs/API.md).
            Map<String, Object> stop = new LinkedHashMap<>();
            stop.put("dirty-pages", p.stop().dirtyPages());
            stop.put("send-ns", p.stop().sendNanos());
            stop.put("state-ns", p.stop().stateNanos());
            stop.put("ready-ns", p.stop().readyNanos());
            stop.put("digest-ns", p.stop().digestNanos());
            stop.put("freeze-ns", p.stop().freezeNanos());
            stop.put("pages-ns", p.stop().pagesNanos());
            stop.put("disks-ns", p.stop().disksNanos());
            stop.put("pushed-pages", p.stop().pushedPages()); // post-copy: sent after STATE, before GO (protocol 11)
            stop.put("push-ns", p.stop().pushNanos());
            stop.put("allocated-bytes", p.stop().allocatedBytes()); // from the decision to pause to GO (-1: not counted)
            stop.put("collections", p.stop().collections()); // this JVM's collections in that span
            // The host's monotonic clock (the same in every process on the host): to lay beside the destination's log.
            stop.put("paused-at-monotonic-ns", p.stop().pausedAtNanos());
            stop.put("go-at-monotonic-ns", p.stop().goAtNanos());
            m.put("vmckpt-stop", stop);
        }
        if (p.error() != null) m.put("error-desc", p.error());
        return m;
    }

    /** The destination's view of a post-copy migration: status, and the pages received of those it waits for. */
    private Map<String, Object> queryIncoming(PostCopyPages p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", p.status().qmpName());
        m.put("mode", "postcopy");
        m.put("uri", incomingFrom);
        Map<String, Object> ram = new LinkedHashMap<>();
        ram.put("remaining", (long) (p.totalPages() - p.receivedPages()) * 4096);
        ram.put("total", (long) p.totalPages() * 4096);
        ram.put("normal", (long) p.receivedPages());
        ram.put("postcopy-requests", p.requests());
        // vmckpt's: how long the guest waited here for pages it touched before they arrived (in all, and the longest).
        ram.put("vmckpt-postcopy-wait-ns", p.waitNanos());
        ram.put("vmckpt-postcopy-longest-wait-ns", p.longestWaitNanos());
        ram.put("page-size", 4096L);
        m.put("ram", ram);
        if (p.error() != null) m.put("error-desc", p.error());
        return m;
    }
}
