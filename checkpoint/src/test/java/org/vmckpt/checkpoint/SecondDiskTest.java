package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A guest that wrote to its second and third disks checkpoints and restores exactly, fully and incrementally
 * (disk overlay keys of disks 1 and up once lay past the repository's limit and every such checkpoint failed).
 */
class SecondDiskTest {
    @TempDir
    Path dir;

    @Test
    void writesToLaterDisksAreCheckpointedAndRestored() throws Exception {
        List<MachineConfig.DiskConfig> disks = new java.util.ArrayList<>();
        for (int d = 0; d < 3; d++) {
            Path img = dir.resolve("d" + d + ".img");
            Files.write(img, new byte[1 << 20]);
            disks.add(new MachineConfig.DiskConfig(img, false));
        }
        Machine m = new Machine(new MachineConfig(32L << 20, null, null, "", null, Machines.memwalkElf(), disks, false, false, true), b -> { });
        m.boot();
        long rings = 0x8000_0000L + (8L << 20), buf = rings + (1L << 20);
        for (int d = 1; d < 3; d++) {
            BlockDriver drv = new BlockDriver(m, d, rings + d * 8192L, false);
            m.memory().write64(buf, 0x1111L * d);
            drv.write(8L * d + 1, buf, 512);
        }
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String full = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String fullHash = Machines.hash(m);
        new BlockDriver(m, 2, rings + 2 * 8192L, true).write(100, buf, 1024);
        String inc = engine.checkpoint(CheckpointOptions.defaults().withLive(false).withIncremental(true), null).info().id();
        String incHash = Machines.hash(m);
        for (String[] c : new String[][]{{full, fullHash}, {inc, incHash}}) {
            try (Checkpoint ck = repo.open(c[0])) {
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, false, null);
                assertEquals(c[1], Machines.hash(r.machine()), Machines.diff(m, r.machine()));
                r.machine().virtio().close();
            }
        }
        m.virtio().close();
    }
}
