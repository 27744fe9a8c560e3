package org.vmckpt.checkpoint.store;

import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Reads little-endian fields from a byte range of a file's contents, checking every read against the end of
 * the range. Any problem becomes a {@link CheckpointFormatException} naming the file, the part being read
 * ({@code where}, e.g. "manifest body") and the offset, so no read can index out of bounds or allocate more
 * than the bytes that are actually there.
 */
final class BoundedReader {
    private final Path file;
    private final String where;
    private final byte[] buf;
    private final int start;
    private final int end;
    private int pos;

    BoundedReader(Path file, String where, byte[] buf, int off, int len) {
        this.file = file;
        this.where = where;
        this.buf = buf;
        this.start = off;
        this.pos = off;
        this.end = off + len;
    }

    CheckpointFormatException error(String problem) {
        return new CheckpointFormatException(file, problem + " (" + where + ", offset " + (pos - start) + ")");
    }

    int position() {
        return pos - start;
    }

    /** The next byte, not consumed; the caller checks {@link #remaining} first. */
    int peekU8() {
        return buf[pos] & 0xff;
    }

    int remaining() {
        return end - pos;
    }

    private void need(int n, String what) throws CheckpointFormatException {
        if (end - pos < n) throw error("truncated: " + what + " needs " + n + " bytes, " + (end - pos) + " left");
    }

    int u8(String what) throws CheckpointFormatException {
        need(1, what);
        return buf[pos++] & 0xFF;
    }

    int u16(String what) throws CheckpointFormatException {
        need(2, what);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    long u32(String what) throws CheckpointFormatException {
        need(4, what);
        long v = 0;
        for (int i = 0; i < 4; i++) v |= (long) (buf[pos + i] & 0xFF) << (8 * i);
        pos += 4;
        return v;
    }

    int i32(String what) throws CheckpointFormatException {
        return (int) u32(what);
    }

    long i64(String what) throws CheckpointFormatException {
        need(8, what);
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (long) (buf[pos + i] & 0xFF) << (8 * i);
        pos += 8;
        return v;
    }

    /** An unsigned LEB128 value of at most 63 bits (so it is never negative). */
    long varint(String what) throws CheckpointFormatException {
        // One loop over the buffer, no call per byte: a manifest holds tens of thousands of varints (page tables,
        // working set, write order), and a restore decodes its manifest while the JVM still interprets this code.
        long v = 0;
        int p = pos;
        for (int shift = 0; shift < 63; shift += 7) {
            if (p >= end) {
                pos = p;
                throw error("truncated: " + what + " needs 1 bytes, 0 left");
            }
            int b = buf[p++] & 0xFF;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                pos = p;
                return v;
            }
        }
        pos = p;
        throw error(what + " is not a valid number (more than 63 bits)");
    }

    /** A varint that must lie in {@code min..max}. */
    long varint(String what, long min, long max) throws CheckpointFormatException {
        long v = varint(what);
        if (v < min || v > max) throw error(what + " is " + v + ", outside " + min + ".." + max);
        return v;
    }

    /** A zigzag-encoded signed value. */
    long zigzag(String what) throws CheckpointFormatException {
        long v = readRawVarint64(what);
        return (v >>> 1) ^ -(v & 1);
    }

    private long readRawVarint64(String what) throws CheckpointFormatException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = u8(what);
            if (shift == 63 && (b & 0x7E) != 0) break;
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) return v;
        }
        throw error(what + " is not a valid number (more than 64 bits)");
    }

    /** A count of items each at least {@code minItemBytes} long: refused if the rest of the range cannot hold them. */
    int count(String what, int minItemBytes, int max) throws CheckpointFormatException {
        long n = varint(what);
        if (n > max) throw error(what + " is " + n + ", more than the limit " + max);
        if (n * minItemBytes > remaining()) {
            throw error(what + " is " + n + ", but only " + remaining() + " bytes are left to hold them");
        }
        return (int) n;
    }

    byte[] bytes(int n, String what) throws CheckpointFormatException {
        need(n, what);
        byte[] b = new byte[n];
        System.arraycopy(buf, pos, b, 0, n);
        pos += n;
        return b;
    }

    /** A varint length (at most {@code maxBytes}) and that many bytes of valid UTF-8. */
    String string(String what, int maxBytes) throws CheckpointFormatException {
        long n = varint(what + " length");
        if (n > maxBytes) throw error(what + " is " + n + " bytes long, more than the limit " + maxBytes);
        need((int) n, what);
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(buf, pos, (int) n)).toString();
            pos += (int) n;
            return s;
        } catch (CharacterCodingException e) {
            throw error(what + " is not valid UTF-8");
        }
    }

    /** A reader over the next {@code len} bytes (which must be there), named {@code subWhere}; skips them here. */
    BoundedReader sub(String subWhere, int len) throws CheckpointFormatException {
        need(len, subWhere);
        BoundedReader r = new BoundedReader(file, subWhere, buf, pos, len);
        pos += len;
        return r;
    }

    /** A reader over the bytes not read yet here, named {@code subWhere}; this reader does not move. */
    BoundedReader unread(String subWhere) {
        return new BoundedReader(file, subWhere, buf, pos, end - pos);
    }

    /** Fails unless every byte of the range was read. */
    void expectEnd(String what) throws CheckpointFormatException {
        if (pos != end) throw error(what + " has " + (end - pos) + " unexpected trailing bytes");
    }
}
