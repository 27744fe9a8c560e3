package org.vmckpt.machine.state;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Little-endian writer for state records. Grows in memory; records are small (memory pages are not records).
 * Writes go straight into a byte array: records are written during a checkpoint's pause, so every
 * microsecond here is guest downtime.
 */
public final class StateWriter {
    private byte[] buf;
    private int size;

    /**
     * For bulk copies of arrays on a little-endian host (the records' byte order is the host's there): one native copy,
     * as fast interpreted as compiled. A capture's records are written once a checkpoint, in the guest's pause, by code
     * seldom compiled, where the buffer view's bulk put ran interpreted (round 67: 16-37 us for a 32 KiB balloon page
     * set under -Xint against 2-5 us). Null on a big-endian host (then the buffer view).
     */
    private static final sun.misc.Unsafe UNSAFE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? unsafe() : null;

    private static sun.misc.Unsafe unsafe() {
        try {
            java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    public StateWriter() {
        this(new byte[256]);
    }

    /**
     * A writer that writes into {@code room} from its start, and into a larger copy only if the records outgrow it: a
     * capture's records go into room made before the guest's pause ({@code Machine.capture}).
     */
    public StateWriter(byte[] room) {
        buf = room;
    }

    private void ensure(int more) {
        if (size + more > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
    }

    public StateWriter writeByte(int v) {
        ensure(1);
        buf[size++] = (byte) v;
        return this;
    }

    public StateWriter writeBoolean(boolean v) {
        return writeByte(v ? 1 : 0);
    }

    public StateWriter writeShort(int v) {
        ensure(2);
        buf[size++] = (byte) v;
        buf[size++] = (byte) (v >>> 8);
        return this;
    }

    public StateWriter writeInt(int v) {
        ensure(4);
        for (int i = 0; i < 4; i++) buf[size++] = (byte) (v >>> (8 * i));
        return this;
    }

    public StateWriter writeLong(long v) {
        ensure(8);
        for (int i = 0; i < 8; i++) buf[size++] = (byte) (v >>> (8 * i));
        return this;
    }

    /** Writes {@code v} over the four bytes at {@code position} (written before), as {@link #writeInt} wrote them there. */
    public void putIntAt(int position, int v) {
        java.util.Objects.checkFromIndexSize(position, 4, size);
        for (int i = 0; i < 4; i++) buf[position + i] = (byte) (v >>> (8 * i));
    }

    /** Length-prefixed byte array. */
    public StateWriter writeBytes(byte[] b) {
        writeInt(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, size, b.length);
        size += b.length;
        return this;
    }

    /**
     * Length-prefixed long array. Copied in bulk: a record is written once per checkpoint, so this code is seldom
     * compiled, and an element-by-element loop over a 32 KiB bitmap (the balloon's, for 1 GiB) took 0.3 ms of pause.
     */
    public StateWriter writeLongs(long[] a) {
        return writeLongs(a, a.length);
    }

    /** The first {@code n} longs of {@code a}, as {@link #writeLongs(long[])} writes an array of them. */
    public StateWriter writeLongs(long[] a, int n) {
        java.util.Objects.checkFromIndexSize(0, n, a.length);
        writeInt(n);
        ensure(8 * n);
        if (UNSAFE != null) {
            UNSAFE.copyMemory(a, sun.misc.Unsafe.ARRAY_LONG_BASE_OFFSET, buf, sun.misc.Unsafe.ARRAY_BYTE_BASE_OFFSET + size, 8L * n);
        } else {
            ByteBuffer.wrap(buf, size, 8 * n).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(a, 0, n);
        }
        size += 8 * n;
        return this;
    }

    /** Length-prefixed int array, copied in bulk (see {@link #writeLongs}). */
    public StateWriter writeInts(int[] a) {
        writeInt(a.length);
        ensure(4 * a.length);
        ByteBuffer.wrap(buf, size, 4 * a.length).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().put(a);
        size += 4 * a.length;
        return this;
    }

    public StateWriter writeString(String s) {
        return writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    public int size() {
        return size;
    }

    /** The array written into: its first {@link #size} bytes are the records (not copied; the room given, if it sufficed). */
    public byte[] buffer() {
        return buf;
    }
}
