package org.vmckpt.machine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The host's id of the calling thread (Linux: its TID, as {@code ps -L}, {@code chrt -p} and {@code taskset -p} take it),
 * which the JVM does not expose. QMP's query-cpus-fast reports a virtual CPU's host thread by it, as QEMU does, so that
 * tools that pin or prioritise vCPU threads work on vmckpt's too.
 */
public final class HostThreadId {
    private HostThreadId() { }

    /** The calling thread's host id, or -1 where the host does not say (no /proc/thread-self). */
    public static long current() {
        try {
            // "/proc/thread-self" links to "PID/task/TID" (Linux 3.17+).
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString();
            int at = link.lastIndexOf('/');
            return at < 0 ? -1 : Long.parseLong(link.substring(at + 1));
        } catch (IOException | UnsupportedOperationException | NumberFormatException | SecurityException e) {
            return -1;
        }
    }
}
