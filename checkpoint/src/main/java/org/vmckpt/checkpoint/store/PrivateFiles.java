package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files and directories only their owner can read: a checkpoint holds the guest's memory (its keys, its
 * passwords). Directories are made 0700 and files 0600 whatever the umask (the mode is set again after
 * creation, since the umask only ever removes bits).
 */
public final class PrivateFiles {
    static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> FILE_ATTR = PosixFilePermissions.asFileAttribute(FILE);
    private static final FileAttribute<Set<PosixFilePermission>> DIR_ATTR = PosixFilePermissions.asFileAttribute(DIR);

    private PrivateFiles() { }

    /** Creates {@code dir} and its missing parents, each new one 0700. An existing directory is left as it is. */
    public static void createDirectories(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        if (Files.isDirectory(abs)) return;
        Path parent = abs.getParent();
        if (parent != null) createDirectories(parent);
        try {
            Files.createDirectory(abs, DIR_ATTR);
        } catch (java.nio.file.FileAlreadyExistsException e) {
            if (!Files.isDirectory(abs)) throw e;
            return;
        }
        Files.setPosixFilePermissions(abs, DIR);
    }

    /** Creates one directory, 0700; fails if it exists. */
    static void createDirectory(Path dir) throws IOException {
        Files.createDirectory(dir, DIR_ATTR);
        Files.setPosixFilePermissions(dir, DIR);
    }

    /** Makes an existing directory 0700 (a repository made before files were private). */
    static void restrict(Path dir) throws IOException {
        if (!Files.getPosixFilePermissions(dir).equals(DIR)) Files.setPosixFilePermissions(dir, DIR);
    }

    /** Creates {@code path} (which must not exist) for writing, 0600. */
    static FileChannel createNew(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), FILE_ATTR);
        try {
            Files.setPosixFilePermissions(path, FILE);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return ch;
    }

    /** Opens {@code path} for writing, creating it 0600 if it does not exist. */
    static FileChannel openOrCreate(Path path) throws IOException {
        boolean existed = Files.exists(path);
        FileChannel ch = FileChannel.open(path, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), FILE_ATTR);
        if (!existed) {
            try {
                Files.setPosixFilePermissions(path, FILE);
            } catch (IOException e) {
                // another process created it first; its creator made it private
            }
        }
        return ch;
    }
}
