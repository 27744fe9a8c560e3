package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Repository;

import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Properties;

/**
 * Per-repository defaults, in {@code settings.properties} beside the repository's own files: the compression
 * codec and level that checkpoints use unless a request says otherwise. Absent file: zstd at {@link Codec#DEFAULT_ZSTD_LEVEL} (3).
 */
public record RepositorySettings(Codec codec, int level) {
    public static final String FILE = "settings.properties";

    public RepositorySettings {
        if (codec == Codec.ZSTD && (level < Codec.MIN_ZSTD_LEVEL || level > Codec.MAX_ZSTD_LEVEL)) {
            throw new IllegalArgumentException("zstd level must be " + Codec.MIN_ZSTD_LEVEL + ".." + Codec.MAX_ZSTD_LEVEL + ", not " + level);
        }
    }

    public static RepositorySettings defaults() {
        return new RepositorySettings(Codec.ZSTD, Codec.DEFAULT_ZSTD_LEVEL);
    }

    public static RepositorySettings load(Repository repo) throws IOException {
        Path file = repo.dir().resolve(FILE);
        if (!Files.isRegularFile(file)) return defaults();
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is malformed: " + e.getMessage());
        }
        try {
            Codec codec = Codec.valueOf(p.getProperty("codec", "zstd").trim().toUpperCase());
            int level = Integer.parseInt(p.getProperty("level", Integer.toString(Codec.DEFAULT_ZSTD_LEVEL)).trim());
            return new RepositorySettings(codec, level);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage() + " (codec is zstd or none; level is a number)");
        }
    }

    public void save(Repository repo) throws IOException {
        Path file = repo.dir().resolve(FILE);
        Properties p = new Properties();
        p.setProperty("codec", codec.name().toLowerCase());
        p.setProperty("level", Integer.toString(level));
        Path tmp = Files.createTempFile(repo.dir(), "settings", ".tmp");
        try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
            p.store(w, "vmckpt repository settings: compression of checkpoint pages");
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
