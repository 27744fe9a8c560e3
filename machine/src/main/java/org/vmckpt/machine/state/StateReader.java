package org.vmckpt.machine.state;

import java.nio.charset.StandardCharsets;

/**
 * Bounds-checked little-endian reader for state records. Every read that would run past the end, and every
 * length prefix larger than what remains, throws {@link StateFormatException} naming the record, so a
 * truncated or hostile record can never cause an out-of-memory error or an index exception.
 */
public final class StateReader {
    private final String record;
    private final byte[] data;
    private int pos;

    public StateReader(String record, byte[] data) {
        this.record = record;
        this.data = data;
    }

    private void need(int n, String what) throws StateFormatException {
        if (n < 0 || data.length - pos < n) {
            throw new StateFormatException("state record '" + record + "' is truncated: needs " + n
                    + " more bytes for " + what + " at offset " + pos + " of " + data.length);
        }
    }

    public int readByte() throws StateFormatException {
        need(1, "a byte");
        return data[pos++] & 0xff;
    }

    public boolean readBoolean() throws StateFormatException {
        int b = readByte();
        if (b > 1) throw new StateFormatException("state record '" + record + "': bad boolean " + b + " at offset " + (pos - 1));
        return b == 1;
    }

    public int readShort() throws StateFormatException {
        need(2, "a short");
        int v = (data[pos] & 0xff) | (data[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    public int readInt() throws StateFormatException {
        need(4, "an int");
        int v = 0;
        for (int i = 0; i < 4; i++) v |= (data[pos + i] & 0xff) << (8 * i);
        pos += 4;
        return v;
    }

    public long readLong() throws StateFormatException {
        need(8, "a long");
        long v = 0;
        for (int i = 0; i < 8; i++) v |= (long) (data[pos + i] & 0xff) << (8 * i);
        pos += 8;
        return v;
    }

    private int readLength(int elementSize, String what) throws StateFormatException {
        int n = readInt();
        if (n < 0 || (long) n * elementSize > data.length - pos) {
            throw new StateFormatException("state record '" + record + "': " + what + " length " + n
                    + " exceeds the " + (data.length - pos) + " bytes left");
        }
        return n;
    }

    public byte[] readBytes() throws StateFormatException {
        int n = readLength(1, "byte array");
        byte[] b = new byte[n];
        System.arraycopy(data, pos, b, 0, n);
        pos += n;
        return b;
    }

    public long[] readLongs() throws StateFormatException {
        int n = readLength(8, "long array");
        long[] a = new long[n];
        for (int i = 0; i < n; i++) a[i] = readLong();
        return a;
    }

    public int[] readInts() throws StateFormatException {
        int n = readLength(4, "int array");
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = readInt();
        return a;
    }

    /** Reads a long array that must have exactly {@code expected} elements. */
    public long[] readLongs(int expected, String what) throws StateFormatException {
        long[] a = readLongs();
        if (a.length != expected) {
            throw new StateFormatException("state record '" + record + "': " + what + " has " + a.length + " entries, expected " + expected);
        }
        return a;
    }

    public String readString() throws StateFormatException {
        return new String(readBytes(), StandardCharsets.UTF_8);
    }

    /** Fails unless every byte was consumed: a record with trailing bytes is not the layout we think it is. */
    public void expectEnd() throws StateFormatException {
        if (pos != data.length) {
            throw new StateFormatException("state record '" + record + "' has " + (data.length - pos) + " unexpected trailing bytes");
        }
    }

    public StateFormatException error(String message) {
        return new StateFormatException("state record '" + record + "': " + message);
    }

    public int remaining() {
        return data.length - pos;
    }
}
