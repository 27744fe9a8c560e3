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
}
