package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A file channel that behaves like a disk with {@code budget} bytes free: writes succeed until the budget
 * is used up (the last one partly), then fail with "No space left on device", as write(2) does.
 */
final class QuotaFileChannel extends FileChannel {
    private final FileChannel inner;
    private final AtomicLong budget;

    QuotaFileChannel(FileChannel inner, AtomicLong budget) {
        this.inner = inner;
        this.budget = budget;
    }

    /** A factory whose files share one budget of free bytes. */
    static ChannelFactory factory(AtomicLong budget) {
        return path -> new QuotaFileChannel(ChannelFactory.DEFAULT.create(path), budget);
    }

    private int allow(int wanted) throws IOException {
        while (true) {
            long left = budget.get();
            if (left <= 0) throw new IOException("No space left on device");
            int n = (int) Math.min(left, wanted);
            if (budget.compareAndSet(left, left - n)) return n;
        }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (!src.hasRemaining()) return 0;
        int n = allow(src.remaining());
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + n);
        int written = inner.write(part);
        src.position(src.position() + written);
        return written;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        long total = 0;
        for (int i = offset; i < offset + length; i++) total += write(srcs[i]);
        return total;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        int n = allow(src.remaining());
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + n);
        int written = inner.write(part, position);
        src.position(src.position() + written);
        return written;
    }

    @Override public int read(ByteBuffer dst) throws IOException { return inner.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return inner.read(dsts, offset, length); }
    @Override public int read(ByteBuffer dst, long position) throws IOException { return inner.read(dst, position); }
    @Override public long position() throws IOException { return inner.position(); }
    @Override public FileChannel position(long newPosition) throws IOException { inner.position(newPosition); return this; }
    @Override public long size() throws IOException { return inner.size(); }
    @Override public FileChannel truncate(long size) throws IOException { inner.truncate(size); return this; }
    @Override public void force(boolean metaData) throws IOException { inner.force(metaData); }
    @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return inner.transferTo(position, count, target);
    }
    @Override public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        throw new IOException("not used by the repository");
    }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        throw new IOException("not used by the repository");
    }
    @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return inner.lock(position, size, shared); }
    @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return inner.tryLock(position, size, shared); }
    @Override protected void implCloseChannel() throws IOException { inner.close(); }
}
