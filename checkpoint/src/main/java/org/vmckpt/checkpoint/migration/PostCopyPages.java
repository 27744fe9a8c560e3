package org.vmckpt.checkpoint.migration;

import org.vmckpt.checkpoint.PageReferences;
import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageSource;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Post-copy on the destination, on the lazy-restore machinery: guest memory's page source for the pages still at
 * the source. A receiver thread takes pages off the connection and hands them to the run thread to install (as
 * {@code LazyPages}' prefetcher does); a page the guest touches first is asked for at once (REQUEST) and the run
 * thread waits for it.
 *
 * <p>If the connection breaks before the last page, the guest runs on until it touches a page it does not have;
 * there it waits (status postcopy-paused): it is not stopped and no state is invented. The source can then
 * reconnect ({@link #recover}) and send the pages still missing; ending the VM also gets it out of that wait (the
 * run loop stops with an error naming the page). When every page has arrived, the digest of
 * all pages is compared with the source's; a mismatch pauses the guest and reports the failure.
 */
public final class PostCopyPages implements PageSource {
    private volatile MigrationConnection conn;
    private volatile Thread receiver;
    /** Pages that came in (the receiver's; read by {@link #recover} once the receiver has ended). */
    private final BitSet got;
    /** The page the run thread waits for, or -1: asked for again on a resumed connection. */
    private volatile int waitingFor = -1;
    private final Machine machine;
    private final BitSet pending;
    private final StateDigest digest;
    private final List<StateRecord> records;
    private final MigrationSource.Listener events;
    /** This end's copies of the files pages may refer to (disks, boot files the source's hashes matched). */
    private final PageReferences references;
    private final AtomicReferenceArray<byte[]> arrived;
    /**
     * Per page still to come, the copy this end held before the switch (dropped from guest memory, never written
     * again), against which the source sends it as a delta (protocol 8); cleared when the page has come. The
     * receiver's only (filled before it starts).
     */
    private final byte[][] bases;
    /**
     * Per page, 1 + the origin this end checked for it (rebuilt from its own file, or data equal to it), 0 for none:
     * memory records it when it installs the page ({@link #originSource}), as a lazy restore does. Made by the
     * receiver when the first origin arrives (after GO, not in the guest's pause: 8 bytes a page); null until then.
     */
    private volatile long[] originPlusOne;
    private final ConcurrentLinkedQueue<Integer> toInstall = new ConcurrentLinkedQueue<>();
    /** Frame decoding (the receiving thread's only, one at a time). */
    private final PageFrames frames;
    private final Object lock = new Object();
    private final int total;
    private volatile int received;
    private volatile MigrationStatus status = MigrationStatus.POSTCOPY_ACTIVE;
    private volatile String error;
    private volatile long requests;
    private volatile long waitNanos;
    private volatile long longestWaitNanos;

    PostCopyPages(MigrationConnection conn, Machine machine, BitSet pending, StateDigest digest, List<StateRecord> records,
                  MigrationSource.Listener events, PageReferences references, PageFrames frames,
                  AtomicReferenceArray<byte[]> arrived, byte[][] bases) {
        // arrived: one empty slot per guest page, made before the pause (null: made here). bases: per page still to
        // come, the stale copy this end held (the source may send the page as a delta against it), or null.
        this.bases = bases != null ? bases : new byte[machine.memory().pageCount()][];
        this.references = references;
        this.frames = frames;
        this.conn = conn;
        this.machine = machine;
        this.pending = (BitSet) pending.clone();
        this.digest = digest;
        this.records = records;
        this.events = events;
        this.arrived = arrived != null ? arrived : new AtomicReferenceArray<>(machine.memory().pageCount());
        this.total = pending.cardinality();
        this.got = new BitSet(machine.memory().pageCount());
    }

    public MigrationStatus status() {
        return status;
    }

    /** Why post-copy failed or paused, or null. */
    public String error() {
        return error;
    }

    public int totalPages() {
        return total;
    }

    public int receivedPages() {
        return received;
    }

    /** Pages the guest had to ask for (it touched them before they streamed in), and the run thread's time waiting. */
    public long requests() {
        return requests;
    }

    /** The time the guest has waited for pages it touched before they arrived, in all. */
    public long waitNanos() {
        return waitNanos;
    }

    /** The longest the guest has waited for one page (a round trip to the source behind what was already queued). */
    public long longestWaitNanos() {
        return longestWaitNanos;
    }

    void start() {
        start(new StandbyThread("vmckpt-postcopy", Thread.MAX_PRIORITY)); // the guest waits for what it brings
    }

    /** Receives on {@code standby}, a thread started before GO (see {@link StandbyThread}). */
    void start(StandbyThread standby) {
        start(standby, false);
    }

    /** As above; {@code whenGuestStarts}: hands it its work once the guest runs ({@link StandbyThread#runWhenStarted}). */
    void start(StandbyThread standby, boolean whenGuestStarts) {
        conn.limitBacklog();
        receiver = standby.thread();
        Runnable loop = this::receiveLoop; // one call site, linked by the migration warm-up's post-copies
        if (whenGuestStarts) standby.runWhenStarted(machine, loop);
        else standby.run(loop);
    }

    /**
     * Takes up a post-copy migration again on a new connection from the same source (QEMU's migrate-recover on
     * this side, {@code migrate} with {@code resume} on the source's): checks that the source is resuming this
     * migration (the digest of the switch-over's records and disk), tells it which pages are still missing, and
     * receives them. If the old connection still looks alive (a silent network), it is dropped first. A failed
     * attempt leaves the guest waiting as before (postcopy-paused), ready for another.
     */
    public void recover(MigrationConnection next) throws MigrationException {
        synchronized (this) {
            MigrationStatus s = status;
            if (s != MigrationStatus.POSTCOPY_PAUSED && s != MigrationStatus.POSTCOPY_ACTIVE) {
                next.close();
                throw new MigrationException("there is no post-copy migration to recover (status " + s.qmpName() + ")");
            }
            MigrationConnection old = conn;
            old.close();
            Thread r = receiver;
            try {
                if (r != null) r.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                next.close();
                throw new MigrationException("interrupted while recovering the migration");
            }
            if (r != null && r.isAlive()) {
                next.close();
                throw new MigrationException("the post-copy receiver did not stop; cannot recover");
            }
            if (status == MigrationStatus.COMPLETED) {
                next.close();
                throw new MigrationException("the migration completed meanwhile; nothing to recover");
            }
            setStatus(MigrationStatus.POSTCOPY_RECOVER, error);
            try {
                int version = next.receiveOpening();
                if (version != MigrationWire.VERSION) {
                    throw new MigrationException("refused a resumed migration stream of protocol version " + version + ": this vmckpt speaks version " + MigrationWire.VERSION);
                }
                MigrationWire.Frame f = next.receive();
                if (f.type() != MigrationWire.RESUME) {
                    throw new MigrationException("a source connected to recover the migration but sent " + MigrationWire.name(f.type())
                            + " instead of RESUME (start it with 'vmckpt migrate --resume')");
                }
                MigrationWire.Payload p = f.read();
                byte[] theirs = p.bytes(64, "digest");
                p.end();
                if (!MessageDigest.isEqual(theirs, digest.digest(records, false))) {
                    throw new MigrationException("the source resuming is not the one this guest came from (its switch-over state differs)");
                }
                BitSet missing = (BitSet) pending.clone();
                missing.andNot(got);
                MigrationWire.PayloadWriter w = new MigrationWire.PayloadWriter();
                long[] words = missing.toLongArray();
                w.i32(words.length);
                for (long x : words) w.i64(x);
                next.send(MigrationWire.RESUMED, w.toByteArray());
            } catch (MigrationException e) {
                next.sendErrorQuietly(e.getMessage());
                next.close();
                setStatus(MigrationStatus.POSTCOPY_PAUSED, e.getMessage());
                throw e;
            } catch (IOException e) {
                next.close();
                setStatus(MigrationStatus.POSTCOPY_PAUSED, "recovering failed: " + e.getMessage());
                throw new MigrationException("the connection from the resuming source broke: " + e.getMessage(), e);
            }
            conn = next;
            setStatus(MigrationStatus.POSTCOPY_ACTIVE, null);
            start();
            int w = waitingFor;
            if (w >= 0 && arrived.get(w) == null) requestQuietly(w); // the first request may have died with the old connection
        }
    }

    private void requestQuietly(int pageIndex) {
        try {
            conn.send(MigrationWire.REQUEST, new MigrationWire.PayloadWriter().i32(pageIndex).toByteArray());
        } catch (IOException e) {
            // the receiver sees the broken connection too and reports it
        }
    }

    /** Tells {@code l} of every later status change too (the control socket's MIGRATION events). */
    public void alsoTell(MigrationSource.Listener l) {
        listeners.add(l);
    }

    private final java.util.List<MigrationSource.Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    private void setStatus(MigrationStatus s, String why) {
        error = why;
        status = s;
        events.status(s);
        for (MigrationSource.Listener l : listeners) l.status(s);
        synchronized (lock) {
            lock.notifyAll();
        }
    }

    private void receiveLoop() {
        GuestMemory memory = machine.memory();
        int sinceInstall = 0;
        try {
            while (true) {
                MigrationWire.Frame f = conn.receive();
                if (f.type() == MigrationWire.PAGES) {
                    int count = accept(f.read());
                    synchronized (lock) {
                        lock.notifyAll();
                    }
                    sinceInstall += count;
                    if (sinceInstall >= 4096) {
                        sinceInstall = 0;
                        machine.submit(this::installArrived);
                    }
                } else if (f.type() == MigrationWire.END) {
                    MigrationWire.Payload p = f.read();
                    byte[] theirs = p.bytes(64, "digest");
                    p.end();
                    machine.submit(this::installArrived);
                    if (received != total) throw new MigrationException("post-copy ended with " + (total - received) + " pages missing");
                    if (!MessageDigest.isEqual(theirs, digest.digest(records, true))) {
                        machine.requestPause();
                        throw new MigrationException("the pages that arrived after switch-over do not match the source's digest; the guest is paused");
                    }
                    conn.send(MigrationWire.DONE, new byte[0]);
                    conn.close();
                    frames.dropPool(); // every page is here
                    setStatus(MigrationStatus.COMPLETED, null);
                    return;
                } else if (f.type() == MigrationWire.ERROR) {
                    throw new MigrationException("the source failed during post-copy: " + f.read().string("message"));
                } else {
                    throw new MigrationException("unexpected " + MigrationWire.name(f.type()) + " message during post-copy");
                }
            }
        } catch (MigrationException e) {
            conn.sendErrorQuietly(e.getMessage());
            conn.close();
            lost(e.getMessage());
        } catch (IOException | RuntimeException e) {
            conn.close();
            lost("the connection to the source broke during post-copy: " + e.getMessage());
        }
    }

    /**
     * Takes the pages of one PAGES frame: each is checked to be owed, its CRC enters the digest END is compared with, and
     * it waits in its slot for the run thread (or {@link #installArrived}). A delta applies to the copy this end held
     * before the switch (a page it never held is zeros: a wrong base makes a wrong page, which END's digest catches).
     * On the receiver, or before GO on the thread that received the state ({@link #acceptBeforeGo}). Returns how many.
     */
    private int accept(MigrationWire.Payload payload) throws MigrationException {
        GuestMemory memory = machine.memory();
        int before = received;
        frames.decodePages(payload, memory.pageCount(), references, this::deltaBase, this::take);
        return received - before;
    }

    private void take(int i, byte[] data, long origin) throws MigrationException {
        if (!pending.get(i)) throw new MigrationException("the source sent page " + i + ", which post-copy does not wait for");
        if (got.get(i)) {
            // Before READY each page comes once (the source counted them in STATE); after a resume one may come again.
            if (beforeReady) throw new MigrationException("the source sent page " + i + " twice after STATE");
            return; // sent again after a resume: it is here already
        }
        digest.page(i, StateDigest.crc(data));
        got.set(i);
        bases[i] = null;
        if (origin >= 0) {
            long[] o = originPlusOne;
            if (o == null) originPlusOne = o = new long[machine.memory().pageCount()];
            o[i] = origin + 1; // published by arrived's volatile write below
        }
        arrived.set(i, data == null ? new byte[GuestMemory.PAGE_SIZE] : data);
        toInstall.add(i);
        received++;
    }

    /**
     * Protocol 11: a PAGES frame that followed STATE (the guest's working set, sent while this end checked the state),
     * taken before READY on the thread that received the state, before the receiver runs and before the guest: its
     * pages are installed in guest memory at once, so the guest never asks for them. Checked at END like every other
     * page STATE named.
     */
    void acceptBeforeGo(MigrationWire.Payload payload) throws MigrationException {
        beforeReady = true;
        try {
            accept(payload);
        } finally {
            beforeReady = false;
        }
        pushedBeforeGo = received;
        installArrived();
    }

    /** While {@link #acceptBeforeGo} runs (a page sent twice is then malformed). */
    private boolean beforeReady;

    /** Pages that arrived between STATE and GO (protocol 11). */
    public int pushedBeforeGo() {
        return pushedBeforeGo;
    }

    private volatile int pushedBeforeGo;

    /** The copy a delta for page {@code i} applies to (the receiver's only). */
    private byte[] deltaBase(int i) {
        // (A delta of the working set pushed before GO is not one: the source counts those before its switch too.)
        if (!beforeReady) deltasReceived++;
        return bases[i];
    }

    /** Pages that arrived after the switch as deltas against the copy this end held. */
    public long deltasReceived() {
        return deltasReceived;
    }

    private volatile long deltasReceived;

    private void lost(String why) {
        if (received == total && status != MigrationStatus.POSTCOPY_ACTIVE) return;
        setStatus(received == total ? MigrationStatus.FAILED : MigrationStatus.POSTCOPY_PAUSED,
                why + (received == total ? "" : "; " + (total - received) + " pages are still at the source: the guest waits at the first it touches"));
    }

    /** On the run thread: moves arrived pages into guest memory. */
    private void installArrived() {
        GuestMemory memory = machine.memory();
        Integer i;
        while ((i = toInstall.poll()) != null) memory.prefetch(i);
    }

    /** Called by guest memory on the run thread right after {@link #loadPage} returned the page. */
    @Override
    public int originSource(int pageIndex) {
        long o = checkedOrigin(pageIndex);
        return o < 0 ? -1 : PageReferences.source(o);
    }

    @Override
    public long originSector(int pageIndex) {
        long o = checkedOrigin(pageIndex);
        return o < 0 ? -1 : PageReferences.sector(o);
    }

    /** The origin this end checked for page {@code pageIndex} (a {@link PageReferences} value), or -1. */
    private long checkedOrigin(int pageIndex) {
        long[] all = originPlusOne;
        return all == null ? -1 : all[pageIndex] - 1;
    }

    /** Called by guest memory on the run thread at the first touch of a page still at the source. */
    @Override
    public byte[] loadPage(int pageIndex) {
        byte[] p = arrived.getAndSet(pageIndex, null);
        if (p != null) return p;
        long t0 = System.nanoTime();
        requests++;
        waitingFor = pageIndex;
        requestQuietly(pageIndex);
        synchronized (lock) {
            while ((p = arrived.getAndSet(pageIndex, null)) == null) {
                if (machine.exitCode() != null) {
                    throw new IllegalStateException("post-copy migration: the VM ended while it waited for page " + pageIndex
                            + " from the source (" + (error == null ? "the source did not send it" : error) + ")");
                }
                try {
                    lock.wait(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("post-copy migration: interrupted while waiting for page " + pageIndex);
                }
            }
        }
        waitingFor = -1;
        long waited = System.nanoTime() - t0;
        waitNanos += waited;
        if (waited > longestWaitNanos) longestWaitNanos = waited;
        return p;
    }
}
