package org.vmckpt.machine.cpu;

/**
 * The instructions of a translation region by page offset (0..8191: the entry's page and the next one), in offset
 * order: the translator's map from offset to instruction. It has the few operations of a sorted map the translator
 * uses, on an array indexed by offset / 2 and a bit per slot.
 *
 * <p>Why not a {@code TreeMap<Integer, Insn>}: the translator's own code is compiled by C1 only (a compiler directive,
 * {@link UnitCompilerDirectives}), but the JDK methods it calls are not, and the translator thread calls them so often
 * that HotSpot's policy sends them to C2: the tree map, boxing, streams and {@code Arrays.sort} were ~30% of C2's work
 * in a boot to /init, on the core the guest's thread shares (docs/BENCHMARKS.md, round 25). This class's name matches
 * that directive ({@code Translator*}), so it stays with C1.
 */
final class TranslatorRegion {
    /** Offsets at most (two pages); a slot per 2-byte offset. */
    private static final int SLOTS = 8192 / 2;

    private final Translator.Insn[] at = new Translator.Insn[SLOTS];
    private final long[] present = new long[SLOTS / 64];
    private int size;

    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /**
     * The instruction at {@code off}, or null if the region does not hold one there (instructions are at even offsets;
     * an odd one, or one outside both pages, holds none).
     */
    Translator.Insn get(int off) {
        return off >= 0 && off < 8192 && (off & 1) == 0 ? at[off >> 1] : null;
    }

    boolean containsKey(int off) {
        return get(off) != null;
    }

    /** Puts {@code in} at {@code off} (even, 0..8191), replacing what was there. */
    void put(int off, Translator.Insn in) {
        int s = off >> 1;
        if (at[s] == null) {
            size++;
            present[s >> 6] |= 1L << s;
        }
        at[s] = in;
    }

    /** The smallest offset at or after {@code off} that holds an instruction, or -1. */
    int next(int off) {
        int s = Math.max(off, 0) + 1 >> 1;
        if (s >= SLOTS) return -1;
        int w = s >> 6;
        long bits = present[w] & -1L << s;
        while (bits == 0) {
            if (++w == present.length) return -1;
            bits = present[w];
        }
        return (w << 6 | Long.numberOfTrailingZeros(bits)) << 1;
    }

    /** The largest offset that holds an instruction, or -1. */
    int lastKey() {
        for (int w = present.length - 1; w >= 0; w--) {
            if (present[w] != 0) return (w << 6 | 63 - Long.numberOfLeadingZeros(present[w])) << 1;
        }
        return -1;
    }

    /** The smallest offset that holds an instruction, or -1. */
    int firstKey() {
        return next(0);
    }

    /** The offsets, in order. */
    int[] keySet() {
        int[] keys = new int[size];
        int k = 0;
        for (int off = next(0); off >= 0; off = next(off + 2)) keys[k++] = off;
        return keys;
    }

    /** The instructions, in offset order. */
    Translator.Insn[] values() {
        Translator.Insn[] values = new Translator.Insn[size];
        int k = 0;
        for (int off = next(0); off >= 0; off = next(off + 2)) values[k++] = at[off >> 1];
        return values;
    }

    /** True if every offset of {@code other} is in this region. */
    boolean containsAll(TranslatorRegion other) {
        for (int w = 0; w < present.length; w++) {
            if ((other.present[w] & ~present[w]) != 0) return false;
        }
        return true;
    }

    /** Puts every instruction of {@code other} here. */
    void putAll(TranslatorRegion other) {
        for (int off = other.next(0); off >= 0; off = other.next(off + 2)) put(off, other.at[off >> 1]);
    }

    /** Removes every instruction at {@code from} or after. */
    void clearFrom(int from) {
        for (int off = next(from); off >= 0; off = next(off + 2)) {
            int s = off >> 1;
            at[s] = null;
            present[s >> 6] &= ~(1L << s);
            size--;
        }
    }
}
