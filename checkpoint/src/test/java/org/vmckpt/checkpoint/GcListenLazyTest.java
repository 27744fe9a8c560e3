package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine of a VM whose lazy restore is still loading does not take the collectors' per-collection reports (the
 * JVM then builds none: their cost fell in the guest's first moments); its first checkpoint does (for its longest
 * pause). In a fresh JVM: the listener belongs to the whole JVM, and any engine built earlier in the test JVM started it.
 */
class GcListenLazyTest {
    @TempDir
    Path dir;

    @Test
    void noCollectionReportsWhileALazyRestoreLoadsUntilACheckpoint() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(1_500_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults(), null).info().id();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xss16m", "-XX:+UseParallelGC", "-cp", System.getProperty("java.class.path"),
                GcListenLazyMain.class.getName(), dir.resolve("repo").toString(), id)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String line;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            line = r.readLine();
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not end");
        assertEquals(0, p.exitValue());
        assertEquals("true false true", line, "loading lazily; reports taken with the engine built; after a checkpoint");
    }
}
