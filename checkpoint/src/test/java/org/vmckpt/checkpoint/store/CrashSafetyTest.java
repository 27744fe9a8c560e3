package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.vmckpt.checkpoint.ChildOutput;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kills a writer process (kill -9) at random moments, many times, aiming most kills into commits, and checks
 * after each kill that the repository opens, that every checkpoint in it is complete and verifies, and that
 * every checkpoint the writer reported committed is still there.
 */
class CrashSafetyTest {
    private static final int KILLS = 14;

    @TempDir
    Path dir;

    @Test
    void killingTheWriterAtAnyMomentNeverLeavesAPartialCheckpoint() throws Exception {
        Path repoDir = dir.resolve("repo");
        Random random = new Random(20240607);
        Set<String> mustExist = new HashSet<>();
        int commits = 0;
        int killsInCommit = 0;
        for (int round = 0; round < KILLS; round++) {
            Process child = startWriter(repoDir, random.nextLong());
            LinkedBlockingQueue<String> lines = ChildOutput.lines(child, "crash-test-reader");
            assertEquals("ready", lines.poll(30, TimeUnit.SECONDS), "the writer did not start");
            Set<String> uncertain = new HashSet<>();
            List<String> said = new ArrayList<>(); // this writer's lines, for the failure message
            boolean inCommit = false;
            if (round % 3 == 0) {
                Thread.sleep(random.nextInt(300));
            } else {
                // Wait for the k-th commit to start, then kill it a few hundred microseconds in.
                int k = 1 + random.nextInt(4);
                while (k > 0) {
                    String line = lines.poll(30, TimeUnit.SECONDS);
                    assertNotNull(line, "the writer stopped reporting");
                    if (line.startsWith("commit ")) k--;
                    said.add(line);
                    commits += track(line, mustExist, uncertain);
                }
                LockSupport.parkNanos(random.nextInt(3_000_000));
                inCommit = true;
            }
            child.destroyForcibly();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
            // Read every line the dead writer printed, up to the end of its output: a line missed here (a
            // "deleting" one above all) would make the check below wrong. The child is dead, so the end comes;
            // the long timeout only guards a busy machine's slow reader thread.
            for (String line; ; ) {
                line = lines.poll(60, TimeUnit.SECONDS);
                assertNotNull(line, "the killed writer's output did not end");
                if (line.equals(ChildOutput.EOF)) break;
                said.add(line);
                int c = track(line, mustExist, uncertain);
                commits += c;
                if (c > 0) inCommit = false;
            }
            if (inCommit) killsInCommit++;
            checkRepository(repoDir, mustExist, round % 2 == 1, said);
        }
        System.out.println("crash test: " + commits + " commits, " + killsInCommit + " of " + KILLS + " kills inside a commit");
        // Properties only, never rates: how many commits a loaded machine finishes before a kill, and whether a kill
        // lands inside one, depend on timing and are printed above. The rounds that wait for a second or later commit
        // to start have read an earlier one's "committed" line, so the checks above were not vacuous.
        assertTrue(commits > 0, "no checkpoint was committed, so nothing was checked");
    }

    /** Updates what must exist from one output line; returns 1 for a completed commit. */
    private static int track(String line, Set<String> mustExist, Set<String> uncertain) {
        if (line.startsWith("committed ")) {
            mustExist.add(line.substring(10));
            return 1;
        }
        if (line.startsWith("deleting ")) {
            mustExist.remove(line.substring(9));
            uncertain.add(line.substring(9));
        }
        return 0;
    }

    private static void checkRepository(Path repoDir, Set<String> mustExist, boolean collect, List<String> said)
            throws IOException {
        Repository repo = Repository.open(repoDir, false);
        assertEquals(java.util.Map.of(), repo.listUnreadable(), "a partial or damaged manifest is visible");
        Set<String> listed = new HashSet<>(repo.manifestIds());
        for (String id : mustExist) assertTrue(listed.contains(id), "committed checkpoint " + id + " is gone; the writer said " + said);
        mustExist.addAll(listed); // checkpoints whose "committed" line the kill cut off are committed too
        byte[] buf = new byte[4096];
        for (String id : listed) {
            try (Checkpoint c = repo.open(id)) {
                for (int i = 0; i < c.pageCount(); i++) {
                    if (c.readPage(i, buf) == PageKind.DATA) {
                        assertTrue(CrashWriterMain.isPage(i, buf), "checkpoint " + id + " page " + i + " has wrong contents");
                    }
                }
                VerifyReport v = c.verify(ProgressListener.NONE);
                assertTrue(v.ok(), v.problems().toString());
            }
        }
        if (collect) {
            repo.gc();
            RoundTripTest.assertExactlyReferencedPacks(repo);
            try (var s = Files.list(repo.tmpDir())) {
                assertEquals(0, s.count(), "gc left a dead writer's files in tmp/");
            }
        }
    }

    private static Process startWriter(Path repoDir, long seed) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xshare:auto",
                "-cp", System.getProperty("java.class.path"), CrashWriterMain.class.getName(), repoDir.toString(),
                Long.toString(seed))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

}
