package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The repository's exclusive lock: held while a commit renames its files into place, while a checkpoint is
 * deleted, while a writer sets up its workspace, and for the whole of a garbage collection.
 *
 * <p>Two layers: a {@link ReentrantLock} per repository directory orders threads of this JVM, and an OS lock
 * ({@code fcntl}) on the {@code lock} file orders processes. The in-JVM layer comes first so this JVM never
 * opens the lock file twice at once: on Linux, closing any descriptor of a file drops every lock the process
 * holds on it.
 */
final class RepositoryLock implements AutoCloseable {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final ReentrantLock threadLock;
    private final FileChannel channel;
    private final FileLock osLock;

    private RepositoryLock(ReentrantLock threadLock, FileChannel channel, FileLock osLock) {
        this.threadLock = threadLock;
        this.channel = channel;
        this.osLock = osLock;
    }

    /** Blocks until the lock is held. {@code lockFile} must be an absolute, normalized path. */
    static RepositoryLock acquire(Path lockFile) throws IOException {
        ReentrantLock l = IN_PROCESS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        l.lock();
        if (l.getHoldCount() > 1) return new RepositoryLock(l, null, null);
        FileChannel ch = null;
        try {
            ch = PrivateFiles.openOrCreate(lockFile);
            FileLock fl = ch.lock();
            return new RepositoryLock(l, ch, fl);
        } catch (IOException | RuntimeException | Error e) {
            if (ch != null) ch.close();
            l.unlock();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (channel != null) {
                try {
                    osLock.release();
                } finally {
                    channel.close();
                }
            }
        } finally {
            threadLock.unlock();
        }
    }
}
