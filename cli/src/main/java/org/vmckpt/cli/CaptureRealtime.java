package org.vmckpt.cli;

import org.vmckpt.checkpoint.CapturePriority;

/**
 * The guest's thread under the real-time policy SCHED_FIFO (priority 1, as {@code --realtime} puts it for a whole run)
 * for each live checkpoint's capture only: from just before the engine asks the run loop for an instruction boundary
 * until the capture is done, then back to the normal policy with its nice value ({@link CapturePriority}). <b>On by
 * default</b> since round 68's quiet slot ({@code -Dvmckpt.capture.realtime=false} turns it off; docs/BENCHMARKS.md,
 * round 68).
 *
 * <p>Why: a real-time thread runs as soon as it is runnable, ahead of every thread of the normal policy, and no such
 * thread takes its core while it runs. In the later live checkpoints that paused over 1 ms (round 67: 5 of 409) the
 * capture's 0.2-0.5 ms of CPU was spread over 1.5-2.7 ms of wall time, the run thread preempted again and again while
 * this process's compilers, translator, collector or saver threads held both cores; at nice -5 against their -4 to 4
 * the scheduler still shares the cores with them. The window is short (the capture: ~0.2 ms of CPU, bounded by the
 * machine's size) and ends on the run thread itself before the guest runs on, so a busy guest never holds a core at
 * real-time priority (what {@code --realtime} does and this does not). Two system calls a checkpoint.
 *
 * <p>Through the native helper; without it nothing changes. Refused (no root or CAP_SYS_NICE, an RLIMIT_RTPRIO of 0):
 * no further try for this process (the VM runs on as before), with one line on stderr if the property was given (the
 * default's EPERM, a user without root, says nothing). A VM run with {@code --realtime}
 * is real-time already: not installed there.
 */
final class CaptureRealtime implements CapturePriority {
    static final String PROPERTY = "vmckpt.capture.realtime";
    /** errno ESRCH: the thread has ended (a run loop that ended before it took the request). */
    private static final int ESRCH = 3;
    /** errno EPERM: no root, CAP_SYS_NICE or RLIMIT_RTPRIO. */
    private static final int EPERM = 1;

    /** Set at the first refusal: no further try, no further line. */
    private volatile boolean refused;

    CaptureRealtime() { }

    /** Whether the property asks for it (unset: on) and the native helper is there. */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "true")) && NativeThreads.available();
    }

    /** Whether the property was given: a refusal of the default (no root: EPERM) is not worth a line on every VM. */
    private static boolean asked() {
        return System.getProperty(PROPERTY) != null;
    }

    /** The policy if {@link #enabled}, else null (the engine then leaves the guest's thread alone). */
    static CaptureRealtime ifEnabled() {
        return enabled() ? new CaptureRealtime() : null;
    }

    /** Whether a refusal has stopped it for this process. */
    boolean refused() {
        return refused;
    }

    @Override
    public boolean raise(long tid) {
        if (refused || tid <= 0) return false;
        int err;
        try {
            err = NativeThreads.setFifo((int) tid, RealtimeThread.PRIORITY);
        } catch (UnsatisfiedLinkError e) {
            refuse("the native helper is older than this vmckpt (no setFifo): run ./build");
            return false;
        }
        if (err != 0) {
            if (err == EPERM && !asked()) {
                refused = true; // the default, without root or CAP_SYS_NICE: quietly as before
                return false;
            }
            refuse("the host refused SCHED_FIFO for the guest's thread (errno " + err + "); checkpoints go on without it");
            return false;
        }
        return true;
    }

    @Override
    public void lower(long tid) {
        int err = NativeThreads.setNormal((int) tid);
        if (err != 0 && err != ESRCH) {
            // No further raise (so this line comes once): one that cannot be undone would leave a busy guest real-time.
            refused = true;
            System.err.println("\r\nvmckpt: " + PROPERTY + ": the guest's thread could not go back to the normal policy (errno " + err + ")\r");
        }
    }

    private synchronized void refuse(String why) {
        if (refused) return;
        refused = true;
        System.err.println("\r\nvmckpt: " + PROPERTY + ": " + why + "\r");
    }
}
