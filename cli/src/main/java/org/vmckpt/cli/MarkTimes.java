package org.vmckpt.cli;

import org.vmckpt.machine.Machine;

/**
 * The mark lines' diagnostic ({@code -Dvmckpt.stats.markPrefix=TEXT}, off; {@link ConsoleOutput#MARK_PREFIX}): for each
 * console line that starts with TEXT, the guest's instruction count (as before) and, since the guest's first instruction
 * in this process, the instructions it ran, the host's wall time, the guest's own time (mtime) and how long it waited for
 * interrupts; the first mark line also says what the guest's time and next timer were at its first instruction and, after
 * a restore with {@code --stats}, how long after "restored" that first instruction came (round 78: where a restored
 * guest's time to its first heartbeat goes). Nothing is recorded or printed without the property.
 */
final class MarkTimes {
    private final Machine machine;
    private long firstNanos, firstMtime, firstDeadline, firstInstret, firstWaited;
    private boolean started, reported;
    /**
     * {@code -Dvmckpt.stats.markSampleMicros=N} (with the mark lines; off): a thread samples the hart every N µs from its first
     * instruction to the first mark line (privilege mode, pc, waiting for an interrupt), racy reads of a diagnostic; the
     * first mark line gives the shares, {@code -Dvmckpt.stats.markSampleOut=FILE} writes each sample ("pc mode waiting").
     */
    static final long SAMPLE_MICROS = Long.getLong("vmckpt.stats.markSampleMicros", 0);
    static final String SAMPLE_OUT = System.getProperty("vmckpt.stats.markSampleOut");
    /**
     * {@code -Dvmckpt.stats.markSampleAgain=K} (with the sampler): samples again from the K-th mark line to the next one (a
     * warm heartbeat period, for comparison), written to SAMPLE_OUT + ".again".
     */
    static final int SAMPLE_AGAIN = Integer.getInteger("vmckpt.stats.markSampleAgain", 0);
    private int marks;
    private static final int MAX_SAMPLES = 1 << 20;
    private long[] samplePc;
    private byte[] sampleMode;
    private volatile int samples;
    private volatile boolean sampling;

    MarkTimes(Machine machine) {
        this.machine = machine;
    }

    /** On the run thread, just before the guest's first instruction (the machine is still paused: its clock stands). */
    void firstInstruction() {
        firstNanos = System.nanoTime();
        firstMtime = machine.clint().mtime();
        firstDeadline = machine.nextTimerDeadline();
        firstInstret = machine.hart(0).instret;
        firstWaited = machine.waitedNanos();
        started = true;
        if (SAMPLE_MICROS > 0) startSampler();
    }

    private void startSampler() {
        samplePc = new long[MAX_SAMPLES];
        sampleMode = new byte[MAX_SAMPLES];
        sampling = true;
        org.vmckpt.machine.cpu.Hart h = machine.hart(0);
        Thread t = new Thread(() -> {
            int n = 0;
            while (sampling && n < MAX_SAMPLES) {
                samplePc[n] = h.pc;
                sampleMode[n] = (byte) (h.priv | (h.isWaitingForInterrupt() ? 0x10 : 0));
                samples = ++n;
                java.util.concurrent.locks.LockSupport.parkNanos(SAMPLE_MICROS * 1000);
            }
        }, "vmckpt-mark-sampler");
        t.setDaemon(true);
        t.start();
    }

    private String sampleSummary(String out) {
        sampling = false;
        int n = samples;
        long[] byMode = new long[4];
        long waiting = 0;
        for (int i = 0; i < n; i++) {
            if ((sampleMode[i] & 0x10) != 0) waiting++;
            else byMode[sampleMode[i] & 3]++;
        }
        if (out != null) {
            try (java.io.PrintWriter w = new java.io.PrintWriter(java.nio.file.Files.newBufferedWriter(java.nio.file.Path.of(out)))) {
                for (int i = 0; i < n; i++) w.printf("%x %d %d%n", samplePc[i], sampleMode[i] & 3, (sampleMode[i] >> 4) & 1);
            } catch (java.io.IOException e) {
                return "; samples not written: " + e.getMessage();
            }
        }
        return String.format("; %d samples every %d us: waiting %d, user %d, supervisor %d, machine %d", n, SAMPLE_MICROS, waiting,
                byMode[0], byMode[1], byMode[3]);
    }

    /** The mark line's text for {@code line}, on the guest's thread. */
    String describe(String line) {
        long n = machine.hart(0).instret;
        StringBuilder b = new StringBuilder("vmckpt: mark ").append(line).append(" at ").append(n).append(" instructions, ")
                .append(machine.hart(0).cboZeros).append(" cbo.zero");
        if (!started) return b.toString();
        marks++;
        if (SAMPLE_MICROS > 0 && SAMPLE_AGAIN > 0 && marks == SAMPLE_AGAIN + 1) b.append(sampleSummary(SAMPLE_OUT == null ? null : SAMPLE_OUT + ".again"));
        long now = System.nanoTime();
        long mtime = machine.clint().mtime();
        if (SAMPLE_MICROS > 0 && SAMPLE_AGAIN > 0 && marks == SAMPLE_AGAIN) {
            samples = 0;
            startSampler();
        }
        b.append(String.format("; since the first instruction: %d instructions, wall %.1f ms, guest time %.1f ms, waited for interrupts %.1f ms",
                n - firstInstret, (now - firstNanos) / 1e6, (mtime - firstMtime) / 1e4, (machine.waitedNanos() - firstWaited) / 1e6));
        if (!reported) {
            reported = true;
            if (SAMPLE_MICROS > 0) b.append(sampleSummary(SAMPLE_OUT));
            b.append(String.format("; at the first instruction: mtime %d, next timer %s", firstMtime,
                    firstDeadline == -1L ? "none" : String.format("%.3f ms ahead", (firstDeadline - firstMtime) / 1e4)));
            long restored = StartupTimes.restoredNanos;
            if (restored != 0) {
                b.append(String.format("; the first instruction %.1f ms after \"restored\"", (firstNanos - restored) / 1e6));
                b.append(" (");
                at(b, "stats printed", StartupTimes.statsPrintedNanos, restored);
                at(b, "new generation", StartupTimes.generationNanos, restored);
                at(b, "socket bound", StartupTimes.socketBoundNanos, restored); // (beside: bound before the guest, served after)
                at(b, "checkpoint engine", StartupTimes.stamp(StartupTimes.ENGINE), restored);
                at(b, "control socket", StartupTimes.stamp(StartupTimes.CONTROL), restored);
                at(b, "stats' beans", StartupTimes.beansNanos, restored);
                b.append("ms after it)");
            }
        }
        return b.toString();
    }

    private static void at(StringBuilder b, String what, long stamp, long restored) {
        if (stamp > restored) b.append(what).append(String.format(" %.1f, ", (stamp - restored) / 1e6));
    }
}
