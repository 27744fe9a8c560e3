package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.migration.WarmUpC2Compiles;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.IdleWindow;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Once per process, once the guest has been idle for a while ({@link IdleWindow}): a few throwaway live checkpoints of a small scratch machine into a
 * throwaway repository (a temporary directory, deleted after), then C2 asked for the writer's methods they profiled,
 * so that the VM's first real checkpoint runs the saver's code loaded and compiled, as later ones do. Without it the first
 * checkpoint of a signed-guest memdirty VM loaded 79 classes and made 570 compiles (129 of the checkpoint packages; the
 * second checkpoint 206 and 14) while it saved, on the two cores the guest shares with the saver: round 59 measured its
 * guest's stall at 4-49 ms against 1.2-8 ms for later checkpoints (docs/BENCHMARKS.md, round 59 part 4, and round 60).
 * The page sources' code is not warmed here (the scratch machine has no page that refers to a file); the guest's
 * copy-on-write path is ({@link #writeFrozenPages}). The capture's own first-time costs are the engine's warm-up captures
 * ({@code CheckpointEngine.warmUp}); this is the saver's half.
 *
 * <p>The scratch machine shares nothing with the VM (no disks, no boot files, {@link #PAGES} pages of synthetic,
 * memdirty-like content and zero pages between, the same arrays installed many times); nothing of the VM's memory,
 * devices or repository is read or written. Runs on one daemon thread at the saver's priority (lowest), started with
 * the VM's engine ({@code PageClassifier}); the thread waits for the guest to be idle for a while
 * ({@link #startInBackground}), and gives up if a checkpoint or a migration asks for the page sources first (it would
 * then compete with that). A real checkpoint that starts stops it, before it runs or after its current run
 * ({@link #stop}); any failure only means less warm-up. Round 60 started it at the guest's first idle, which comes
 * during a boot, and the CPU benchmark's default-guest boot was slower with it (docs/BENCHMARKS.md round 60); round 61
 * made it wait for the idle window. {@code -Dvmckpt.checkpoint.warmUp} turns it on or off.
 */
public final class CheckpointWarmUp {
    /** Pages of the scratch machine that carry data (as many zero pages lie between them). */
    static final int PAGES = 8192;
    /** Throwaway checkpoints: enough for C1 to compile the saver's per-page code with a profile. */
    static final int RUNS = 2;
    /** The longest wait for the C2 compiles asked for after the runs. */
    static final long C2_WAIT_NANOS = 10_000_000_000L;
    /** Data pages written to while frozen, after the runs ({@link #writeFrozenPages}). */
    static final int COW_PAGES = 1024;
    /** Whether the runs also take the guest's copy-on-write path ({@code -Dvmckpt.checkpoint.warmUp.copyOnWrite}, on). */
    static final boolean COPY_ON_WRITE = Boolean.parseBoolean(System.getProperty("vmckpt.checkpoint.warmUp.copyOnWrite", "true"));
    /** Whether the VM's engine starts the warm-up (read once; off unless asked for). */
    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("vmckpt.checkpoint.warmUp", "false"));

    /**
     * The classes whose profiled methods C2 is asked for after the runs: the writer's (encoding, frames, the pack, the
     * manifest), whose branches do not depend on what the pages are. Not the page loop ({@code PageClassifier.writePages})
     * nor what it calls: the scratch machine has no page that refers to a disk, a boot file or the initramfs, and C2's
     * code compiled on its profile was thrown away in the first real checkpoint (its first such page) and compiled
     * again there; the loop gets C1's profiling code from the start instead ({@link #longLoops}), and HotSpot's C2
     * compiles it once the real pages have been seen.
     */
    static final List<Class<?>> C2_CLASSES = CheckpointWriter.writingClasses();

    private static final AtomicBoolean started = new AtomicBoolean();
    private static volatile boolean stopRequested;
    private static volatile int completedRuns;

    private CheckpointWarmUp() { }

    /** A line on stderr when the warm-up's thread ends: how long it waited for the idle window, its runs (a diagnostic). */
    static final boolean TRACE = Boolean.getBoolean("vmckpt.checkpoint.warmUp.trace");
    /** How often the warm-up's thread looks whether the guest has been idle for a while. */
    static final long IDLE_POLL_MILLIS = 50;

    /**
     * Starts the warm-up's daemon thread the first time it is called in this process (if enabled); returns it, or null.
     * The thread first waits until {@code guest} has been idle for a while ({@link IdleWindow}: not its first idle,
     * which comes during a boot; round 60's CPU benchmark boot was slower with the warm-up started there) and no lazy
     * restore is loading; it never runs if a real checkpoint starts first, or if the guest is never that idle.
     * {@code busy} answers true once the VM wants the host for something the warm-up must not compete with (a
     * migration asked for the page sources): it then never runs. {@code guest} null: at once (tests).
     */
    static Thread startInBackground(Machine guest, BooleanSupplier busy) {
        if (!ENABLED || stopRequested || !started.compareAndSet(false, true)) return null;
        Thread t = new Thread(() -> {
            long t0 = System.nanoTime();
            boolean idle = guest == null || awaitIdle(guest, busy);
            long t1 = System.nanoTime();
            int runs = idle ? run() : 0;
            if (TRACE) {
                System.err.printf("vmckpt: checkpoint warm-up: %s after %d ms (JVM uptime %d ms), %d runs in %d ms%n",
                        idle ? "the guest idle for a while" : "a checkpoint came first", (t1 - t0) / 1_000_000,
                        java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (System.nanoTime() - t1) / 1_000_000,
                        runs, (System.nanoTime() - t1) / 1_000_000);
            }
        }, "vmckpt-checkpoint-warm-up");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY); // the saver's own priority (CheckpointEngine.checkpoint)
        t.start();
        return t;
    }

    /**
     * Waits until the guest has been idle for a while and loads no lazy restore; false if a real checkpoint came first
     * or {@code busy} answered true.
     */
    static boolean awaitIdle(Machine guest, BooleanSupplier busy) {
        IdleWindow idle = IdleWindow.of(guest);
        try {
            while (!stopRequested && !busy.getAsBoolean()) {
                if (idle.idleNow() && !guest.memory().isLoadingLazily()) return true;
                Thread.sleep(IDLE_POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return false;
    }

    /** A real checkpoint starts: the warm-up ends after its current run (it must not compete with it). */
    static void stop() {
        stopRequested = true;
    }

    /** The throwaway checkpoints completed in this process so far (for tests). */
    static int completedRuns() {
        return completedRuns;
    }

    /** Runs the warm-up on the calling thread; returns how many throwaway checkpoints completed. */
    static int run() {
        Path dir = null;
        Thread cleaner = null;
        Machine scratch = null;
        int done = 0;
        try {
            dir = Files.createTempDirectory("vmckpt-checkpoint-warm-up");
            // A VM that exits meanwhile (this is a daemon thread) deletes it on its way out too.
            Path made = dir;
            cleaner = new Thread(() -> deleteTree(made), "vmckpt-checkpoint-warm-up-cleaner");
            Runtime.getRuntime().addShutdownHook(cleaner);
            Repository repo = Repository.open(dir.resolve("repo"), true);
            MachineConfig config = new MachineConfig((long) PAGES * 2 * GuestMemory.PAGE_SIZE, null, null, "", null, null,
                    List.of(), false, false, false);
            scratch = new Machine(config, b -> { });
            fill(scratch.memory());
            CheckpointEngine engine = new CheckpointEngine(scratch, repo, null, true);
            // The page loop runs once per checkpoint: C1 would compile it on-stack only, late; with its profiling code
            // from the start, the runs profile it whole, and C2 gets it below.
            WarmUpC2Compiles.profileFromStart(longLoops());
            for (int i = 0; i < RUNS && !stopRequested; i++) {
                engine.checkpoint(CheckpointOptions.defaults(), null);
                done++;
                completedRuns = done;
            }
            if (COPY_ON_WRITE && !stopRequested) writeFrozenPages(scratch.memory());
            scratch.virtio().close();
            scratch = null;
            deleteTree(dir); // before the wait for C2 below
            if (!stopRequested) WarmUpC2Compiles.forClasses(C2_CLASSES, C2_WAIT_NANOS, () -> stopRequested);
        } catch (Exception | LinkageError e) {
            // only a warm-up: the first checkpoint then compiles what is left
        } finally {
            if (scratch != null) scratch.virtio().close();
            if (dir != null) deleteTree(dir);
            if (cleaner != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(cleaner);
                } catch (IllegalStateException e) {
                    // the JVM is exiting: the hook deletes it (again)
                }
            }
        }
        return done;
    }

    /**
     * Freezes the scratch machine's memory as a capture does, writes to {@link #COW_PAGES} of its data pages (on this
     * thread: the scratch machine has no run thread) and releases it, so that the guest's copy-on-write path
     * ({@code GuestMemory.pageForWrite}'s copy, {@code SparePages.take}, the harts' {@code pageReplaced}: a TLB sweep)
     * is compiled before the VM's first checkpoint, where the guest's thread runs it for every page it writes first
     * (ckpt60's "Noticed" 2). Not inside a throwaway checkpoint (through its progress listener): a listener there changed
     * the page loop's profile, and its C1 code was gone after the runs. A thousand pages: 4 MiB of copies, garbage
     * with the scratch machine.
     */
    private static void writeFrozenPages(GuestMemory memory) {
        FrozenMemory view = memory.freeze();
        try {
            for (int i = 0; i < COW_PAGES; i++) memory.pageForWrite(2 * i);
        } finally {
            view.release();
        }
    }

    /** The saver's loops over every page or block, run once per checkpoint. */
    static List<Method> longLoops() {
        List<Method> out = new ArrayList<>();
        for (Method m : PageClassifier.class.getDeclaredMethods()) {
            if (m.getName().equals("writePages") || m.getName().equals("writeDisks")) out.add(m);
        }
        return out;
    }

    /**
     * Every other page gets one of 64 arrays of memdirty-like content (a counter per 8-byte word, some words rewritten),
     * so frames compress as a guest's do; the pages between stay untouched (ZERO).
     */
    private static void fill(GuestMemory memory) {
        byte[][] kinds = new byte[64][];
        for (int k = 0; k < kinds.length; k++) {
            byte[] p = new byte[GuestMemory.PAGE_SIZE];
            for (int w = 0; w < GuestMemory.PAGE_SIZE / 8; w++) {
                long v = ((long) k << 12 | w) | Long.MIN_VALUE;
                if ((w * 31 + k) % 97 == 0) v = (long) w * 0x9e3779b97f4a7c15L;
                for (int b = 0; b < 8; b++) p[w * 8 + b] = (byte) (v >>> (8 * b));
            }
            kinds[k] = p;
        }
        for (int i = 0; i < PAGES; i++) memory.installPage(2 * i, kinds[i % kinds.length]);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException | RuntimeException e) {
            // a temporary directory left behind: the system's cleaner takes it
        }
    }
}
