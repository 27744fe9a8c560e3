package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An eager restore reads the disk overlay's blocks while its loader threads still decode the pages (branch
 * restore16: they were read after the last page, with the other cores idle): the overlay phase comes before the
 * pages phase, the machine is still exactly the checkpoint's, and a pack damaged in its last frame is refused with
 * no machine handed out and no loader thread left running.
 */
class EagerRestoreOverlayTest {
    @TempDir
    Path dir;

    @Test
    void overlayIsLoadedBeforeThePagesAndTheRestoreIsExact() throws Exception {
        Path img = dir.resolve("d0.img");
        Files.write(img, new byte[1 << 20]);
        Machine m = new Machine(new MachineConfig(32L << 20, null, null, "", null, Machines.memwalkElf(),
                List.of(new MachineConfig.DiskConfig(img, false)), false, false, true), b -> { });
        m.boot();
        long rings = 0x8000_0000L + (8L << 20), buf = rings + (1L << 20);
        BlockDriver drv = new BlockDriver(m, 0, rings, false);
        for (int i = 0; i < 8; i++) {
            for (int w = 0; w < 512; w += 8) m.memory().write64(buf + w, 0x0101_0101_0101_0101L * (i + 1) + w);
            drv.write(16L * i + 8, buf, 512); // sectors in eight different 4 KiB blocks: eight overlay blocks with data
        }
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        try (Checkpoint ck = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(ck, null, b -> { }, false, null);
            assertEquals(hash, Machines.hash(r.machine()), Machines.diff(m, r.machine()));
            List<String> order = new ArrayList<>(r.phaseNanos().keySet());
            assertTrue(order.indexOf("overlay") >= 0 && order.indexOf("overlay") < order.indexOf("pages"),
                    "the overlay is read before the pages are waited for: " + order);
            // The guest reads back what it wrote, through the restored overlay.
            BlockDriver back = new BlockDriver(r.machine(), 0, rings, true);
            for (int i = 0; i < 8; i++) {
                back.read(16L * i + 8, buf, 512);
                for (int w = 0; w < 512; w += 8) {
                    assertEquals(0x0101_0101_0101_0101L * (i + 1) + w, r.machine().memory().read64(buf + w), "overlay block " + i + ", byte " + w);
                }
            }
            r.machine().virtio().close();
        }
        // Damage the pack's last bytes (its last frame's data): the eager restore is refused, and its loader threads end.
        Path pack;
        try (var s = Files.walk(dir.resolve("repo"))) {
            pack = s.filter(p -> p.toString().endsWith(".pack")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(pack);
        int frames = (b[b.length - 12] & 0xFF) | (b[b.length - 11] & 0xFF) << 8 | (b[b.length - 10] & 0xFF) << 16;
        int at = b.length - 20 - 8 * frames - 40; // before the index and the trailer: inside the last frame's stored bytes
        b[at] ^= (byte) 0x5A;
        Files.write(pack, b);
        try (Checkpoint ck = repo.open(id)) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, x -> { }, false, null));
            assertTrue(e.getMessage().contains("damaged"), e.getMessage());
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertTrue(!t.getName().startsWith("vmckpt-restore-") || !t.isAlive(), "a loader thread outlived the refused restore: " + t);
        }
        m.virtio().close();
    }
}
