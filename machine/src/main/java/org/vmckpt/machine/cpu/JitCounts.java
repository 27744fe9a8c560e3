package org.vmckpt.machine.cpu;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadMXBean;

/**
 * The translator's and the JVM's running totals, printed every 100 ms (round 71; a tuning aid,
 * {@code -Dvmckpt.jit.counts=true}, off by default: nothing starts then). One line on stderr each time
 * ({@code vmckpt-jit k=v ...}), which bench/cpu/jit-phases.py splits by the CPU benchmark's marks, as
 * bench/cpu/mmu-phases.py does {@link MmuCounts}' lines: per phase, the guest's instructions, the share run
 * translated, units built, code pages invalidated, flushes, C1 leaves and rebuilds, the hot tier's builds, and the
 * JVM's collections, compile time, classes loaded and unloaded and code cache in use, with the run thread's CPU on the
 * same line. The hart's and the cache's fields are read without a lock from this thread (counts only, a late or torn
 * sum at worst: a diagnostic); nothing is added to the hart's or a unit's path.
 */
public final class JitCounts {
    /** {@code -Dvmckpt.jit.counts=true}: print the lines. */
    public static final boolean ON = Boolean.getBoolean("vmckpt.jit.counts");
    /** {@code -Dvmckpt.jit.countsEvery=MS}: their period (100). */
    static final long EVERY_MS = Long.getLong("vmckpt.jit.countsEvery", 100);

    private JitCounts() {
    }

    /**
     * Starts the printer for {@code h}, if {@link #ON}; call it on the thread that will run the hart (its CPU time is the
     * lines' {@code runCpu}).
     */
    public static void startIfEnabled(Hart h) {
        if (!ON) return;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long runThread = Thread.currentThread().getId();
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(EVERY_MS);
                } catch (InterruptedException e) {
                    return;
                }
                System.err.println(line(h, threads, runThread));
            }
        }, "vmckpt-jit-counts");
        t.setDaemon(true);
        t.start();
    }

    static String line(Hart h, ThreadMXBean threads, long runThread) {
        StringBuilder b = new StringBuilder("vmckpt-jit");
        b.append(" uptimeMs=").append(ManagementFactory.getRuntimeMXBean().getUptime());
        b.append(" runCpuNs=").append(threads.getThreadCpuTime(runThread));
        b.append(" instret=").append(h.instret);
        b.append(" pagesMaterialized=").append(h.ram.materializedPages()).append(" pagesDiscarded=").append(h.ram.discardedPages());
        long[] taken = h.traps.taken.length == 32 ? h.traps.taken : new long[32]; // (counted only with the switch on)
        long exc = 0, irq = 0;
        for (int i = 0; i < 16; i++) {
            exc += taken[i];
            irq += taken[16 + i];
        }
        // (causes: 8 ecall from U, 9 from S, 12/13/15 page faults; interrupts 1 SSI, 5 STI, 7 MTI, 9 SEI)
        b.append(" exceptions=").append(exc).append(" interrupts=").append(irq).append(" ecallU=").append(taken[8])
                .append(" pageFaults=").append(taken[12] + taken[13] + taken[15]).append(" timerIrqs=").append(taken[16 + 5] + taken[16 + 7]);
        CodeCache c = h.codeCache;
        if (c != null) {
            b.append(" translated=").append(c.translatedInstructionsRun);
            b.append(" units=").append(c.unitsTranslated);
            b.append(" live=").append(c.liveUnitCount());
            b.append(" liveInsns=").append(c.liveInstructionCount());
            b.append(" invalidated=").append(c.invalidations);
            b.append(" flushes=").append(c.flushes);
            b.append(" unitRuns=").append(c.unitRuns);
            b.append(" chained=").append(c.chainedRuns);
            b.append(" deferrals=").append(c.deferrals);
            b.append(" stale=").append(c.staleDropped);
            b.append(" queueFull=").append(c.queueFull);
            b.append(" promotions=").append(c.promotions);
            b.append(" hotBuilds=").append(c.hotBuilds);
            b.append(" c1Leaves=").append(c.c1MissLeft);
            b.append(" c1Rebuilds=").append(c.c1MissRebuilds);
            b.append(" c1RebuildsIn=").append(c.c1MissRebuildsInstalled);
            b.append(" bytecode=").append(c.bytecodeBytes);
            b.append(" bgNs=").append(c.backgroundNanos);
            b.append(" refused=").append(c.compileRefused);
            b.append(" batchEnds=").append(c.batchesEndedBeforeUnit);
        }
        if (Interpreter.BITMANIP_COUNTS) { // (-Dvmckpt.isa.bitmanipCounts=true: Zba/Zbb/Zbs retired, in all and per operation)
            long zb = 0;
            for (long n : Decode.BITMANIP_RETIRED) zb += n;
            b.append(" zb=").append(zb).append(" zbInterp=").append(Decode.bitmanipInterpreted);
            for (int k = 0; k < Decode.BITMANIP_OPS.length; k++) b.append(" zb.").append(Decode.BITMANIP_OPS[k]).append('=').append(Decode.BITMANIP_RETIRED[k]);
        }
        long gcCount = 0, gcMs = 0;
        for (GarbageCollectorMXBean g : ManagementFactory.getGarbageCollectorMXBeans()) {
            b.append(" gc.").append(g.getName().replace(' ', '_')).append('=').append(g.getCollectionCount()).append('/').append(g.getCollectionTime());
            gcCount += g.getCollectionCount();
            gcMs += g.getCollectionTime();
        }
        b.append(" gcCount=").append(gcCount).append(" gcMs=").append(gcMs);
        var comp = ManagementFactory.getCompilationMXBean();
        b.append(" compileMs=").append(comp != null && comp.isCompilationTimeMonitoringSupported() ? comp.getTotalCompilationTime() : -1);
        var cl = ManagementFactory.getClassLoadingMXBean();
        b.append(" classesLoaded=").append(cl.getTotalLoadedClassCount()).append(" classesUnloaded=").append(cl.getUnloadedClassCount());
        long code = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
            if (p.getType() == MemoryType.NON_HEAP && p.getName().startsWith("CodeHeap")) {
                b.append(" code.").append(p.getName().substring("CodeHeap".length()).replaceAll("[^A-Za-z-]", "")).append('=').append(p.getUsage().getUsed());
                code += p.getUsage().getUsed();
            }
        }
        b.append(" codeBytes=").append(code);
        return b.toString();
    }
}
