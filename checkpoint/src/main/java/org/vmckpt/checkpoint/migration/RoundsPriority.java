package org.vmckpt.checkpoint.migration;

/**
 * The Java priority of a migration's own threads (the source's sending thread, the destination's receiving thread)
 * while the rounds run, i.e. while the guest still runs on the source. Below the guest's thread (Java's
 * {@code MAX_PRIORITY}, nice -5 as root): the rounds are throughput the guest does not wait for, and the guest's
 * heartbeat is not. At the switch-over both threads go back to {@code MAX_PRIORITY} (the source when it pauses the
 * guest, the destination when STATE arrives): from then on they are the guest's stall.
 *
 * <p>Why: until this was measured (docs/BENCHMARKS.md, round 39) both threads ran the rounds at the guest's own nice -5,
 * the compilers at -4: on two cores the guest's thread, woken from its idle park, waited for a CPU behind them for
 * 7-10 ms of every 15 ms gap traced during the rounds (bench/migrate-gaps.py), and a nice value is a share: equal
 * weights gave the guest no precedence. Nice 0 (Java's {@code NORM_PRIORITY}) gives the guest three times their
 * weight. The rounds still converge: memdirty-like guests dirty far less than a core sends, and a guest that keeps a
 * core busy leaves the other to the migration.
 *
 * <p>{@code -Dvmckpt.migration.roundsPriority=N} (1-10) sets another for A/B runs; 10 is the behaviour before.
 */
final class RoundsPriority {
    static final String PROPERTY = "vmckpt.migration.roundsPriority";

    private RoundsPriority() { }

    /** The priority for the rounds: the property's, else {@code NORM_PRIORITY}. */
    static int rounds() {
        int p = Integer.getInteger(PROPERTY, Thread.NORM_PRIORITY);
        return Math.max(Thread.MIN_PRIORITY, Math.min(Thread.MAX_PRIORITY, p));
    }

    /**
     * Puts the calling thread at the rounds' priority, never above {@code switchPriority} (the priority it has for the
     * switch-over: a warm-up's throwaway migration runs low throughout).
     */
    static void enterRounds(int switchPriority) {
        Thread.currentThread().setPriority(Math.min(switchPriority, rounds()));
    }

    /** Puts the calling thread back at the switch-over's priority. */
    static void enterSwitch(int switchPriority) {
        Thread.currentThread().setPriority(switchPriority);
    }
}
