package org.vmckpt.cli;

/**
 * The source's guest thread under the real-time policy SCHED_FIFO (priority 1, as {@code --realtime} puts it for a whole
 * run) while its migration runs, and back to the normal policy after: <b>off by default</b>
 * ({@code -Dvmckpt.migration.guestRealtime=true} turns it on; docs/MIGRATION.md, "The guest's thread under load").
 *
 * <p>Why: with the kernel's autogroups on (as on this project's VM), the scheduler shares the CPU between sessions first
 * and by nice value only inside one: against a build in another session the guest's nice -5 counts for nothing, and
 * during a migration its session also holds the sender (nice -5) and, on the same host, the destination. Sampled over
 * the longest heartbeat gaps of memdirty migrations with four spinning processes in another session (bench/migrate.py
 * --busy 4 --sched; docs/BENCHMARKS.md, round 58) the guest's thread was runnable and waiting for a core for 79-315 ms
 * of 84-339 ms gaps. A real-time thread is not in that sharing: it runs as soon as it is runnable. The kernel's
 * real-time throttling (95% of each second) still leaves the rest a share; a guest that never idles holds one core for
 * the migration's length (the sender then has the other). Through the native helper; without it, or refused (no root
 * or CAP_SYS_NICE), nothing changes (a line on stderr). A VM run with {@code --realtime} is already real-time: left as is.
 */
final class MigrationGuestRealtime {
    static final String PROPERTY = "vmckpt.migration.guestRealtime";

    private MigrationGuestRealtime() { }

    static boolean enabled() {
        return Boolean.getBoolean(PROPERTY);
    }

    /** Puts thread {@code tid} under SCHED_FIFO if the property is on and the helper can; returns whether it did. */
    static boolean applyIfEnabled(long tid) {
        if (!enabled() || tid <= 0 || !NativeThreads.available()) return false;
        int err;
        try {
            err = NativeThreads.setFifo((int) tid, RealtimeThread.PRIORITY);
        } catch (UnsatisfiedLinkError e) {
            System.err.println("\r\nvmckpt: " + PROPERTY + ": the native helper is older than this vmckpt (no setFifo): run ./build\r");
            return false;
        }
        if (err != 0) {
            System.err.println("\r\nvmckpt: " + PROPERTY + ": the host refused SCHED_FIFO for the guest's thread (errno " + err + ")\r");
            return false;
        }
        return true;
    }

    /** Thread {@code tid} back to the normal policy. */
    static void reset(long tid) {
        int err = NativeThreads.setNormal((int) tid);
        if (err != 0) System.err.println("\r\nvmckpt: " + PROPERTY + ": the guest's thread could not go back to the normal policy (errno " + err + ")\r");
    }
}
