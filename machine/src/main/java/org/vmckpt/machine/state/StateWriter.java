package org.vmckpt.machine.state;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Little-endian writer for state records. Grows in memory; records are small (memory pages are not records). */
public final class StateWriter {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    public StateWriter writeByte(int v) {
        out.write(v);
        return this;
    }

    public StateWriter writeBoolean(boolean v) {
        return writeByte(v ? 1 : 0);
    }

    public StateWriter writeShort(int v) {
        out.write(v);
        out.write(v >>> 8);
        return this;
    }

    public StateWriter writeInt(int v) {
        for (int i = 0; i < 4; i++) out.write(v >>> (8 * i));
        return this;
    }

    public StateWriter writeLong(long v) {
        for (int i = 0; i < 8; i++) out.write((int) (v >>> (8 * i)));
        return this;
    }

    /** Length-prefixed byte array. */
    public StateWriter writeBytes(byte[] b) {
        writeInt(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    /** Length-prefixed long array. */
    public StateWriter writeLongs(long[] a) {
        writeInt(a.length);
        for (long v : a) writeLong(v);
        return this;
    }

    /** Length-prefixed int array. */
    public StateWriter writeInts(int[] a) {
        writeInt(a.length);
        for (int v : a) writeInt(v);
        return this;
    }

    public StateWriter writeString(String s) {
        return writeBytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return out.toByteArray();
    }

    public int size() {
        return out.size();
    }
}
