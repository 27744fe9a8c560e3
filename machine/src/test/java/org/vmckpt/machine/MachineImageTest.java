package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateReader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Machine#capture()}: one record per state part in load order, each loading back into its part; memory and
 * the disk overlay frozen as they were (a later write does not show in the image); released views stop
 * copy-on-write.
 */
class MachineImageTest {
    @Test
    void captureHoldsEveryPartsRecordAndFrozenMemoryAndDisks(@TempDir Path dir) throws Exception {
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        MachineConfig config = new MachineConfig(16L << 20, null, null, "", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), true, true, true);
        Machine m = new Machine(config, b -> { });
        long addr = MemoryMap.DRAM_BASE + 5 * 4096L;
        m.memory().writeBytes(addr, new byte[]{1, 2, 3}, 0, 3);
        m.memory().writeBytes(addr + 3 * 4096, new byte[]{5}, 0, 1); // not written while the image is held
        m.virtio().disks().get(0).restoreOverlayBlock(7, filled((byte) 9));

        MachineImage image = m.capture();
        try {
            List<Snapshottable> parts = m.stateParts();
            assertEquals(parts.size(), image.recordCount());
            for (int i = 0; i < parts.size(); i++) {
                assertEquals(parts.get(i).stateName(), image.recordName(i));
                assertEquals(parts.get(i).stateVersion(), image.recordVersion(i));
                // every record loads back into its own part
                parts.get(i).loadState(new StateReader(image.recordName(i), image.recordBytes(i)), image.recordVersion(i));
            }
            assertEquals(m.hart(0).instret, image.instret());
            assertEquals(4, image.partNanos().length, "records, memory, disks, balloon");
            for (long t : image.partNanos()) assertTrue(t >= 0);

            m.memory().writeBytes(addr, new byte[]{7, 7, 7}, 0, 3);
            m.virtio().disks().get(0).restoreOverlayBlock(7, filled((byte) 4));
            assertArrayEquals(new byte[]{1, 2, 3}, java.util.Arrays.copyOf(image.memory().page(5), 3), "memory as at the capture");
            assertEquals(1, image.disks().size());
            assertEquals(9, image.disks().get(0).block(7)[0], "the disk overlay as at the capture");
        } finally {
            image.release();
        }
        long copies = m.memory().copyOnWriteCount();
        m.memory().writeBytes(addr + 3 * 4096, new byte[]{6}, 0, 1);
        assertEquals(copies, m.memory().copyOnWriteCount(), "no copy-on-write after release");
    }

    private static byte[] filled(byte b) {
        byte[] a = new byte[4096];
        java.util.Arrays.fill(a, b);
        return a;
    }
}
