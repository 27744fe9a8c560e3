package org.vmckpt.cli;

/**
 * {@code --realtime}: the guest's CPU thread under the host's real-time policy SCHED_FIFO, so that a host thread of the
 * normal policy (a compiler thread, a migration or checkpoint thread of this VMM or another, a build) never keeps it
 * waiting for a CPU once it is runnable. The kernel's real-time throttling (sched_rt_runtime_us, 95% of each second by
 * default) still leaves the other tasks a share, and threads the CPU thread creates start at the normal policy
 * (SCHED_RESET_ON_FORK). Through the native helper; refused by the kernel without root, CAP_SYS_NICE or RLIMIT_RTPRIO.
 */
final class RealtimeThread {
    private RealtimeThread() { }

    /** SCHED_FIFO's lowest priority: above every normal-policy thread, below the kernel's own real-time threads. */
    static final int PRIORITY = 1;

    private static final int EPERM = 1;

    /**
     * Puts the calling thread under SCHED_FIFO at {@link #PRIORITY}; returns null, or why it stays at the normal policy
     * (a sentence for the user: the cause and what to do).
     */
    static String enter() {
        if (!NativeMemory.available()) {
            return "the native helper (cli/target/libvmckpt-native.so) is not there or could not be loaded: run ./build";
        }
        int err;
        try {
            err = setFifo(PRIORITY);
        } catch (UnsatisfiedLinkError e) {
            return "the native helper is older than this vmckpt (no setFifo): run ./build";
        }
        if (err == 0) return null;
        if (err == EPERM) {
            return "the host refused SCHED_FIFO (EPERM): run as root, or give the process CAP_SYS_NICE or an RLIMIT_RTPRIO of at least "
                    + PRIORITY + " (ulimit -r)";
        }
        return "the host refused SCHED_FIFO (errno " + err + ")";
    }

    /** sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, priority); 0 or the errno. */
    private static native int setFifo(int priority);
}
