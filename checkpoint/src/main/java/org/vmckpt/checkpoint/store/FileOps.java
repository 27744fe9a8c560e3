package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/** Small durable-file helpers: write fully, fsync a directory, rename atomically, delete a tree. */
final class FileOps {
    private FileOps() {
    }

    static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    /** Creates {@code path} with {@code bytes} and fsyncs it. */
    static void writeDurably(ChannelFactory files, Path path, byte[] bytes, int len) throws IOException {
        try (FileChannel ch = files.create(path)) {
            writeFully(ch, ByteBuffer.wrap(bytes, 0, len));
            ch.force(true);
        }
    }

    /** Makes the directory's entries (creations, renames, deletions) durable. */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Renames atomically: afterwards {@code to} exists with the whole file, never a part of it. */
    static void atomicRename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Deletes a file or a directory tree; a missing path is fine. Does not follow symbolic links. */
    static void deleteTree(Path p) throws IOException {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
                for (Path c : ds) deleteTree(c);
            } catch (NoSuchFileException e) {
                return;
            }
        }
        Files.deleteIfExists(p);
    }
}
