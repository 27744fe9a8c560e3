package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Disk overlay blocks the guest zeroed are stored as ZERO and restored from one shared array of zeros (Restorer's
 * overlay loading): the restore is exact, and a write to one such block after the restore changes that block only,
 * never the others (the overlay keeps a copy of each block it is given).
 */
class ZeroOverlayBlocksTest {
    @TempDir
    Path dir;

    @Test
    void zeroedBlocksRestoreAsZerosAndAWriteToOneLeavesTheOthersAlone() throws Exception {
        Path img = dir.resolve("d0.img");
        byte[] base = new byte[1 << 20];
        Arrays.fill(base, (byte) 0x77); // the base image is not zeros, so zeroed blocks are overlay blocks
        Files.write(img, base);
        Machine m = new Machine(new MachineConfig(32L << 20, null, null, "", null, Machines.memwalkElf(),
                List.of(new MachineConfig.DiskConfig(img, false)), false, false, true), b -> { });
        m.boot();
        long rings = 0x8000_0000L + (8L << 20), buf = rings + (1L << 20);
        BlockDriver drv = new BlockDriver(m, 0, rings, false);
        for (int w = 0; w < 4096; w += 8) m.memory().write64(buf + w, 0);
        for (int blk = 1; blk <= 3; blk++) {
            for (int s = 0; s < 8; s++) drv.write(8L * blk + s, buf, 512); // blocks 1..3 zeroed, sector by sector
        }
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        try (Checkpoint ck = repo.open(id)) {
            long zeroBlocks = 0;
            for (Extent e : ck.diskExtents()) if (e.kind() == PageKind.ZERO) zeroBlocks += e.length();
            assertEquals(3, zeroBlocks, "the zeroed blocks are stored as ZERO: " + ck.diskExtents());
            Restorer.Restored r = Restorer.restore(ck, null, b -> { }, false, null);
            assertEquals(hash, Machines.hash(r.machine()), Machines.diff(m, r.machine()));
            // The ZERO blocks went in as the overlay's zero entries, none compared with 4 KiB of zeros (round 74).
            var overlay = r.machine().virtio().disks().get(0).overlay();
            assertEquals(3, overlay.zeroBlocks(), "the restored overlay's zero blocks");
            assertEquals(0, overlay.zeroCompareCount(), "no restored block compared with zeros");
            // The restored guest writes one sector of block 2; blocks 1 and 3 stay zeros, block 2's other sectors too.
            BlockDriver back = new BlockDriver(r.machine(), 0, rings, true);
            for (int w = 0; w < 512; w += 8) r.machine().memory().write64(buf + w, 0x5A5A_5A5A_0000_0000L + w);
            back.write(8L * 2 + 3, buf, 512);
            for (int blk = 1; blk <= 3; blk++) {
                for (int s = 0; s < 8; s++) {
                    back.read(8L * blk + s, buf, 512);
                    boolean written = blk == 2 && s == 3;
                    for (int w = 0; w < 512; w += 8) {
                        long want = written ? 0x5A5A_5A5A_0000_0000L + w : 0;
                        assertEquals(want, r.machine().memory().read64(buf + w), "block " + blk + ", sector " + s + ", byte " + w);
                    }
                }
            }
            // And block 0, never written, still reads the base image.
            back.read(0, buf, 512);
            assertTrue(r.machine().memory().read64(buf) == 0x7777_7777_7777_7777L, "block 0 is the base image's");
            r.machine().virtio().close();
        }
        m.virtio().close();
    }
}
