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
    }

    /** The mark line's text for {@code line}, on the guest's thread. */
    String describe(String line) {
        long n = machine.hart(0).instret;
        StringBuilder b = new StringBuilder("vmckpt: mark ").append(line).append(" at ").append(n).append(" instructions, ")
                .append(machine.hart(0).cboZeros).append(" cbo.zero");
        if (!started) return b.toString();
        long now = System.nanoTime();
        long mtime = machine.clint().mtime();
        b.append(String.format("; since the first instruction: %d instructions, wall %.1f ms, guest time %.1f ms, waited for interrupts %.1f ms",
                n - firstInstret, (now - firstNanos) / 1e6, (mtime - firstMtime) / 1e4, (machine.waitedNanos() - firstWaited) / 1e6));
        if (!reported) {
            reported = true;
            b.append(String.format("; at the first instruction: mtime %d, next timer %s", firstMtime,
                    firstDeadline == -1L ? "none" : String.format("%.3f ms ahead", (firstDeadline - firstMtime) / 1e4)));
            long restored = StartupTimes.restoredNanos;
            if (restored != 0) {
                b.append(String.format("; the first instruction %.1f ms after \"restored\"", (firstNanos - restored) / 1e6));
                b.append(" (");
                at(b, "stats printed", StartupTimes.statsPrintedNanos, restored);
                at(b, "new generation", StartupTimes.generationNanos, restored);
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
