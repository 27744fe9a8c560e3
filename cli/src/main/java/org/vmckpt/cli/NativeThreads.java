package org.vmckpt.cli;

/**
 * The native helper's call on threads (cli/src/main/c/vmckpt_native.c, the library {@link NativeMemory} loads): the
 * nice value of one thread of this process, which neither {@code Thread.setPriority} (Java threads only, mapped to
 * a fixed table) nor the JVM's flags (both compilers at once, for the process's whole life) can set.
 */
final class NativeThreads {
    private NativeThreads() { }

    /** Whether the helper is loaded (the launcher names it; without it {@link #setNice} is not to be called). */
    static boolean available() {
        return NativeMemory.available();
    }

    /** Sets thread {@code tid}'s nice value (setpriority); returns 0 or the errno (EACCES without CAP_SYS_NICE). */
    static native int setNice(int tid, int nice);

    /** Thread {@code tid} (0: the calling one) to SCHED_FIFO at {@code priority}, reset on fork; 0 or the errno. */
    static native int setFifo(int tid, int priority);

    /** Thread {@code tid} back to the normal policy, its nice value as it was; 0 or the errno. */
    static native int setNormal(int tid);
}
