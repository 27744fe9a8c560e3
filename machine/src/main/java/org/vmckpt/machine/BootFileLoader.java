package org.vmckpt.machine;

import org.vmckpt.machine.firmware.BootImageException;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Boot files (an uncompressed kernel Image, an initrd) copied from their file straight into guest RAM, a chunk at a
 * time, each page remembering its source as {@link GuestMemory#writeFromSource} does. Reading a 31 MB Image into one
 * heap array first cost the boot's start the page faults of 31 MB of fresh heap and a second copy (~40 ms on the
 * 2-core benchmark machine) before the guest's first instruction.
 */
final class BootFileLoader {
    /** Read at a time: a whole number of pages, so that no page is written by two chunks. */
    private static final int CHUNK = 1 << 20;
    static final long MAX_BYTES = 512L << 20;

    private BootFileLoader() { }

    /** The size of boot file {@code p}; a clear error if it is missing, not a regular file or too large. */
    static long size(Path p, String what) throws BootImageException {
        try {
            if (Files.exists(p) && !Files.isRegularFile(p)) throw new BootImageException(what + " " + p + " is not a regular file");
            long size = Files.size(p);
            if (size > MAX_BYTES) throw new BootImageException(what + " " + p + " is larger than 512 MiB");
            return size;
        } catch (NoSuchFileException e) {
            throw new BootImageException(what + " file not found: " + p);
        } catch (IOException e) {
            throw new BootImageException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }

    /** The first {@code n} bytes of {@code p} (fewer if the file is shorter). */
    static byte[] start(Path p, String what, int n) throws BootImageException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(n);
            while (b.hasRemaining() && ch.read(b) >= 0) { }
            byte[] out = new byte[b.position()];
            b.flip().get(out);
            return out;
        } catch (IOException e) {
            throw new BootImageException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }

    /**
     * Copies the {@code size} bytes of {@code p} to guest physical {@code paddr} (page-aligned), recording the pages'
     * origin as {@code source}. The file must still be {@code size} bytes long.
     */
    static void load(Path p, String what, long size, GuestMemory memory, long paddr, int source) throws BootImageException {
        if ((paddr & (GuestMemory.PAGE_SIZE - 1)) != 0) throw new IllegalArgumentException("boot file address not page-aligned: 0x" + Long.toHexString(paddr));
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
            byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(size, 1))];
            long pos = 0;
            while (pos < size) {
                int want = (int) Math.min(chunk.length, size - pos);
                ByteBuffer b = ByteBuffer.wrap(chunk, 0, want);
                while (b.hasRemaining()) {
                    if (ch.read(b, pos + b.position()) < 0) {
                        throw new BootImageException(what + " " + p + " changed while it was read (it ended after " + (pos + b.position()) + " of " + size + " bytes)");
                    }
                }
                memory.writeFromSource(paddr + pos, chunk, 0, want, source, pos / PageOrigin.SECTOR_SIZE);
                pos += want;
            }
        } catch (IOException e) {
            throw new BootImageException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }
}
