package org.vmckpt.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The collector and heap options the launcher (./vmckpt) gives the JVM of a command, as it computes them on this host
 * (the parallel collector, the young generation, promotion at the first collection, the metaspace threshold, the heap
 * pinned at its committed size for run and restore, huge pages where offered), for tests that start a JVM of their own
 * "as the launcher would": they ask the launcher ({@code VMCKPT_PRINT_COLLECTOR_OPTIONS=1}) instead of keeping a copy,
 * so they test what users run (until round 65 six tests kept {@code -XX:InitialRAMPercentage=25}, which set no minimum
 * heap, after the launcher had pinned it).
 */
final class LauncherOptions {
    private LauncherOptions() {
    }

    private static final Map<String, List<String>> CACHE = new ConcurrentHashMap<>();

    /** The options for {@code command} (run, restore, ...), with VMCKPT_HEAP and VMCKPT_JAVA_OPTS unset. */
    static List<String> collector(String command) throws Exception {
        List<String> cached = CACHE.get(command);
        if (cached != null) return cached;
        List<String> opts = ask(command);
        CACHE.put(command, opts);
        return opts;
    }

    /** {@link #collector(String)} with collector {@code gc} (e.g. {@code -XX:+UseG1GC}) instead of the parallel one. */
    static List<String> collector(String command, String gc) throws Exception {
        List<String> opts = new ArrayList<>(collector(command));
        opts.replaceAll(o -> o.equals("-XX:+UseParallelGC") ? gc : o);
        return opts;
    }

    /** The options for {@code command} with {@code VMCKPT_HEAP=heap} (e.g. grow), VMCKPT_JAVA_OPTS unset. */
    static List<String> collectorWithHeap(String command, String heap) throws Exception {
        return ask(command, heap);
    }

    private static List<String> ask(String command) throws Exception {
        return ask(command, null);
    }

    /** Runs a copy of this checkout's launcher beside a stand-in jar (it prints before it would start the JVM). */
    private static List<String> ask(String command, String heap) throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent(); // the tests run in cli/
        Path dir = Files.createTempDirectory("vmckpt-launcher-options");
        try {
            Files.createDirectories(dir.resolve("cli/target"));
            Files.copy(root.resolve("vmckpt"), dir.resolve("vmckpt"));
            dir.resolve("vmckpt").toFile().setExecutable(true);
            Files.createFile(dir.resolve("cli/target/vmckpt.jar"));
            ProcessBuilder pb = new ProcessBuilder(dir.resolve("vmckpt").toString(), command).redirectErrorStream(true);
            pb.environment().remove("VMCKPT_JAVA_OPTS");
            pb.environment().remove("VMCKPT_HEAP");
            if (heap != null) pb.environment().put("VMCKPT_HEAP", heap);
            pb.environment().put("VMCKPT_PRINT_COLLECTOR_OPTIONS", "1");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0 || !out.startsWith("-XX:+UseParallelGC")) {
                throw new IllegalStateException("the launcher printed no collector options: " + out);
            }
            return List.copyOf(Arrays.asList(out.split("\\s+")));
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
