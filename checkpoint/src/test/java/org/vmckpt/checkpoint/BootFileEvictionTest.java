package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Stats;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Smaller idle images: pages that still hold what the loader copied from the kernel Image and the initramfs are
 * stored as references to those files (checked by SHA-256 on restore). An unchanged file restores bit-exactly,
 * eagerly and lazily; a changed one is refused by name; a page the guest changed is data.
 */
class BootFileEvictionTest {
    @TempDir
    Path dir;

    static final long KERNEL_AT = 0x8020_0000L;
    static final int KERNEL_BYTES = 1 << 20;

    /** The boot-file tests' kernel: a RISC-V Linux Image of KERNEL_BYTES (BootFiles.image). */
    static byte[] image() {
        return BootFiles.image(KERNEL_BYTES, 5);
    }

    @Test
    void pagesOfTheInitramfsFilesTheKernelUnpackedReferToThem() throws Exception {
        Random r = new Random(9);
        byte[] busybox = new byte[3 * 4096 + 1000], module = new byte[2 * 4096];
        r.nextBytes(busybox);
        r.nextBytes(module);
        Path initrd = dir.resolve("initrd.cpio.gz");
        Files.write(initrd, BootFiles.cpio(new String[]{"bin/busybox", "lib/modules/m.ko"}, new byte[][]{busybox, module}));
        Path kernel = dir.resolve("Image");
        Files.write(kernel, image());
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, initrd, "", null, null, List.of(), false, false, true), b -> { });
        m.boot();
        // The kernel unpacks the archive into its page cache: file pages at page-aligned places, here in reverse order.
        long cache = 0x8000_0000L + (40L << 20);
        m.memory().writeBytes(cache, module, 4096, 4096);
        m.memory().writeBytes(cache + 4096, busybox, 0, 3 * 4096);
        m.memory().writeBytes(cache + 4 * 4096, busybox, 3 * 4096, 1000); // a file's last, partial page: data
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        int p0 = m.memory().pageIndexOf(cache);
        try (Checkpoint ck = repo.open(id)) {
            assertEquals(InitramfsFiles.FIRST_SOURCE + 1, ck.pageSource(p0));
            assertEquals(8, ck.pageSourceSector(p0));
            for (int k = 0; k < 3; k++) {
                assertEquals(InitramfsFiles.FIRST_SOURCE, ck.pageSource(p0 + 1 + k));
                assertEquals(8L * k, ck.pageSourceSector(p0 + 1 + k));
            }
            assertEquals(PageKind.DATA, ck.pageKind(p0 + 4));
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored rr = Restorer.restore(ck, null, b -> { }, lazy, null);
                assertEquals(hash, Machines.hash(rr.machine()), "restore (lazy " + lazy + ")");
                // --stats shows the initramfs's share of the boot-files phase (it is unpacked for these pages).
                Long unpack = rr.phaseNanos().get("boot-files.initramfs");
                assertTrue(unpack != null && unpack > 0 && unpack <= rr.phaseNanos().get("boot-files"), "phases " + rr.phaseNanos());
            }
        }
        Files.write(initrd, BootFiles.cpio(new String[]{"bin/busybox"}, new byte[][]{module}));
        try (Checkpoint ck = repo.open(id)) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, true, null));
            assertTrue(e.getMessage().contains("initrd " + initrd.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
        }
    }

    @Test
    void plainImage() throws Exception {
        Path k = dir.resolve("Image");
        Files.write(k, image());
        check(k, PageKind.SOURCE_DELTA); // the changed page: the file's page plus the XOR (BootFileDeltaTest)
    }

    @Test
    void gzipImageRefersToTheDecompressedKernel() throws Exception {
        Path k = dir.resolve("Image.gz");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(image());
        }
        Files.write(k, out.toByteArray());
        check(k, PageKind.DATA); // no deltas against a gzip kernel: its file does not hold the loaded bytes
    }

    private void check(Path kernel, PageKind changedPage) throws Exception {
        byte[] initrdBytes = new byte[300_000]; // not a whole number of pages: its last page is data
        new Random(6).nextBytes(initrdBytes);
        Path initrd = dir.resolve("initrd");
        Files.write(initrd, initrdBytes);
        MachineConfig c = new MachineConfig(64L << 20, kernel, initrd, "console=ttyS0", null, null, List.of(), false, false, true);
        Machine m = new Machine(c, b -> { });
        m.boot();
        int k0 = m.memory().pageIndexOf(KERNEL_AT);
        m.memory().write64(KERNEL_AT + 5 * 4096L, 1); // the kernel changed one of its pages
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
        String id = out.info().id();
        String hash = Machines.hash(m);
        int kernelPages = KERNEL_BYTES / 4096, initrdPages = initrdBytes.length / 4096;
        assertEquals(kernelPages - 1 + initrdPages, out.info().stat(Stats.EVICT_BOOT, -1));
        try (Checkpoint ck = repo.open(id)) {
            assertEquals(changedPage, ck.pageKind(k0 + 5));
            for (int p = 0; p < kernelPages; p++) {
                if (p == 5) continue;
                assertEquals(PageKind.SOURCE, ck.pageKind(k0 + p), "kernel page " + p);
                assertEquals(PageOrigin.KERNEL, ck.pageSource(k0 + p));
                assertEquals(p * 8L, ck.pageSourceSector(k0 + p));
            }
            assertTrue(ck.config().get("kernel.sha256") != null && ck.config().get("initrd.sha256") != null);
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                assertEquals(hash, Machines.hash(r.machine()), "restore (lazy " + lazy + ") differs: " + Machines.diff(m, r.machine()));
                assertTrue(!r.phaseNanos().containsKey("boot-files.initramfs"), "no initramfs file pages, no such phase: " + r.phaseNanos());
                // Restored from a checkpoint, the machine still knows its boot files: a full checkpoint refers to them.
                CheckpointEngine again = new CheckpointEngine(r.machine(), repo, id);
                CheckpointEngine.Outcome full = again.checkpoint(CheckpointOptions.defaults().withLive(false), null);
                assertEquals(out.info().stat(Stats.EVICT_BOOT, -1), full.info().stat(Stats.EVICT_BOOT, -2));
            }
        }
        // A changed kernel is refused by name, eagerly and lazily (before the machine is handed out).
        Files.copy(kernel, kernel.resolveSibling(kernel.getFileName() + ".orig"));
        byte[] changed = Files.readAllBytes(kernel);
        changed[changed.length - 100] ^= 1;
        Files.write(kernel, changed);
        try (Checkpoint ck = repo.open(id)) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, false, null));
            assertTrue(e.getMessage().contains("kernel " + kernel.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
            assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, true, null));
        }
        Files.write(kernel, Files.readAllBytes(kernel.resolveSibling(kernel.getFileName() + ".orig")));
        Files.delete(initrd);
        try (Checkpoint ck = repo.open(id)) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, false, null));
            assertTrue(e.getMessage().contains("initrd") && e.getMessage().contains(initrd.toString()), e.getMessage());
        }
    }
}
