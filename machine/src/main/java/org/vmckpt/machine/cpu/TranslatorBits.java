package org.vmckpt.machine.cpu;

/**
 * A fixed-size set of small non-negative ints (page offsets) for the translator, in place of {@code java.util.BitSet}:
 * its name matches the directive that keeps the translator's code with C1 ({@link TranslatorRegion} says why).
 */
final class TranslatorBits {
    private final long[] words;

    /** A set for the ints 0 .. {@code size} - 1. */
    TranslatorBits(int size) {
        words = new long[(size + 63) >> 6];
    }

    boolean get(int i) {
        return i >= 0 && (i >> 6) < words.length && (words[i >> 6] & 1L << i) != 0;
    }

    void set(int i) {
        words[i >> 6] |= 1L << i;
    }

    void clear(int i) {
        words[i >> 6] &= ~(1L << i);
    }

    /** The smallest int in the set at or after {@code from}, or -1. */
    int nextSetBit(int from) {
        int w = from >> 6;
        if (w >= words.length) return -1;
        long bits = words[w] & -1L << from;
        while (bits == 0) {
            if (++w == words.length) return -1;
            bits = words[w];
        }
        return w << 6 | Long.numberOfTrailingZeros(bits);
    }
}
