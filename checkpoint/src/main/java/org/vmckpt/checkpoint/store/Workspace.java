package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A writer's private area under {@code tmp/}: the directory {@code tmp/<wid>/} where its pack and manifest
 * are written, and the file {@code tmp/<wid>.lock} on which it holds an OS lock for as long as it lives.
 *
 * <p>Garbage collection deletes a workspace only if it can take that lock, that is, only once the writer's
 * process is gone. Workspaces of this JVM are also listed in {@link #ACTIVE} and never touched (taking a
 * lock on a file this process already locked would drop the writer's lock, see {@link RepositoryLock}).
 * A workspace is created while the repository lock is held, and gc holds it throughout, so gc never sees
 * a directory whose lock is not taken yet.
 */
final class Workspace {
    private static final Set<Path> ACTIVE = ConcurrentHashMap.newKeySet();
    static final String LOCK_SUFFIX = ".lock";

    private final Path dir;
    private final Path lockFile;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private boolean released;

    private Workspace(Path dir, Path lockFile, FileChannel lockChannel, FileLock lock) {
        this.dir = dir;
        this.lockFile = lockFile;
        this.lockChannel = lockChannel;
        this.lock = lock;
    }

    /** Creates a new workspace under {@code tmpDir}. The caller holds the repository lock. */
    static Workspace create(Path tmpDir) throws IOException {
        String wid = Ids.newCheckpointId();
        Path lockFile = tmpDir.resolve(wid + LOCK_SUFFIX);
        Path dir = tmpDir.resolve(wid);
        FileChannel ch = PrivateFiles.createNew(lockFile);
        try {
            FileLock l = ch.tryLock();
            if (l == null) throw new IOException(lockFile + ": cannot lock a file just created");
            ACTIVE.add(lockFile);
            PrivateFiles.createDirectory(dir);
            return new Workspace(dir, lockFile, ch, l);
        } catch (IOException | RuntimeException e) {
            ACTIVE.remove(lockFile);
            ch.close();
            Files.deleteIfExists(lockFile);
            throw e;
        }
    }

    Path dir() {
        return dir;
    }

    /** Deletes the directory and everything left in it, then the lock file. Idempotent. */
    synchronized void release() throws IOException {
        if (released) return;
        released = true;
        try {
            FileOps.deleteTree(dir);
            Files.deleteIfExists(lockFile);
        } finally {
            try {
                lock.release();
            } finally {
                lockChannel.close();
                ACTIVE.remove(lockFile);
            }
        }
    }

    /**
     * Deletes what dead writers left in {@code tmpDir}: workspaces whose lock can be taken, directories with
     * no lock file, and stray files. The caller holds the repository lock. Returns the entries deleted.
     */
    static int deleteStale(Path tmpDir) throws IOException {
        int deleted = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmpDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (name.endsWith(LOCK_SUFFIX) && Files.isRegularFile(p)) {
                    if (ACTIVE.contains(p)) continue;
                    String wid = name.substring(0, name.length() - LOCK_SUFFIX.length());
                    if (deleteIfUnlocked(p, tmpDir.resolve(wid))) deleted++;
                } else if (Files.isDirectory(p)) {
                    if (!Files.exists(tmpDir.resolve(name + LOCK_SUFFIX))) {
                        FileOps.deleteTree(p);
                        deleted++;
                    }
                } else if (Files.deleteIfExists(p)) {
                    deleted++; // a stray file (or nothing: the entry went with its workspace above)
                }
            }
        }
        return deleted;
    }

    private static boolean deleteIfUnlocked(Path lockFile, Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE)) {
            FileLock l;
            try {
                l = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                return false;
            }
            if (l == null) return false;
            try {
                FileOps.deleteTree(dir);
                Files.deleteIfExists(lockFile);
            } finally {
                l.release();
            }
            return true;
        } catch (java.nio.file.NoSuchFileException e) {
            return false;
        }
    }
}
