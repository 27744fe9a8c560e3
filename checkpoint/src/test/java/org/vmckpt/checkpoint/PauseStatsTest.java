package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Each checkpoint stores where its pause went (state records, memory, disk overlays, balloon bitmaps), and the
 * parts are parts: each was measured (present, not negative) and together they are no longer than the freeze.
 */
class PauseStatsTest {
    @TempDir
    Path dir;

    @Test
    void theFreezeIsStoredWithItsParts() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(300_000);
        CheckpointEngine engine = new CheckpointEngine(m, Repository.open(dir.resolve("repo"), true), null);
        for (int i = 0; i < 2; i++) {
            m.run(100_000);
            CheckpointInfo info = engine.checkpoint(CheckpointOptions.defaults(), null).info();
            long freeze = info.stat(Stats.FREEZE_NS, -1);
            assertTrue(freeze > 0, "freeze time stored");
            long sum = 0;
            for (String key : new String[] {Stats.FREEZE_RECORDS_NS, Stats.FREEZE_MEMORY_NS, Stats.FREEZE_DISKS_NS, Stats.FREEZE_BALLOON_NS}) {
                long part = info.stat(key, -1);
                assertTrue(part >= 0, key + " stored: " + part);
                sum += part;
            }
            assertTrue(sum <= freeze, "the parts (" + sum + " ns) fit in the freeze (" + freeze + " ns)");
            // What ran inside the pause, stored with it (round 67): the collections, and the capturing thread's allocation,
            // which the capture's room (made before the pause) keeps to a few small objects.
            assertTrue(info.stat(Stats.FREEZE_GCS, -1) >= 0, "collections inside the freeze stored");
            assertTrue(info.stat(Stats.BOUNDARY_WAIT_NS, -1) >= 0, "the wait for the boundary stored (round 68)");
            long allocated = info.stat(Stats.FREEZE_ALLOCATED_BYTES, -2);
            assertTrue(allocated == -1 || (allocated >= 0 && allocated < 16 * 1024), "allocated in the freeze: " + allocated);
        }
        m.virtio().close();
    }
}
