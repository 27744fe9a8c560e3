package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.firmware.BootImageException;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A boot file streamed into guest RAM a chunk at a time ends exactly as the whole file written at once would: the same
 * bytes, and every page remembering which sectors of the file it holds (checkpoints store such pages as references to
 * the file), across the loader's chunk boundaries and for a last page the file only partly fills.
 */
class BootFileLoaderTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void fileLoadedInChunksEqualsTheWholeFileWrittenAtOnce(@TempDir Path dir) throws Exception {
        byte[] data = new byte[(5 << 20) / 2 + 1024]; // 2.5 MiB and two sectors of a page: three chunks
        new SplittableRandom(7).nextBytes(data);
        Path file = dir.resolve("Image");
        Files.write(file, data);
        long at = BASE + 0x20_0000;

        GuestMemory streamed = new GuestMemory(BASE, 16 << 20);
        BootFileLoader.load(file, "kernel", BootFileLoader.size(file, "kernel"), streamed, at, PageOrigin.KERNEL);
        GuestMemory whole = new GuestMemory(BASE, 16 << 20);
        whole.writeFromSource(at, data, 0, data.length, PageOrigin.KERNEL, 0);

        byte[] back = new byte[data.length];
        streamed.readBytes(at, back, 0, back.length);
        assertArrayEquals(data, back);
        int pages = (data.length + GuestMemory.PAGE_SIZE - 1) / GuestMemory.PAGE_SIZE;
        int first = streamed.pageIndexOf(at);
        for (int i = first; i < first + pages; i++) {
            PageOrigin s = streamed.origin(i), w = whole.origin(i);
            assertNotNull(s, "page " + (i - first) + " remembers its source");
            assertEquals(w.source(), s.source());
            assertEquals(w.firstSector(), s.firstSector(), "page " + (i - first));
            assertEquals(w.sectorMask(), s.sectorMask(), "page " + (i - first));
        }
        assertFalse(streamed.origin(first + pages - 1).complete(), "the last page holds only part of a page of the file");
    }

    @Test
    void missingDirectoryAndOversizedFilesAreClearErrors(@TempDir Path dir) throws Exception {
        BootImageException missing = assertThrows(BootImageException.class, () -> BootFileLoader.size(dir.resolve("nope"), "initrd"));
        assertTrue(missing.getMessage().contains("initrd file not found"), missing.getMessage());
        BootImageException notFile = assertThrows(BootImageException.class, () -> BootFileLoader.size(dir, "kernel"));
        assertTrue(notFile.getMessage().contains("is not a regular file"), notFile.getMessage());
        Path sparse = dir.resolve("big");
        try (var ch = java.nio.channels.FileChannel.open(sparse, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), BootFileLoader.MAX_BYTES); // one byte past 512 MiB, sparse
        }
        BootImageException big = assertThrows(BootImageException.class, () -> BootFileLoader.size(sparse, "kernel"));
        assertTrue(big.getMessage().contains("larger than 512 MiB"), big.getMessage());
    }

    @Test
    void aFileThatShrankWhileBootingIsAnErrorNotAShortImage(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("initrd");
        Files.write(file, new byte[10_000]);
        GuestMemory memory = new GuestMemory(BASE, 1 << 20);
        BootImageException e = assertThrows(BootImageException.class,
                () -> BootFileLoader.load(file, "initrd", 20_000, memory, BASE, PageOrigin.INITRD));
        assertTrue(e.getMessage().contains("changed while it was read"), e.getMessage());
    }
}
