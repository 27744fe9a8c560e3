package org.vmckpt.machine.state;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Arrays written in bulk have the record format of values written one by one (a little-endian length, then each
 * element little-endian), and read back equal, wherever they start in the buffer and however it must grow.
 */
class StateWriterTest {
    @Test
    void arraysWrittenInBulkHaveTheFormatOfSingleValues() throws Exception {
        long[] longs = new long[5000]; // larger than the writer's first buffer: it grows
        for (int i = 0; i < longs.length; i++) longs[i] = 0x0123456789abcdefL * (i + 1) ^ i;
        int[] ints = {0, -1, 0x7fffffff, 0x80000000, 0x12345678};

        StateWriter bulk = new StateWriter().writeByte(7).writeLongs(longs).writeInts(ints).writeShort(0xbeef);
        StateWriter single = new StateWriter().writeByte(7).writeInt(longs.length);
        for (long v : longs) single.writeLong(v);
        single.writeInt(ints.length);
        for (int v : ints) single.writeInt(v);
        single.writeShort(0xbeef);
        assertArrayEquals(single.toByteArray(), bulk.toByteArray());

        StateReader r = new StateReader("test", bulk.toByteArray());
        assertEquals(7, r.readByte());
        assertArrayEquals(longs, r.readLongs());
        assertArrayEquals(ints, r.readInts());
        assertEquals(0xbeef, r.readShort() & 0xffff);
    }

    @Test
    void thePrefixOfAnArrayAndALengthFilledInLater() throws Exception {
        long[] longs = {1, -2, 0x0102030405060708L, 4, 5};
        byte[] room = new byte[16];
        StateWriter w = new StateWriter(room).writeByte(9); // a room too small for what follows: it grows
        int at = w.size();
        w.writeInt(0).writeLongs(longs, 3);
        w.putIntAt(at, w.size() - at - 4);
        StateWriter single = new StateWriter().writeByte(9).writeInt(4 + 3 * 8).writeInt(3);
        for (int i = 0; i < 3; i++) single.writeLong(longs[i]);
        assertArrayEquals(single.toByteArray(), w.toByteArray());
        assertNotSame(room, w.buffer(), "grown");
        StateWriter fits = new StateWriter(new byte[64]).writeLongs(longs, 2);
        assertEquals(4 + 16, fits.size());
        assertThrows(IndexOutOfBoundsException.class, () -> new StateWriter().writeLongs(longs, 6));
        assertThrows(IndexOutOfBoundsException.class, () -> fits.putIntAt(fits.size() - 3, 1));
    }
}
