package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code --keep-checkpoints} with pack compaction ({@link PeriodicRetention} with compact on): a series whose
 * checkpoints each rewrite a fast region and one page of a slow region (rewritten every 40 checkpoints), as a guest's
 * rarely rewritten pages keep old packs alive. Without compaction every old pack stays (one live page each); with it
 * the packs stay bounded, and every kept checkpoint reads back exactly what was put.
 */
class PeriodicCompactionTest {
    @TempDir
    Path dir;

    private static final int PAGES = 256;
    private static final int FAST = 128;   // pages 0..127 rewritten by every checkpoint
    private static final int SLOW = 40;    // pages 128..167: checkpoint k rewrites page 128 + k % 40
    private static final int LENGTH = 60;
    private static final int KEEP = 3;

    private static byte[] page(long seed) {
        byte[] p = new byte[4096];
        java.util.Random r = new java.util.Random(seed);
        for (int i = 0; i < p.length; i += 8) p[i] = (byte) r.nextInt();
        p[0] = (byte) seed;
        p[1] = (byte) (seed >>> 8);
        return p;
    }

    private record Outcome(int packs, Map<String, Map<Integer, Long>> expected, Repository repo, int compactions) { }

    private Outcome series(Path repoDir, boolean compact) throws Exception {
        Repository repo = Repository.open(repoDir, true);
        PeriodicRetention retention = new PeriodicRetention(repo, KEEP, compact, 1);
        Map<Integer, Long> current = new HashMap<>();
        Map<String, Map<Integer, Long>> expected = new HashMap<>();
        String parent = null;
        int compactions = 0;
        CheckpointMeta meta = new CheckpointMeta(null, CaptureMode.LIVE, PAGES, Map.of("memory", String.valueOf(PAGES * 4096L)));
        for (int k = 0; k < LENGTH; k++) {
            try (CheckpointWriter w = repo.begin(meta, parent)) {
                for (int i = 0; i < PAGES; i++) {
                    boolean put = k == 0 || i < FAST || i == FAST + k % SLOW;
                    if (!put) continue;
                    long seed = 100_000L * k + i;
                    w.putPage(i, page(seed));
                    current.put(i, seed);
                }
                parent = w.commit(ProgressListener.NONE);
            }
            expected.put(parent, new HashMap<>(current));
            PeriodicRetention.Pruned p = retention.committed(parent);
            if (p.compacted() != null && p.compacted().packsCompacted() > 0) compactions++;
        }
        int packs;
        try (Stream<Path> s = Files.list(repoDir.resolve("packs"))) {
            packs = (int) s.count();
        }
        return new Outcome(packs, expected, repo, compactions);
    }

    private static void assertExact(Outcome o) throws Exception {
        List<String> ids = new ArrayList<>();
        for (var i : o.repo().list()) ids.add(i.id());
        assertEquals(KEEP, ids.size());
        byte[] b = new byte[4096];
        for (String id : ids) {
            try (Checkpoint c = o.repo().open(id)) {
                for (Map.Entry<Integer, Long> e : o.expected().get(id).entrySet()) {
                    c.readPage(e.getKey(), b);
                    assertArrayEquals(page(e.getValue()), b, id + " page " + e.getKey());
                }
                assertTrue(c.verify(ProgressListener.NONE).ok());
            }
        }
    }

    @Test
    void compactionBoundsThePacksOfASeriesWhoseRarelyRewrittenPagesKeepOldPacksAlive() throws Exception {
        Outcome off = series(dir.resolve("off"), false);
        Outcome on = series(dir.resolve("on"), true);
        assertExact(off);
        assertExact(on);
        // Without compaction: a pack per checkpoint since the slow region's page was last rewritten, ~40 of them.
        assertTrue(off.packs() >= SLOW, "without compaction the old packs stay: " + off.packs());
        assertEquals(0, off.compactions());
        // With it (every call here): the kept checkpoints' own packs and the compacted ones, whatever the length.
        assertTrue(on.compactions() > 10, "compactions " + on.compactions());
        assertTrue(on.packs() <= KEEP + 4, "with compaction the packs stay bounded: " + on.packs());
    }
}
