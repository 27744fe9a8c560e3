package org.vmckpt.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The nice value of this process's session while its migration runs (Linux's autogroup, {@code /proc/self/autogroup}),
 * and the value it had after: <b>off by default</b> ({@code -Dvmckpt.migration.sessionNice=N} turns it on at N, from -20
 * to 19, e.g. -5, the guest thread's nice under the launcher; docs/MIGRATION.md,
 * "The guest's thread under load", and docs/BENCHMARKS.md round 58 for the pairs that decided it).
 *
 * <p>Why: with autogroups on (/proc/sys/kernel/sched_autogroup_enabled, as on this project's VM) the scheduler shares the
 * CPU between sessions first, each session one group of the weight of a nice-0 task, and by the threads' nice values only
 * inside a session. The launcher's priorities (the guest's thread at nice -5, savers below it) therefore count against
 * this VMM's own threads only: against a build in another session the guest's thread waits as any other. Sampled over
 * the longest heartbeat gaps of memdirty migrations with four spinning processes in another session (bench/migrate.py
 * --busy 4 --sched; docs/BENCHMARKS.md, round 58) the guest's thread was runnable and waiting for a core for most of
 * 84-339 ms gaps, and the source's young collections, whose threads share the session, stretched to 60 ms. A lower
 * nice for the session gives the whole VMM (guest, sender, collector) a larger share against other sessions while the
 * migration runs. The session holds whatever else was started from the same terminal, which gains too. Writing a lower
 * value needs root or CAP_SYS_NICE: by default it is done for root only, as the launcher's thread priorities are;
 * refused, or without autogroups, nothing changes (a line on stderr). Measured (round 58, 8 interleaved pairs, four
 * spinners in another session, load 2.2-4.9): the longest gap lower in 5 of 8, the total shorter in 5 of 8: not shown to
 * help, and it changes the user's whole session (left at N if the process is killed mid-migration), so it is off.
 */
final class MigrationSessionNice {
    static final String PROPERTY = "vmckpt.migration.sessionNice";
    static final Path AUTOGROUP = Path.of("/proc/self/autogroup");
    /** Unless the property says otherwise: off (the lead's review of round 58; see the class comment). */
    static final String DEFAULT = "off";

    private MigrationSessionNice() { }

    /** The nice the property asks for ({@link #DEFAULT} if unset), or null ("off"). */
    static Integer wanted() {
        String v = System.getProperty(PROPERTY, DEFAULT).trim();
        if (v.equals("off") || v.isEmpty()) return null;
        int n = Integer.parseInt(v);
        if (n < -20 || n > 19) throw new IllegalArgumentException("-D" + PROPERTY + "=" + v + ": -20 to 19, or off");
        return n;
    }

    /** The session's nice now, or null where the kernel has no autogroups. */
    static Integer current() {
        try {
            // "/autogroup-24 nice 0"
            String[] f = Files.readString(AUTOGROUP).trim().split("\\s+");
            return Integer.parseInt(f[f.length - 1]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Sets the session's nice to the property's value if it is on; returns the nice to put back after, or null. */
    static Integer applyIfEnabled() {
        Integer want = wanted();
        if (want == null) return null;
        // Only when asked for (the default is off); a lower nice needs root or CAP_SYS_NICE, a refusal is reported.
        Integer before = current();
        if (before == null) {
            System.err.println("\r\nvmckpt: " + PROPERTY + ": this kernel has no autogroups (" + AUTOGROUP + "); nothing changed\r");
            return null;
        }
        return set(want) ? before : null;
    }

    /** Puts the session's nice back to {@code before}. */
    static void reset(int before) {
        set(before);
    }

    private static boolean set(int nice) {
        try {
            Files.writeString(AUTOGROUP, Integer.toString(nice));
            return true;
        } catch (IOException e) {
            System.err.println("\r\nvmckpt: " + PROPERTY + ": the session's nice could not be set to " + nice + ": " + e.getMessage() + "\r");
            return false;
        }
    }
}
