package org.vmckpt.machine.firmware;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decodes the blob by hand, following the Devicetree Specification v0.4 chapter 5. */
class FdtWriterTest {

    private static byte[] sampleTree() {
        FdtWriter fdt = new FdtWriter();
        int plic = fdt.newPhandle();
        fdt.beginNode("");
        fdt.propertyU32("#address-cells", 2);
        fdt.propertyString("compatible", "riscv-virtio");
        fdt.beginNode("memory@80000000");
        fdt.propertyString("device_type", "memory");
        fdt.propertyU64("reg", 0x8000_0000L, 0x4000_0000L);
        fdt.endNode();
        fdt.beginNode("plic@c000000");
        fdt.propertyEmpty("interrupt-controller");
        fdt.propertyString("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        fdt.propertyU32("phandle", plic);
        fdt.endNode();
        fdt.endNode();
        return fdt.toByteArray();
    }

    @Test
    void headerDescribesTheBlocks() {
        byte[] blob = sampleTree();
        ByteBuffer b = ByteBuffer.wrap(blob);
        assertEquals(0xd00dfeed, b.getInt(0));
        assertEquals(blob.length, b.getInt(4));
        int structOffset = b.getInt(8);
        int stringsOffset = b.getInt(12);
        int reservationOffset = b.getInt(16);
        assertEquals(17, b.getInt(20));
        assertEquals(16, b.getInt(24));
        assertEquals(0, b.getInt(28));
        int stringsSize = b.getInt(32);
        int structSize = b.getInt(36);
        assertEquals(0, reservationOffset % 8);
        assertEquals(0, structOffset % 4);
        assertTrue(reservationOffset >= 40);
        assertEquals(0, b.getLong(reservationOffset));
        assertEquals(0, b.getLong(reservationOffset + 8), "the reservation list is only its terminator");
        assertTrue(structOffset >= reservationOffset + 16);
        assertEquals(stringsOffset, structOffset + structSize);
        assertEquals(blob.length, stringsOffset + stringsSize);
        assertEquals(9, b.getInt(structOffset + structSize - 4), "structure block ends with FDT_END");
    }

    @Test
    void structureBlockDecodesToTheTreeThatWasWritten() {
        byte[] blob = sampleTree();
        ByteBuffer b = ByteBuffer.wrap(blob);
        int pos = b.getInt(8);
        int strings = b.getInt(12);
        List<String> events = new ArrayList<>();
        while (true) {
            int token = b.getInt(pos);
            pos += 4;
            if (token == 1) {
                String name = cString(blob, pos);
                events.add("begin " + name);
                pos = align4(pos + name.length() + 1);
            } else if (token == 2) {
                events.add("end");
            } else if (token == 3) {
                int len = b.getInt(pos);
                String name = cString(blob, strings + b.getInt(pos + 4));
                byte[] value = new byte[len];
                System.arraycopy(blob, pos + 8, value, 0, len);
                events.add(name + "=" + hex(value));
                pos = align4(pos + 8 + len);
            } else if (token == 9) {
                break;
            } else {
                throw new AssertionError("unexpected token " + token + " at " + (pos - 4));
            }
        }
        assertEquals(List.of(
                "begin ",
                "#address-cells=00000002",
                "compatible=" + hex("riscv-virtio\0".getBytes(StandardCharsets.US_ASCII)),
                "begin memory@80000000",
                "device_type=" + hex("memory\0".getBytes(StandardCharsets.US_ASCII)),
                "reg=00000000800000000000000040000000",
                "end",
                "begin plic@c000000",
                "interrupt-controller=",
                "compatible=" + hex("sifive,plic-1.0.0\0riscv,plic0\0".getBytes(StandardCharsets.US_ASCII)),
                "phandle=00000001",
                "end",
                "end"), events);
    }

    @Test
    void propertyNamesAreStoredOnce() {
        byte[] blob = sampleTree();
        ByteBuffer b = ByteBuffer.wrap(blob);
        String strings = new String(blob, b.getInt(12), b.getInt(32), StandardCharsets.US_ASCII);
        assertEquals("#address-cells\0compatible\0device_type\0reg\0interrupt-controller\0phandle\0", strings);
    }

    @Test
    void phandlesAreFreshAndNonZero() {
        FdtWriter fdt = new FdtWriter();
        assertEquals(1, fdt.newPhandle());
        assertEquals(2, fdt.newPhandle());
    }

    @Test
    void misuseIsRejected() {
        assertThrows(IllegalStateException.class, () -> new FdtWriter().endNode());
        assertThrows(IllegalStateException.class, () -> new FdtWriter().propertyEmpty("x"));
        assertThrows(IllegalStateException.class, () -> new FdtWriter().beginNode("cpus"));
        assertThrows(IllegalStateException.class, () -> new FdtWriter().beginNode("").toByteArray());
        FdtWriter afterChild = new FdtWriter().beginNode("").beginNode("a").endNode();
        assertThrows(IllegalStateException.class, () -> afterChild.propertyEmpty("late"));
        FdtWriter closed = new FdtWriter().beginNode("").endNode();
        assertThrows(IllegalStateException.class, () -> closed.beginNode(""));
        assertThrows(IllegalArgumentException.class, () -> new FdtWriter().beginNode("").propertyString("s", "a\0b"));
    }

    @Test
    void sameCallsGiveTheSameBlob() {
        assertArrayEquals(sampleTree(), sampleTree());
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static String cString(byte[] blob, int start) {
        int end = start;
        while (blob[end] != 0) end++;
        return new String(blob, start, end - start, StandardCharsets.US_ASCII);
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte x : bytes) s.append(String.format("%02x", x));
        return s.toString();
    }
}
