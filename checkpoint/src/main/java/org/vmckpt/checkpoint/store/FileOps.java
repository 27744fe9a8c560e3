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

    /**
     * Refuses anything but a regular file (following links) where the repository expects one: opening a FIFO
     * for reading would block forever, and a directory or device is never ours.
     *
     * @throws java.nio.file.NoSuchFileException if there is nothing at {@code path}
     * @throws CheckpointFormatException          naming the path and what it is instead
     */
    static void requireRegularFile(Path path, String what) throws IOException {
        java.nio.file.attribute.BasicFileAttributes a = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class);
        if (a.isRegularFile()) return;
        String kind = a.isDirectory() ? "a directory" : a.isOther() ? "a FIFO, socket or device" : "not a regular file";
        throw new CheckpointFormatException(path, what + " is " + kind + ", not a regular file; remove it");
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
