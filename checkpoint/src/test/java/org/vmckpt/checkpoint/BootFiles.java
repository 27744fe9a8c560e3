package org.vmckpt.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

/** Boot files for tests: a RISC-V Linux Image of random contents, and a gzip cpio initramfs. */
public final class BootFiles {
    private BootFiles() { }

    /**
     * A RISC-V Linux Image of {@code bytes}: the boot header (text offset 2 MiB, "RSC\x05" magic) and random contents
     * from {@code seed}.
     */
    public static byte[] image(int bytes, long seed) {
        byte[] b = new byte[bytes];
        new Random(seed).nextBytes(b);
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        h.putLong(8, 0x200000).putLong(16, 0).putLong(0x30, 0).putInt(0x38, 0x05435352);
        return b;
    }

    /** A gzip cpio "newc" archive of the files {@code names} with {@code contents}, in that order, as an initramfs. */
    public static byte[] cpio(String[] names, byte[][] contents) throws IOException {
        ByteArrayOutputStream a = new ByteArrayOutputStream();
        for (int i = 0; i <= names.length; i++) {
            String name = i < names.length ? names[i] : "TRAILER!!!";
            byte[] data = i < names.length ? contents[i] : new byte[0];
            String h = String.format("070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x", i + 1, i < names.length ? 0100644 : 0,
                    0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length() + 1, 0);
            a.write(h.getBytes(StandardCharsets.US_ASCII));
            a.write(name.getBytes(StandardCharsets.US_ASCII));
            a.write(0);
            while (a.size() % 4 != 0) a.write(0);
            a.write(data);
            while (a.size() % 4 != 0) a.write(0);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(a.toByteArray());
        }
        return out.toByteArray();
    }
}
