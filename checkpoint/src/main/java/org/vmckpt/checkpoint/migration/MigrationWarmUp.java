package org.vmckpt.checkpoint.migration;

import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Once per process: a few throwaway migrations of a small scratch machine to itself over loopback (TLS 1.3 when
 * the credentials hold both ends' keys, else plaintext), so that the JVM has compiled the migration's own code
 * (the sender's page loop, frame encoding and decoding, the state digest, TLS's bulk AES-GCM) before a real
 * migration runs on it. Measured on a cold process (docs/BENCHMARKS.md, run 8): during a 1 GiB memdirty
 * migration the source's JIT compilers spent 1.4-1.5 s of CPU on that code (the sender's loop alone 2.3 s of
 * compiler time in one run, once on-stack and once whole) and the destination's 0.8-1.0 s, on a two-core
 * host where the guest takes one core; until compiled, the loop ran interpreted.
 *
 * <p>The scratch machines share nothing with the VM: no disks, no network, no boot files, {@link #PAGES} pages
 * of synthetic content; they are dropped after each run. Everything runs on one daemon thread (low priority on a
 * source, where the guest runs meanwhile) and the receiving end's, and a real migration that starts on either end stops the warm-up between its runs ({@link #stop}). Any failure
 * only means less warm-up.
 */
public final class MigrationWarmUp {
    /** Pages of the scratch machine that carry data: enough frames per run for the JIT to find the loops hot. */
    static final int PAGES = 8192;
    /** Runs: the compile thresholds count loop iterations over all runs (about 15,000 for C2). */
    static final int RUNS = 4;
    /**
     * Small PAGES frames sent after the runs through the same codec and connection: C2 compiles a method only once
     * it has been called some 600 times or more, and a run of {@link #PAGES} pages makes only {@link #PAGES} / 64
     * frames (and TLS records of 16 KiB); these small ones cost little CPU and bring each per-frame method there.
     */
    static final int SMALL_FRAMES = 1500;
    /** Whether the warm-up ends by asking C2 for the migration's profiled methods ({@link WarmUpC2Compiles}). */
    static final boolean COMPILE_AT_C2 = Boolean.parseBoolean(System.getProperty("vmckpt.migration.warmUpC2", "true"));
    private static final AtomicBoolean started = new AtomicBoolean();
    private static volatile boolean stopRequested;
    private static final AtomicReference<Thread> thread = new AtomicReference<>();

    private MigrationWarmUp() { }

    /**
     * Starts the warm-up on a daemon thread of the given priority (a source whose guest runs: low; a destination that
     * waits for it: normal), the first time it is called in this process; {@code tlsDir} (may be null) selects TLS
     * when it holds both ends' credentials. Returns the thread (null if already started).
     */
    public static Thread startInBackground(Path tlsDir, int priority) {
        if (!started.compareAndSet(false, true)) return null;
        Thread t = new Thread(() -> run(tlsDir), "vmckpt-migration-warm-up");
        t.setDaemon(true);
        t.setPriority(priority);
        thread.set(t);
        t.start();
        return t;
    }

    /** A real migration starts here: the warm-up ends after its current run (it must not compete with it). */
    public static void stop() {
        stopRequested = true;
    }

    /** Whether a real migration asked the warm-up to end. */
    static boolean stopping() {
        return stopRequested;
    }

    /** Runs the warm-up on the calling thread; returns how many throwaway migrations completed. */
    static int run(Path tlsDir) {
        if (tlsDir != null) TlsWarmUp.run(tlsDir); // the handshakes first (a no-op without both ends' keys)
        // Early (at load 20-24 a destination's warm-up was stopped by its 15 s bound before the end, where this was),
        // but after the handshakes: they load SHA-224, and C2's code for the digest, compiled while SHA-256 was the
        // only SHA-2 class loaded, was thrown away then.
        if (!stopRequested) digestRefreshes(DIGEST_PAGES, DIGEST_REFRESHES);
        if (tlsDir != null && !stopRequested) {
            TlsWarmUp.bulk(tlsDir, TlsWarmUp.BULK_BYTES); // then TLS's bulk encryption, with more records than the runs make
        }
        TlsCredentials server = null, client = null;
        try {
            if (tlsDir != null && TlsWarmUp.hasBothEnds(tlsDir)) {
                server = TlsCredentials.forServer(tlsDir);
                client = TlsCredentials.forClient(tlsDir);
            }
        } catch (MigrationException e) {
            server = client = null; // plaintext: the page path is still warmed
        }
        int done = 0;
        if (COMPILE_AT_C2) WarmUpC2Compiles.profileFromStart(WarmUpC2Compiles.longLoops());
        for (int i = 0; i < RUNS && !stopRequested; i++) {
            if (migrateOnce(server, client, i)) done++;
        }
        if (!stopRequested) smallFrames(server, client, SMALL_FRAMES);
        // Then C2 for what the runs made warm, now, rather than inside the first real migration (WarmUpC2Compiles).
        if (!stopRequested && COMPILE_AT_C2) WarmUpC2Compiles.compileProfiled(WarmUpC2Compiles.CLASSES, WarmUpC2Compiles.WAIT_NANOS);
        return done;
    }

    /** Pages of the digest {@link #digestRefreshes} hashes: a 1 GiB guest's. */
    static final int DIGEST_PAGES = 262_144;
    /** Its refreshes of one changed chunk: enough calls for C2 to compile {@code StateDigest.refresh} whole. */
    static final int DIGEST_REFRESHES = 6_000;

    /**
     * Refreshes a digest of {@code pages} pages: first every chunk stale (the loop that C2 compiles on-stack), then
     * {@code times} refreshes of one chunk each (the calls that get the method compiled whole). Both ends refresh
     * their digest after each round; a scratch machine's 16 chunks never made that hot, so a real migration's last
     * rounds did, and the destination's C2 compiled it (0.5-0.9 s of its one compiler thread at load 12-15)
     * across the switch-over, on a core the guest needed then (docs/BENCHMARKS.md, migration run 23). Costs 1-3 s of
     * CPU (at load 20; C2's threshold for the whole method grows with its queue: 4,000 calls were not enough during a
     * loaded destination's warm-up). Returns the last digest.
     */
    static byte[] digestRefreshes(int pages, int times) {
        StateDigest d = new StateDigest(pages);
        for (int round = 0; round < 4 && !stopRequested; round++) {
            for (int c = 0; c < pages; c += StateDigest.CHUNK_PAGES) d.page(c, round + c);
            d.refresh();
        }
        for (int i = 0; i < times && !stopRequested; i++) {
            d.page((i * StateDigest.CHUNK_PAGES) % pages, i);
            d.refresh();
        }
        return d.digest(List.of(), true);
    }

    /**
     * Sends {@code count} PAGES frames of 1 to 8 pages (data, and deltas against the previous copy) from one
     * loopback connection's end to the other, each decoded and checked there; returns how many arrived intact.
     */
    static int smallFrames(TlsCredentials server, TlsCredentials client, int count) {
        try (MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), server)) {
            int[] intact = new int[1];
            Thread receiver = new Thread(() -> {
                try (MigrationConnection in = l.accept()) {
                    PageFrames frames = new PageFrames();
                    byte[][] expected = pageKinds(count);
                    byte[][] held = new byte[8][];
                    for (int i = 0; i < count; i++) {
                        MigrationWire.Frame f = in.receive();
                        if (f.type() != MigrationWire.PAGES) return;
                        int frame = i;
                        boolean[] ok = {true};
                        frames.decodePages(f.read(), held.length, null, k -> held[k], (k, data) -> {
                            held[(int) k] = data;
                            // the CRC as the digest takes it, and the bytes as they were sent
                            ok[0] &= StateDigest.crc(data) == StateDigest.crc(expected[(frame + (int) k) % expected.length]);
                        });
                        if (ok[0]) intact[0]++;
                    }
                    in.send(MigrationWire.DONE, new byte[0]); // the sender closes only after this (see below)
                } catch (Exception e) {
                    // only a warm-up
                }
            }, "vmckpt-migration-warm-up-receiver");
            receiver.setDaemon(true);
            receiver.setPriority(Thread.currentThread().getPriority());
            receiver.start();
            try (MigrationConnection out = MigrationConnection.connect(new MigrationEndpoint("127.0.0.1", l.port()), client)) {
                PageFrames frames = new PageFrames();
                byte[][] kinds = pageKinds(count);
                byte[][] sent = new byte[8][];
                int[] index = new int[8];
                byte[][] data = new byte[8][];
                byte[][] base = new byte[8][];
                for (int i = 0; i < count && !stopRequested; i++) {
                    int n = 1 + i % 8;
                    for (int k = 0; k < n; k++) {
                        index[k] = k;
                        data[k] = kinds[(i + k) % kinds.length];
                        base[k] = sent[k];
                        sent[k] = data[k];
                    }
                    out.send(MigrationWire.PAGES, frames.encodePagesShared(index, data, null, base, null, n));
                }
                // Closing with unread bytes in this end's receive buffer (TLS 1.3's session tickets) makes the kernel
                // reset the connection, and a reset discards what the receiver has not read yet: on a loaded host
                // the last frames were lost, likely that way (133 of 200 once at load 14). So the sender waits for DONE.
                if (!stopRequested) out.receive();
            }
            receiver.join(60_000);
            return intact[0];
        } catch (Exception e) {
            return 0; // only a warm-up
        }
    }

    /**
     * One migration of a scratch machine to another over loopback: a pre-copy for even {@code run}s, a post-copy
     * that switches at once (every page streamed after GO, through post-copy's own sender and receiver) for odd
     * ones; true if it completed.
     */
    static boolean migrateOnce(TlsCredentials server, TlsCredentials client, int run) {
        boolean postCopy = run % 2 == 1;
        MachineConfig scratch = new MachineConfig((long) PAGES * 2 * GuestMemory.PAGE_SIZE, null, null, "", null, null, List.of(), false, false, false);
        Machine from = null, to = null;
        try (MigrationListener l = MigrationListener.listen(new MigrationEndpoint("127.0.0.1", 0), server)) {
            from = new Machine(scratch, b -> { });
            to = new Machine(scratch, b -> { });
            fill(from.memory(), run);
            MigrationDestination destination = new MigrationDestination(to);
            AtomicReference<Exception> failed = new AtomicReference<>();
            AtomicReference<MigrationDestination.Incoming> arrived = new AtomicReference<>();
            Thread receiver = new Thread(() -> {
                try {
                    arrived.set(destination.receive(l.accept(), null));
                } catch (Exception e) {
                    failed.set(e);
                }
            }, "vmckpt-migration-warm-up-receiver");
            receiver.setDaemon(true);
            receiver.setPriority(Thread.currentThread().getPriority());
            receiver.start();
            MigrationSource source = new MigrationSource(from, null, new MigrationEndpoint("127.0.0.1", l.port()), client,
                    postCopy ? MigrationMode.POSTCOPY : MigrationMode.PRECOPY, postCopy, null);
            source.keepPriority();
            source.run(); // returns once the destination has confirmed (post-copy: every page arrived, DONE)
            receiver.join(60_000);
            if (failed.get() != null || receiver.isAlive() || arrived.get() == null) return false;
            if (!postCopy) return true;
            PostCopyPages pages = arrived.get().postCopy();
            for (int i = 0; i < 500 && pages.status() != MigrationStatus.COMPLETED; i++) Thread.sleep(10); // it says DONE, then notes it
            return pages.status() == MigrationStatus.COMPLETED;
        } catch (Exception e) {
            return false; // only a warm-up
        } finally {
            if (from != null) from.virtio().close();
            if (to != null) to.virtio().close();
        }
    }

    /**
     * Every other page of the scratch memory gets one of 64 arrays of memdirty-like content (a counter per 8-byte
     * word, some words rewritten), so frames compress as a guest's do and the zero pages between are skipped.
     */
    private static void fill(GuestMemory memory, int run) {
        byte[][] kinds = pageKinds(run);
        for (int i = 0; i < PAGES; i++) memory.installPage(2 * i, kinds[i % kinds.length]);
    }

    private static byte[][] pageKinds(int run) {
        byte[][] kinds = new byte[64][];
        for (int k = 0; k < kinds.length; k++) {
            byte[] p = new byte[GuestMemory.PAGE_SIZE];
            for (int w = 0; w < GuestMemory.PAGE_SIZE / 8; w++) {
                long v = ((long) (k + run * 64) << 12 | w) | Long.MIN_VALUE;
                if ((w * 31 + k) % 97 == 0) v = (long) w * 0x9e3779b97f4a7c15L;
                for (int b = 0; b < 8; b++) p[w * 8 + b] = (byte) (v >>> (8 * b));
            }
            kinds[k] = p;
        }
        return kinds;
    }
}
