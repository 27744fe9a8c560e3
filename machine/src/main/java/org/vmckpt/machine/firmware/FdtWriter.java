package org.vmckpt.machine.firmware;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a flattened devicetree blob (DTB, format version 17, last compatible version 16) as the Devicetree
 * Specification v0.4 chapter 5 lays it out:
 *
 * <pre>
 *   header (40 bytes) | memory reservation block (8-aligned; here only the terminating empty entry)
 *   | structure block (4-aligned tokens) | strings block (property names, each once)
 * </pre>
 *
 * All integers are big-endian. Nodes are written in order: {@code beginNode("")} for the root, properties of
 * a node before its children, {@code endNode()} to close. Misuse (a property after a child node, unbalanced
 * nodes) is a programming error of the machine builder and throws {@link IllegalStateException}; no guest
 * value reaches this class.
 */
public final class FdtWriter {
    public static final int MAGIC = 0xd00dfeed;
    public static final int VERSION = 17;
    public static final int LAST_COMPATIBLE_VERSION = 16;
    public static final int HEADER_SIZE = 40;

    static final int FDT_BEGIN_NODE = 1;
    static final int FDT_END_NODE = 2;
    static final int FDT_PROP = 3;
    static final int FDT_END = 9;

    private final ByteArrayOutputStream structure = new ByteArrayOutputStream();
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new HashMap<>();
    /** For each open node: whether it already has a child (after which properties are not allowed). */
    private final List<Boolean> openNodes = new ArrayList<>();
    private boolean rootClosed;
    private int lastPhandle;

    /** Opens a node; the root's name is the empty string, others are "name" or "name@unit-address". */
    public FdtWriter beginNode(String name) {
        if (rootClosed) throw new IllegalStateException("the root node is already closed");
        if (openNodes.isEmpty() && !name.isEmpty()) throw new IllegalStateException("the first node must be the root, named \"\"");
        if (!openNodes.isEmpty() && name.isEmpty()) throw new IllegalStateException("only the root node has an empty name");
        checkNoNul(name);
        if (!openNodes.isEmpty()) openNodes.set(openNodes.size() - 1, true);
        openNodes.add(false);
        writeInt(structure, FDT_BEGIN_NODE);
        writePadded(structure, nulTerminated(name));
        return this;
    }

    public FdtWriter endNode() {
        if (openNodes.isEmpty()) throw new IllegalStateException("endNode without an open node");
        openNodes.remove(openNodes.size() - 1);
        if (openNodes.isEmpty()) rootClosed = true;
        writeInt(structure, FDT_END_NODE);
        return this;
    }

    /** A property with the given raw value bytes. */
    public FdtWriter property(String name, byte[] raw) {
        if (openNodes.isEmpty()) throw new IllegalStateException("property '" + name + "' outside any node");
        if (openNodes.get(openNodes.size() - 1)) {
            throw new IllegalStateException("property '" + name + "' after a child node: properties must come first");
        }
        checkNoNul(name);
        writeInt(structure, FDT_PROP);
        writeInt(structure, raw.length);
        writeInt(structure, stringOffset(name));
        writePadded(structure, raw);
        return this;
    }

    /** A property of big-endian 32-bit cells. */
    public FdtWriter propertyU32(String name, int... cells) {
        ByteBuffer value = ByteBuffer.allocate(4 * cells.length);
        for (int cell : cells) value.putInt(cell);
        return property(name, value.array());
    }

    /** A property of big-endian 64-bit values (each two cells, high first). */
    public FdtWriter propertyU64(String name, long... values) {
        ByteBuffer value = ByteBuffer.allocate(8 * values.length);
        for (long v : values) value.putLong(v);
        return property(name, value.array());
    }

    /** A string or string-list property: each string NUL-terminated, one after the other. */
    public FdtWriter propertyString(String name, String... values) {
        ByteArrayOutputStream value = new ByteArrayOutputStream();
        for (String s : values) {
            checkNoNul(s);
            value.writeBytes(nulTerminated(s));
        }
        return property(name, value.toByteArray());
    }

    /** A property with no value (a boolean flag such as "interrupt-controller"). */
    public FdtWriter propertyEmpty(String name) {
        return property(name, new byte[0]);
    }

    /** A fresh phandle (1, 2, 3, ...) to put in a node's "phandle" property and refer to from others. */
    public int newPhandle() {
        return ++lastPhandle;
    }

    /** The finished blob. Requires the root node to be closed. */
    public byte[] toByteArray() {
        if (!rootClosed) throw new IllegalStateException("the devicetree is not complete: " + openNodes.size() + " node(s) still open");
        ByteArrayOutputStream struct = new ByteArrayOutputStream();
        struct.writeBytes(structure.toByteArray());
        writeInt(struct, FDT_END);
        byte[] structBytes = struct.toByteArray();
        byte[] stringBytes = strings.toByteArray();

        int reservationOffset = HEADER_SIZE; // 40 is already 8-aligned
        int reservationSize = 16;             // one {address 0, size 0} entry ends the list
        int structOffset = reservationOffset + reservationSize;
        int stringsOffset = structOffset + structBytes.length;
        int totalSize = stringsOffset + stringBytes.length;

        ByteBuffer blob = ByteBuffer.allocate(totalSize); // big-endian by default
        blob.putInt(MAGIC);
        blob.putInt(totalSize);
        blob.putInt(structOffset);
        blob.putInt(stringsOffset);
        blob.putInt(reservationOffset);
        blob.putInt(VERSION);
        blob.putInt(LAST_COMPATIBLE_VERSION);
        blob.putInt(0); // boot_cpuid_phys
        blob.putInt(stringBytes.length);
        blob.putInt(structBytes.length);
        blob.putLong(0).putLong(0);
        blob.put(structBytes);
        blob.put(stringBytes);
        return blob.array();
    }

    private int stringOffset(String name) {
        return stringOffsets.computeIfAbsent(name, n -> {
            int offset = strings.size();
            strings.writeBytes(nulTerminated(n));
            return offset;
        });
    }

    private static byte[] nulTerminated(String s) {
        byte[] text = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[text.length + 1];
        System.arraycopy(text, 0, out, 0, text.length);
        return out;
    }

    private static void checkNoNul(String s) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("devicetree names and strings cannot contain NUL: " + s);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Writes the bytes and pads with zeros to the next 4-byte boundary. */
    private static void writePadded(ByteArrayOutputStream out, byte[] bytes) {
        out.writeBytes(bytes);
        for (int i = bytes.length; (i & 3) != 0; i++) out.write(0);
    }
}
