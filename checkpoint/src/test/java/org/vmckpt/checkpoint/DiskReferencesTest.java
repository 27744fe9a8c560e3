package org.vmckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

/** Issue 8, item 8: a manifest with a valid checksum whose disk runs lie past the disk's end. */
class DiskReferencesTest {
    @TempDir
    Path dir;

    @Test
    void overlayBlocksPastTheDiskEndAreReportedByVerifyAndRefusedByRestore() throws Exception {
        Path image = dir.resolve("disk.img");
        byte[] content = new byte[1 << 20]; // 256 blocks
        new Random(3).nextBytes(content);
        Files.write(image, content);
        MachineConfig config = new MachineConfig(32L << 20, null, null, "", null, Machines.memwalkElf(),
                List.of(new MachineConfig.DiskConfig(image, false)), false, false, true);
        Machine m = new Machine(config, b -> { });
        m.boot();
        m.run(200_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String good = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults(), null).info().id();
        m.virtio().close();

        // A well-formed manifest (valid CRCs) written through the public writer, with one overlay block past the end.
        String bad;
        try (Checkpoint g = repo.open(good)) {
            CheckpointWriter w = repo.begin(new CheckpointMeta("bad", CaptureMode.STOP, g.pageCount(), g.config()), null);
            for (Map.Entry<String, StateRecord> r : g.records().entrySet()) w.putRecord(r.getKey(), r.getValue().version(), r.getValue().payload());
            w.putPageKindRange(0, g.pageCount(), PageKind.ZERO);
            w.putDiskBlock(300, new byte[4096]);
            bad = w.commit(ProgressListener.NONE);
        }
        try (Checkpoint c = repo.open(bad)) {
            assertTrue(c.verify(ProgressListener.NONE).problems().isEmpty(), "the packs themselves are fine");
            List<String> problems = DiskReferences.problems(c, DiskReferences.imageBlocks(c));
            assertEquals(1, problems.size(), problems.toString());
            assertTrue(problems.get(0).contains("overlay blocks 300..300 of disk 0 lie past the disk's end (it has 256 blocks"), problems.get(0));
            for (boolean lazy : new boolean[]{false, true}) {
                RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(c, null, b -> { }, lazy, null));
                assertTrue(e.getMessage().contains("past the disk's end"), e.getMessage());
            }
        }
        try (Checkpoint c = repo.open(good)) {
            assertTrue(DiskReferences.problems(c, DiskReferences.imageBlocks(c)).isEmpty());
        }
    }
}
