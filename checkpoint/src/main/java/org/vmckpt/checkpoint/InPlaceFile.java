package org.vmckpt.checkpoint;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A boot file an eager restore reads in place, page by page, instead of reading and hashing all of it: only when
 * {@link FileDigests} remembers, for the file's identity now, the digest the checkpoint needs. The restore checks
 * {@link #unchanged} after its last read and refuses the file by name if its identity moved (a write changes the
 * ctime), so every page it read is of the file the checkpoint refers to. Reads are positional: any thread.
 */
final class InPlaceFile implements Closeable {
    final Path path;
    private final FileChannel channel;
    private final FileDigests.Identity identity;

    private InPlaceFile(Path path, FileChannel channel, FileDigests.Identity identity) {
        this.path = path;
        this.channel = channel;
        this.identity = identity;
    }

    /**
     * The file at {@code path} opened for reading in place, or null if its digest is not remembered as
     * {@code sha256} for its identity (the caller then reads and hashes it in full).
     */
    static InPlaceFile open(Path path, String sha256) throws IOException {
        Path abs = path.toAbsolutePath();
        FileDigests.Identity before = FileDigests.Identity.of(abs);
        if (!sha256.equals(FileDigests.user().remembered(abs, before))) return null;
        return open(abs, before);
    }

    /**
     * A file of vmckpt's own cache opened for reading in place, or null if {@code digests} remembers no digest for its
     * identity now (it was written, or replaced, since vmckpt wrote it and remembered it: {@link UnpackedInitramfs}).
     */
    static InPlaceFile openRemembered(Path path, FileDigests digests) throws IOException {
        Path abs = path.toAbsolutePath();
        FileDigests.Identity before = FileDigests.Identity.of(abs);
        if (digests.remembered(abs, before) == null) return null;
        return open(abs, before);
    }

    private static InPlaceFile open(Path abs, FileDigests.Identity before) throws IOException {
        FileChannel ch = FileChannel.open(abs, StandardOpenOption.READ);
        if (!FileDigests.Identity.of(abs).equals(before)) { // replaced between the look and the open
            ch.close();
            return null;
        }
        return new InPlaceFile(abs, ch, before);
    }

    long size() {
        return identity.size();
    }

    /** The first {@code n} bytes (a header to look at), fewer if the file is shorter. */
    byte[] head(int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) Math.min(n, size()));
        while (b.hasRemaining() && channel.read(b, b.position()) > 0) { }
        return java.util.Arrays.copyOf(b.array(), b.position());
    }

    /** Reads {@code dst.length} bytes at {@code pos}; false if they lie past the end. */
    boolean read(long pos, byte[] dst) throws IOException {
        return read(pos, dst, dst.length);
    }

    /** As {@link #read(long, byte[])}, into the first {@code length} bytes of {@code dst}. */
    boolean read(long pos, byte[] dst, int length) throws IOException {
        return read(pos, dst, 0, length);
    }

    /** As {@link #read(long, byte[])}, into {@code dst[offset .. offset + length)}. */
    boolean read(long pos, byte[] dst, int offset, int length) throws IOException {
        if (pos < 0 || offset < 0 || length < 0 || length > dst.length - offset || pos > size() - length) return false;
        ByteBuffer b = ByteBuffer.wrap(dst, offset, length);
        while (b.hasRemaining()) {
            if (channel.read(b, pos + b.position() - offset) < 0) throw new IOException(path + " ended early (it changed while it was read)");
        }
        return true;
    }

    /** Whether the file still has the identity it had when opened: nothing was written to it since. */
    boolean unchanged() throws IOException {
        return FileDigests.Identity.of(path).equals(identity);
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
