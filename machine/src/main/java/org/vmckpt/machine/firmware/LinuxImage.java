package org.vmckpt.machine.firmware;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.GZIPInputStream;

/**
 * A RISC-V Linux {@code Image} (Documentation/arch/riscv/boot-image-header.rst): plain, or gzip-compressed
 * as some distributions ship it. The header gives the load offset from DRAM base and the memory the
 * kernel needs including its bss.
 */
public record LinuxImage(byte[] bytes, long textOffset, long imageSize) {
    private static final int MAGIC2_OFFSET = 0x38;
    private static final int MAX_IMAGE = 256 << 20;

    /** The header's first bytes that {@link #header} needs. */
    public static final int HEADER_BYTES = 64;

    /** Where an uncompressed Image goes and how much memory it needs, read from its header. */
    public record Header(long textOffset, long imageSize) { }

    public static LinuxImage parse(byte[] file, String name) throws BootImageException {
        byte[] b = file;
        if (isGzip(b)) b = gunzip(b, name);
        Header h = header(b, b.length, name);
        return new LinuxImage(b, h.textOffset(), h.imageSize());
    }

    /** Whether {@code start} (the file's first bytes) is gzip data, which {@link #parse} decompresses. */
    public static boolean isGzip(byte[] start) {
        return start.length >= 2 && (start[0] & 0xff) == 0x1f && (start[1] & 0xff) == 0x8b;
    }

    /**
     * Checks the header of an uncompressed Image of {@code length} bytes whose first bytes are {@code start} (at least
     * {@link #HEADER_BYTES} of them for a valid image), so that it can be loaded straight from its file.
     */
    public static Header header(byte[] start, long length, String name) throws BootImageException {
        if (start.length < HEADER_BYTES || length < HEADER_BYTES) {
            throw new BootImageException(name + ": too small to be a RISC-V Linux Image (" + length + " bytes)");
        }
        ByteBuffer h = ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN);
        int magic2 = h.getInt(MAGIC2_OFFSET);
        long magic = h.getLong(0x30);
        if (magic2 != 0x05435352 && magic != 0x5643534952L) { // "RSC\x05", or the deprecated "RISCV\0\0\0"
            throw new BootImageException(name + ": not a RISC-V Linux Image (no \"RSC\\x05\" magic at offset 0x38). "
                    + "Pass the uncompressed Image or Image.gz (for Debian: /boot/vmlinux-*), not a vmlinuz/EFI stub or ELF vmlinux");
        }
        long textOffset = h.getLong(8);
        long imageSize = h.getLong(16);
        if (textOffset < 0 || textOffset > (1L << 30) || (textOffset & 0xfff) != 0) {
            throw new BootImageException(name + ": implausible text_offset 0x" + Long.toHexString(textOffset));
        }
        if (imageSize == 0) imageSize = length;
        if (imageSize < length || imageSize > (1L << 31)) {
            throw new BootImageException(name + ": implausible image_size " + imageSize);
        }
        return new Header(textOffset, imageSize);
    }

    private static byte[] gunzip(byte[] b, String name) throws BootImageException {
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(b))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(b.length * 3);
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                if (out.size() > MAX_IMAGE) throw new BootImageException(name + ": decompresses to more than 256 MiB");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new BootImageException(name + ": corrupt gzip data: " + e.getMessage());
        }
    }
}
