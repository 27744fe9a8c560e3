package org.vmckpt.checkpoint;

import org.vmckpt.machine.device.virtio.VirtioBlk;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;

/**
 * Remembers the SHA-256 of disk images across runs, keyed by path, size, modification time and inode, so a
 * restore does not re-read a whole image that has not changed (hashing 256 MiB costs about a second here).
 * Any change to the file's metadata makes us hash it again.
 */
public final class DiskHashCache {
    private DiskHashCache() { }

    static Path cacheFile() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("vmckpt").resolve("disk-hashes.properties");
    }

    /** 64 lowercase hex digits (checked by hand: a regex costs milliseconds to compile on a cold JVM). */
    static boolean isSha256Hex(String s) {
        if (s.length() != 64) return false;
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
        }
        return true;
    }

    public static synchronized String sha256(VirtioBlk disk) throws IOException {
        Path image = disk.baseImagePath().toAbsolutePath();
        BasicFileAttributes a = Files.readAttributes(image, BasicFileAttributes.class);
        String key = image + "|" + a.size() + "|" + a.lastModifiedTime().toMillis() + "|" + a.fileKey();
        Path file = cacheFile();
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (var in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                p.clear(); // a damaged cache is just a cold cache
            }
        }
        String hit = p.getProperty(key);
        if (hit != null && isSha256Hex(hit)) return hit;
        String h = disk.baseImageSha256();
        if (disk.isWriteThrough()) return h;
        p.setProperty(key, h);
        try {
            Files.createDirectories(file.getParent());
            Path tmp = Files.createTempFile(file.getParent(), "disk-hashes", ".tmp");
            try (var out = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                p.store(out, "vmckpt: SHA-256 of disk images by path|size|mtime|inode");
            }
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // caching is an optimisation
        }
        return h;
    }
}
