package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Restore with the file digest cache: the disk image, kernel and initrd's digests are remembered when the
 * checkpoint is taken; an unchanged set restores bit-exactly (state hash), eagerly and lazily; a disk image or
 * kernel changed in place with its size and mtime put back is still refused by name.
 */
class FileDigestsRestoreTest {
    @TempDir
    Path dir;

    @Test
    void rememberedDigestsRestoreExactlyAndAChangedFileIsRefusedByName() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        byte[] initrdBytes = new byte[300_000];
        new Random(6).nextBytes(initrdBytes);
        Path initrd = dir.resolve("initrd");
        Files.write(initrd, initrdBytes);
        Path disk = dir.resolve("disk.img");
        byte[] diskBytes = new byte[1 << 20];
        new Random(7).nextBytes(diskBytes);
        Files.write(disk, diskBytes);
        // Only files whose times are older than the settle window are remembered.
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200);
        MachineConfig c = new MachineConfig(64L << 20, kernel, initrd, "console=ttyS0", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), false, false, true);
        Machine m = new Machine(c, b -> { });
        m.boot();
        m.memory().write64(BootFileEvictionTest.KERNEL_AT + 5 * 4096L, 1);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        m.virtio().close();
        for (Path f : new Path[]{disk, kernel, initrd}) assertNotNull(FileDigests.user().remembered(f), f + " remembered");
        try (Checkpoint ck = repo.open(id)) {
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                assertEquals(hash, Machines.hash(r.machine()), "restore (lazy " + lazy + ") differs: " + Machines.diff(m, r.machine()));
                if (!lazy) {
                    // An eager restore reads the remembered kernel in place; a write while it reads is refused by name.
                    PageSources sources = PageSources.forCheckpoint(ck, r.machine(), true);
                    assertNotNull(sources.bootFile(org.vmckpt.machine.memory.PageOrigin.KERNEL).inPlace(), "the kernel is read in place");
                    changeInPlace(kernel, BootFileEvictionTest.KERNEL_BYTES - 100);
                    RestoreException e = assertThrows(RestoreException.class, () -> sources.closeInPlace(ck));
                    assertTrue(e.getMessage().contains("kernel " + kernel.toAbsolutePath()) && e.getMessage().contains("changed while"), e.getMessage());
                    changeInPlace(kernel, BootFileEvictionTest.KERNEL_BYTES - 100); // back (it is hashed in full from now on)
                }
                r.machine().virtio().close();
            }
        }
        // One byte of the disk image changed in place, its mtime put back: same path, size, mtime and inode.
        changeInPlace(disk, 4096 * 3 + 17);
        try (Checkpoint ck = repo.open(id)) {
            for (boolean lazy : new boolean[]{false, true}) {
                RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, lazy, null));
                assertTrue(e.getMessage().contains("disk 0 (" + disk) && e.getMessage().contains("not the image"), e.getMessage());
            }
        }
        changeInPlace(disk, 4096 * 3 + 17); // back to the original bytes: restores again
        changeInPlace(kernel, BootFileEvictionTest.KERNEL_BYTES - 100);
        try (Checkpoint ck = repo.open(id)) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, false, null));
            assertTrue(e.getMessage().contains("kernel " + kernel.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
        }
        changeInPlace(kernel, BootFileEvictionTest.KERNEL_BYTES - 100);
        try (Checkpoint ck = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(ck, null, b -> { }, false, null);
            assertEquals(hash, Machines.hash(r.machine()));
            r.machine().virtio().close();
        }
    }

    /** Flips one bit of {@code f} at {@code at}, then puts its modification time back. */
    private static void changeInPlace(Path f, long at) throws Exception {
        FileTime mtime = Files.getLastModifiedTime(f);
        Thread.sleep(20); // a ctime tick later
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.seek(at);
            int b = raf.read();
            raf.seek(at);
            raf.write(b ^ 1);
        }
        Files.setLastModifiedTime(f, mtime);
    }
}
