package org.vmckpt.cli;

import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.migration.MigrationEndpoint;
import org.vmckpt.checkpoint.migration.MigrationException;
import org.vmckpt.checkpoint.migration.MigrationMode;
import org.vmckpt.checkpoint.migration.MigrationSource;
import org.vmckpt.checkpoint.migration.MigrationStatus;
import org.vmckpt.checkpoint.migration.TlsCredentials;
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
 * copy is in QEMU's "postmigrate" state and refuses to run again.
 */
final class MigrationControl {
    /**
     * The mode when none is asked for: the one with the shorter guest stall as measured (docs/BENCHMARKS.md,
     * memdirty: pre-copy 0.27-0.35 s, post-copy 2.4-2.8 s, whose guest waits at each page it touches first).
     */
    static final MigrationMode DEFAULT_MODE = MigrationMode.PRECOPY;

    private final Machine machine;
    private final CheckpointEngine engine;
    private final Supplier<VmEventSink> events;
    private volatile Path defaultTlsCreds;
    private volatile boolean defaultInsecure;
    private volatile MigrationSource current;
    private volatile String uri;

    MigrationControl(Machine machine, CheckpointEngine engine, Supplier<VmEventSink> events) {
        this.machine = machine;
        this.engine = engine;
        this.events = events;
    }

    /** The credentials `vmckpt run --tls-creds DIR` / `--insecure` gave; a migrate request may name its own. */
    void setDefaults(Path tlsCreds, boolean insecure) {
        this.defaultTlsCreds = tlsCreds;
        this.defaultInsecure = insecure;
    }

    /**
     * Whether this copy must not run the guest: its final state is on its way (stop-and-copy), or the destination
     * runs it (post-copy, completed), or may have run it (post-copy broken after switch-over).
     */
    boolean guestLeft() {
        MigrationSource s = current;
        if (s == null) return false;
        return switch (s.status()) {
            case DEVICE, POSTCOPY_ACTIVE, POSTCOPY_PAUSED, COMPLETED -> true;
            default -> false;
        };
    }

    /** The QMP RunState to show while migrating, or null for the machine's own. */
    String runState() {
        MigrationSource s = current;
        if (s == null) return null;
        return switch (s.status()) {
            case COMPLETED, POSTCOPY_ACTIVE, POSTCOPY_PAUSED -> "postmigrate";
            case DEVICE -> "finish-migrate";
            default -> null;
        };
    }

    synchronized void migrate(String uri, Map<String, Object> options) throws Exception {
        MigrationSource s = current;
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
        Path creds = options.get("tls-creds") instanceof String c ? Path.of(c) : defaultTlsCreds;
        boolean insecure = Boolean.TRUE.equals(options.get("insecure")) || (creds == null && defaultInsecure);
        TlsCredentials tls;
        MigrationEndpoint endpoint;
        try {
            endpoint = MigrationEndpoint.parse(uri);
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
        MigrationSource source = new MigrationSource(machine, engine, endpoint, tls, mode,
                st -> events.get().emit(VmEventSink.MIGRATION, Map.of("status", st.qmpName())));
        this.current = source;
        this.uri = endpoint.uri();
        Thread t = new Thread(() -> {
            try {
                source.run();
            } catch (MigrationException e) {
                System.err.println("\r\nvmckpt: migration to " + endpoint.uri() + " failed: " + e.getMessage() + "\r");
            }
        }, "vmckpt-migrate");
        t.setDaemon(true);
        t.start();
    }

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
        ram.put("page-size", 4096L);
        ram.put("dirty-sync-count", (long) p.rounds());
        ram.put("mbps", p.totalNanos() > 0 ? p.bytesSent() * 8e3 / p.totalNanos() : 0.0);
        m.put("ram", ram);
        if (p.error() != null) m.put("error-desc", p.error());
        return m;
    }
}
