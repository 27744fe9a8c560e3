package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The options tests take from the launcher ({@link LauncherOptions}) are the launcher's own: for run and restore the
 * heap is pinned (a JVM started with them has its minimum heap at its initial size, as the launcher's has), for a
 * command without a VM it is not; the collector can be swapped.
 */
class LauncherOptionsTest {
    private static long flag(String out, String name) {
        Matcher m = Pattern.compile("\\s" + name + "\\s+=\\s+(\\d+)").matcher(out);
        assertTrue(m.find(), name + " in " + out.length() + " characters");
        return Long.parseLong(m.group(1));
    }

    @Test
    void runAndRestoreGetThePinnedHeapAsTheLauncherGivesIt() throws Exception {
        for (String command : new String[] {"run", "restore"}) {
            List<String> opts = LauncherOptions.collector(command);
            assertTrue(opts.containsAll(List.of("-XX:+UseParallelGC", "-Xmn16m", "-XX:MaxTenuringThreshold=0")), opts.toString());
            assertTrue(opts.stream().anyMatch(o -> o.startsWith("-Xms")), "the heap pinned: " + opts);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
            cmd.addAll(opts);
            cmd.addAll(List.of("-XX:+PrintFlagsFinal", "-version"));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(flag(out, "InitialHeapSize"), flag(out, "MinHeapSize"), command + ": the minimum heap is the initial one");
        }
        assertFalse(LauncherOptions.collector("--version").stream().anyMatch(o -> o.startsWith("-Xms")), "no VM, no pin");
        assertTrue(LauncherOptions.collector("run", "-XX:+UseG1GC").contains("-XX:+UseG1GC"));
        assertFalse(LauncherOptions.collector("run", "-XX:+UseG1GC").contains("-XX:+UseParallelGC"));
    }
}
