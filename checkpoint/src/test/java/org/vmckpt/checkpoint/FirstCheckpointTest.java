package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The first live checkpoint of a fresh process pauses the guest no longer than later ones do: what the capture
 * path needs (its classes, its first runs) is made ready when the engine starts, not in the first pause. Runs a
 * child JVM, since in this one earlier tests have long warmed everything. Asserts relative to the later pauses of
 * the same process, generously (3x their median plus half a millisecond), on the capturing thread's CPU time in the
 * pause, which the host's scheduler cannot inflate on a busy machine (the wall time is in the message); without
 * the warm-up the first pause was about ten times the later ones.
 */
class FirstCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void firstLiveCheckpointOfAFreshProcessPausesNoLongerThanLaterOnes() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xss16m", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                FirstCheckpointMain.class.getName(), dir.resolve("repo").toString(), "9")
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        List<Long> pauses = new ArrayList<>();
        List<Long> walls = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                String[] f = line.trim().split(" ");
                pauses.add(Long.parseLong(f[0]));
                walls.add(Long.parseLong(f[1]));
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not end");
        assertEquals(0, p.exitValue());
        assertEquals(9, pauses.size(), "pauses: " + pauses);
        long first = pauses.get(0);
        List<Long> later = new ArrayList<>(pauses.subList(1, pauses.size()));
        later.sort(null);
        long median = later.get(later.size() / 2);
        assertTrue(first <= 3 * median + 500_000,
                "first pause " + first / 1e6 + " ms of CPU, later ones (sorted) " + later.stream().map(x -> String.format("%.3f", x / 1e6)).toList()
                        + " ms; wall times " + walls.stream().map(x -> String.format("%.3f", x / 1e6)).toList() + " ms");
    }
}
