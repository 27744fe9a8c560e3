package org.vmckpt.checkpoint.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A growing little-endian byte buffer for encoding headers and manifests. */
final class ByteSink {
    private byte[] buf;
    private int size;

    ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    private void ensure(int more) {
        if (buf.length - size < more) {
            long want = Math.max((long) buf.length * 2, (long) size + more);
            if (want > Integer.MAX_VALUE - 16) throw new IllegalStateException("encoded data too large");
            buf = Arrays.copyOf(buf, (int) want);
        }
    }

    ByteSink u8(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    ByteSink u16(int v) {
        ensure(2);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
        return this;
    }

    ByteSink u32(long v) {
        ensure(4);
        for (int i = 0; i < 4; i++) buf[size++] = (byte) (v >>> (8 * i));
        return this;
    }

    ByteSink i64(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) buf[size++] = (byte) (v >>> (8 * i));
        return this;
    }

    /** Unsigned LEB128: 7 bits per byte, low bits first, high bit set on every byte but the last. */
    ByteSink varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[size++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[size++] = (byte) v;
        return this;
    }

    /** Signed value as a zigzag varint: 0, -1, 1, -2, ... become 0, 1, 2, 3, ... */
    ByteSink zigzag(long v) {
        return varint((v << 1) ^ (v >> 63));
    }

    ByteSink bytes(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
        return this;
    }

    ByteSink bytes(byte[] b) {
        return bytes(b, 0, b.length);
    }

    /** Varint byte length, then the UTF-8 bytes. */
    ByteSink string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        varint(b.length);
        return bytes(b);
    }

    /** Overwrites 4 bytes at {@code pos} (for lengths known only after the content). */
    void putU32At(int pos, long v) {
        for (int i = 0; i < 4; i++) buf[pos + i] = (byte) (v >>> (8 * i));
    }

    /** Forgets the contents and keeps the array (a reused sink: {@link ManifestBuffers}). */
    void reset() {
        size = 0;
    }

    int size() {
        return size;
    }

    /** The internal array; valid bytes are {@code 0..size()-1}. */
    byte[] array() {
        return buf;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
