package org.vmckpt.checkpoint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Disk images as users bring them, made with the real tools: ext4 of 1, 2 and 4 KiB blocks (mke2fs -d), an
 * MBR-partitioned image whose partition starts at sector 63, and vfat (mkfs.vfat + mcopy). Each holds one
 * file; {@link #sectorsOf} finds where the file's sectors landed on the disk.
 */
final class DiskLayouts {
    private DiskLayouts() { }

    /** A disk image holding {@code file} as /data.bin, and the read size a guest's file system would use. */
    record Layout(String name, Path image, int readBytes) { }

    static Layout ext4(Path dir, String name, int blockSize, byte[] file) throws IOException {
        Path src = Files.createDirectories(dir.resolve(name + "-src"));
        Files.write(src.resolve("data.bin"), file);
        Path img = dir.resolve(name + ".img");
        run("mke2fs", "-q", "-F", "-t", "ext4", "-b", Integer.toString(blockSize), "-d", src.toString(), img.toString(), "32M");
        return new Layout(name, img, blockSize);
    }

    /** An ext4 (4 KiB blocks) partition starting at sector 63 of an MBR disk: every block at an odd sector. */
    static Layout partitioned(Path dir, byte[] file) throws IOException {
        Layout fs = ext4(dir, "part-fs", 4096, file);
        byte[] part = Files.readAllBytes(fs.image());
        Path img = dir.resolve("partitioned.img");
        long start = 63, sectors = part.length / 512;
        ByteBuffer mbr = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        mbr.position(446);
        mbr.put((byte) 0).put(new byte[3]).put((byte) 0x83).put(new byte[3]).putInt((int) start).putInt((int) sectors);
        mbr.put(510, (byte) 0x55).put(511, (byte) 0xaa);
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(mbr.array()), 0);
            ch.write(ByteBuffer.wrap(part), start * 512);
        }
        Files.delete(fs.image());
        return new Layout("partition at sector 63", img, 4096);
    }

    static Layout vfat(Path dir, byte[] file) throws IOException {
        Path src = dir.resolve("vfat-data.bin");
        Files.write(src, file);
        Path img = dir.resolve("vfat.img");
        run("mkfs.vfat", "-C", img.toString(), "32768");
        run("mcopy", "-i", img.toString(), src.toString(), "::/data.bin");
        return new Layout("vfat", img, 512);
    }

    /** The disk sector of each 512-byte sector of {@code file} (its contents must be random: sectors are unique). */
    static long[] sectorsOf(Path image, byte[] file) throws IOException {
        byte[] disk = Files.readAllBytes(image);
        Map<Long, Long> bySum = new HashMap<>();
        for (long s = 0; s < disk.length / 512; s++) bySum.putIfAbsent(sum(disk, (int) s * 512), s);
        long[] out = new long[file.length / 512];
        for (int i = 0; i < out.length; i++) {
            Long s = bySum.get(sum(file, i * 512));
            if (s == null || !java.util.Arrays.equals(disk, (int) (s * 512), (int) (s * 512 + 512), file, i * 512, i * 512 + 512)) {
                throw new IllegalStateException("sector " + i + " of the file is not on the disk");
            }
            out[i] = s;
        }
        return out;
    }

    private static long sum(byte[] b, int off) {
        ByteBuffer bb = ByteBuffer.wrap(b, off, 512).order(ByteOrder.LITTLE_ENDIAN);
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < 64; i++) h = Long.rotateLeft(h ^ bb.getLong(), 29) * 0xBF58476D1CE4E5B9L;
        return h;
    }

    static void run(String... cmd) throws IOException {
        List<String> c = new ArrayList<>(List.of(cmd));
        ProcessBuilder pb = new ProcessBuilder(c).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
