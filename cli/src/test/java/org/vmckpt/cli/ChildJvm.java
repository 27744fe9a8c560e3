package org.vmckpt.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A test's {@code main} run in a child JVM (its own process: thread priorities, nice values, sessions). */
final class ChildJvm {
    private ChildJvm() { }

    /**
     * Runs {@code main}'s main with {@code opts} in a child JVM started through {@code prefix} (e.g. {@code setsid -w},
     * or nothing); asserts that it ended with status 0 within two minutes and returns the last line of its output.
     */
    static String lastLine(List<String> prefix, Class<?> main, String... opts) throws Exception {
        return lastLine(prefix, main, List.of(), opts);
    }

    /** {@link #lastLine} with {@code args} given to {@code main}. */
    static String lastLine(List<String> prefix, Class<?> main, List<String> args, String... opts) throws Exception {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    /** {@link #lastLine} with the native helper loaded (a later {@code -D} of its property in {@code opts} wins). */
    static String withNativeHelper(Class<?> main, String... opts) throws Exception {
        List<String> all = new ArrayList<>();
        all.add("-D" + NativeMemory.LIBRARY_PROPERTY + "=" + OldGenPrefaultTest.library());
        all.addAll(List.of(opts));
        return lastLine(List.of(), main, all.toArray(new String[0]));
    }
}
