package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Stats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.VerifyReport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills (kill -9) a process that checkpoints a running machine in a loop, at random moments, mostly while a
 * checkpoint is being written, and checks after each kill that the repository opens, that no partial
 * checkpoint is listed, that every checkpoint the process reported committed is there, and that every listed
 * checkpoint verifies and restores to a machine that runs. Each new process continues from the newest
 * checkpoint, so later checkpoints are incremental on top of what the killed ones left.
 */
class CheckpointKillTest {
    private static final int KILLS = 12;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS) // a hang guard only: a busy machine may be slow
    void killingTheCheckpointingProcessNeverLeavesAPartialOrUnrestorableCheckpoint() throws Exception {
        long t0 = System.nanoTime();
        Path repoDir = dir.resolve("repo");
        Random random = new Random(20240611);
        Set<String> mustExist = new HashSet<>();
        Set<String> checked = new HashSet<>();
        int killsInCheckpoint = 0;
        for (int round = 0; round < KILLS; round++) {
            Process child = start(repoDir, random.nextLong());
            LinkedBlockingQueue<String> lines = ChildOutput.lines(child, "kill-test-reader");
            String ready = lines.poll(60, TimeUnit.SECONDS);
            assertNotNull(ready, "the checkpointing process did not start");
            assertTrue(ready.startsWith("ready"), "the checkpointing process failed: " + ready);
            boolean inCheckpoint = false;
            if (round % 4 == 0) {
                Thread.sleep(random.nextInt(300));
            } else {
                // Wait for the k-th checkpoint to start, then kill it somewhere in the 30-100 ms it takes.
                int k = 1 + random.nextInt(3);
                while (k > 0) {
                    String line = lines.poll(30, TimeUnit.SECONDS);
                    assertNotNull(line, "the checkpointing process stopped reporting");
                    if (line.startsWith("checkpoint ")) k--;
                    if (line.startsWith("committed ")) mustExist.add(line.substring(10));
                    assertFalse(line.equals(ChildOutput.EOF), "the checkpointing process died on its own");
                }
                LockSupport.parkNanos(random.nextInt(100_000_000));
                inCheckpoint = true;
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            // Every line the dead process printed, up to the end of its output (the child is dead, so the end comes).
            for (String line; ; ) {
                line = lines.poll(60, TimeUnit.SECONDS);
                assertNotNull(line, "the killed process's output did not end");
                if (line.equals(ChildOutput.EOF)) break;
                if (line.startsWith("committed ")) {
                    mustExist.add(line.substring(10));
                    inCheckpoint = false;
                }
                if (line.startsWith("checkpoint ")) inCheckpoint = true;
            }
            if (inCheckpoint) killsInCheckpoint++;
            checkRepository(repoDir, mustExist, checked, round % 3 == 2);
        }
        // Everything again, after collecting garbage: no pack a checkpoint needs was taken away.
        Repository.open(repoDir, false).gc();
        checked.clear();
        checkRepository(repoDir, mustExist, checked, false);
        System.out.printf("CheckpointKillTest: %d kills, %d inside a checkpoint, %d checkpoints committed and restored; %.1f s%n",
                KILLS, killsInCheckpoint, mustExist.size(), (System.nanoTime() - t0) / 1e9);
        // Properties only, never rates (issue 8 item 13): how many checkpoints a loaded machine commits before a kill,
        // and whether a kill lands inside one, depend on timing and are reported above, not asserted. The rounds that
        // wait for a second or third checkpoint to start have seen the earlier ones committed, so the checks above
        // were not vacuous.
        assertFalse(mustExist.isEmpty(), "no checkpoint was committed, so nothing was checked");
    }

    /**
     * The repository opens, lists no unreadable (partial) checkpoint, and holds every checkpoint reported
     * committed; each listed checkpoint not checked before verifies, and restores eagerly to a machine at the
     * instruction count it was taken at, which then runs on.
     */
    private static void checkRepository(Path repoDir, Set<String> mustExist, Set<String> checked, boolean collect) throws Exception {
        Repository repo = Repository.open(repoDir, false);
        assertEquals(Map.of(), repo.listUnreadable(), "a partial or damaged checkpoint is listed");
        if (collect) repo.gc();
        Set<String> listed = new HashSet<>();
        for (CheckpointInfo info : repo.list()) listed.add(info.id());
        for (String id : mustExist) assertTrue(listed.contains(id), "checkpoint " + id + " was reported committed but is gone");
        mustExist.addAll(listed); // the kill may have cut off a "committed" line
        for (String id : listed) {
            if (!checked.add(id)) continue;
            try (Checkpoint c = repo.open(id)) {
                VerifyReport v = c.verify(ProgressListener.NONE);
                assertTrue(v.ok(), "checkpoint " + id + ": " + v.problems());
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
                assertEquals(c.info().stat(Stats.GUEST_INSTRET, -1), r.machine().hart(0).instret, "checkpoint " + id);
                long before = r.machine().hart(0).instret;
                assertNull(r.machine().run(20_000), "the restored memwalk machine stopped");
                assertEquals(before + 20_000, r.machine().hart(0).instret, "checkpoint " + id + " does not run on");
            }
        }
    }

    private static Process start(Path repoDir, long seed) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xss8m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
                CheckpointLoopMain.class.getName(), repoDir.toString(), Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

}
