package org.vmckpt.cli;

import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;

/**
 * A migration destination's start-up, before it listens: boots the VM's own configuration on a throwaway machine
 * (no network, every disk copy-on-write in memory, console discarded) and runs it, so that the JVM has compiled the
 * emulator's hot paths (interpreter, MMU, translator, devices) before the migrated guest runs on them. Without it the
 * migrated guest's first 100-250 ms ran on cold code, most of its stall after the switch-over (docs/BENCHMARKS.md,
 * migration run 4). The throwaway machine is dropped before the first source is accepted; it never shares state
 * with the real one. Any failure only skips the warm-up.
 *
 * <p>Two parts, each counted in the warm-up thread's CPU time (a wall-clock warm-up got a fraction of its work done
 * on a loaded host: the destination then compiled the emulator's core with C2 right after GO). First the boot,
 * {@link #MILLIS} (or half of {@link #MAX_WALL_MILLIS}, if that comes first). Then {@link #COLD_STARTS} cold starts: the machine's TLB and translated code are dropped every
 * {@link #COLD_START_MILLIS}, so that it runs as a migrated guest does in its first milliseconds on a fresh machine
 * (every fetch, load and store a TLB miss, every instruction interpreted until the translator has rebuilt its unit).
 * A boot that has warmed up rarely takes those paths: after the boot alone the MMU's page walk and miss paths and
 * guest memory's page lookup for a write were still in the JIT's profiling tier, and the destination's C2 compiled
 * them in the guest's first second there, on one of the two cores the guest needs (docs/BENCHMARKS.md, migration
 * run 23).
 */
final class EmulatorWarmUp {
    /** The boot: the warm-up thread's CPU time. */
    static final long MILLIS = 2_000;
    /** Cold starts after the boot (dropped TLB and translations), one every {@link #COLD_START_MILLIS} of its CPU time. */
    static final int COLD_STARTS = 20;
    static final long COLD_START_MILLIS = 50;
    /**
     * A bound in wall time on the whole warm-up: a starved host still gets to listening (quiet, the warm-up takes 3-4 s;
     * at load 20-29 a bound of 20 s made the destination listen 10-20 s later than main's, and a test waits 60 s).
     */
    static final long MAX_WALL_MILLIS = 8_000;

    private EmulatorWarmUp() { }

    /** What a warm-up did: the cold starts it made, and the scratch machine's code-cache flushes (for tests). */
    record Done(int coldStarts, long flushes) { }

    /** Runs the warm-up; returns what it did, or null if the scratch machine did not boot. */
    static Done run(MachineConfig config) {
        return run(config, MILLIS, COLD_STARTS, COLD_START_MILLIS, MAX_WALL_MILLIS);
    }

    static Done run(MachineConfig config, long bootMillis, int coldStartCount, long coldStartMillis, long maxWallMillis) {
        List<MachineConfig.DiskConfig> disks = new ArrayList<>();
        for (MachineConfig.DiskConfig d : config.disks()) disks.add(new MachineConfig.DiskConfig(d.image(), false));
        MachineConfig scratch = new MachineConfig(config.memoryBytes(), config.kernel(), config.initrd(), config.cmdline(), config.bios(),
                config.elf(), disks, config.balloon(), config.rng(), config.deterministic(), config.overlayMemoryBytes(), null, null);
        Machine m;
        try {
            m = new Machine(scratch, b -> { });
            m.boot();
        } catch (Exception e) {
            return null;
        }
        Thread t = new Thread(() -> {
            try {
                m.run(-1);
            } catch (RuntimeException e) {
                // only a warm-up
            }
        }, "vmckpt-warm-up");
        t.setDaemon(true);
        t.start();
        int coldStarts = 0;
        try {
            long start = System.nanoTime(), deadline = start + maxWallMillis * 1_000_000;
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            boolean cpuClock = threads.isThreadCpuTimeSupported() && threads.isThreadCpuTimeEnabled();
            long next = bootMillis;
            for (int restarts = 0; restarts <= coldStartCount && t.isAlive(); ) {
                long cpu = cpuClock ? threads.getThreadCpuTime(t.getId()) : System.nanoTime() - start; // (wall time without a CPU clock)
                if (cpu < 0 || System.nanoTime() > deadline) break; // the thread has ended, or out of time
                // The boot ends at its CPU time or at half the wall bound (a loaded host: the cold starts matter more).
                boolean bootCut = restarts == 0 && System.nanoTime() - start > maxWallMillis * 500_000;
                if (cpu / 1_000_000 >= next || bootCut) {
                    if (bootCut) next = cpu / 1_000_000;
                    if (restarts < coldStartCount) m.submit(() -> m.hart(0).flushAllMappings()); // between two batches
                    restarts++;
                    coldStarts = Math.min(restarts, coldStartCount);
                    next += coldStartMillis;
                }
                Thread.sleep(5);
            }
            m.requestExit(0);
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            m.virtio().close();
        }
        org.vmckpt.machine.cpu.CodeCache.Stats stats = m.hart(0).translationStats();
        return new Done(coldStarts, stats != null ? stats.flushes() : 0);
    }
}
