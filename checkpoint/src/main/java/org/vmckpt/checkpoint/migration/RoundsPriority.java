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
 * weight. The rounds would still converge: memdirty-like guests dirty far less than a core sends, and a guest that keeps a
 * core busy leaves the other to the migration.
 *
 * <p><b>Off by default</b> (the rounds at {@code MAX_PRIORITY}, as before): at load 7-14 (the other engineers' builds
 * at nice 0) the guest's heartbeat gaps over 20 ms per migration were fewer in 6 of 8 interleaved pairs, but the
 * migrations took longer in 6 of 8 (the rounds then share the cores with those processes instead of coming first), and
 * the longest gap, the goal's figure, was the other processes' at that load either way; a quiet host, where it aims,
 * was not available (docs/BENCHMARKS.md, round 39). {@code -Dvmckpt.migration.roundsPriority=5} turns it on (any of
 * 1-10; 10 is the default).
 */
final class RoundsPriority {
    static final String PROPERTY = "vmckpt.migration.roundsPriority";

    private RoundsPriority() { }

    /** The priority for the rounds: the property's, else {@code MAX_PRIORITY} (off: see above). */
    static int rounds() {
        Integer o = override;
        int p = o != null ? o : Integer.getInteger(PROPERTY, Thread.MAX_PRIORITY);
        return Math.max(Thread.MIN_PRIORITY, Math.min(Thread.MAX_PRIORITY, p));
    }

    /** A test's own setting, as the property would give it (null: the property's again). */
    static volatile Integer override;

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
