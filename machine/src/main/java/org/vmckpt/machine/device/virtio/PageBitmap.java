package org.vmckpt.machine.device.virtio;

import org.vmckpt.machine.state.StateWriter;

import java.util.Arrays;
import java.util.BitSet;

/**
 * A set of page indices as plain words, for the balloon's page sets: what {@link BitSet} would hold, but with its words
 * in reach, so that a checkpoint's capture (inside the guest's pause) writes and ORs them without a copy. A
 * {@code BitSet}'s words can only be had as a new array ({@code toLongArray}, {@code clone}): the balloon's three sets
 * cost ~100-200 KB of new arrays a capture for a 1 GiB guest, and an allocation inside the pause that meets a full
 * young generation runs the collector inside it (round 67: most of the live checkpoints that paused over 1 ms).
 * Grows like a {@code BitSet} (only when a bit is set, never in a capture); run thread only.
 */
final class PageBitmap {
    private long[] words = new long[0];
    /** Words up to the last one with a bit set: {@link BitSet#toLongArray}'s length for the same bits. */
    private int wordsInUse;

    void set(int page) {
        int w = page >>> 6;
        if (w >= words.length) words = Arrays.copyOf(words, Math.max(2 * words.length, w + 1));
        words[w] |= 1L << page;
        if (w >= wordsInUse) wordsInUse = w + 1;
    }

    void clear(int page) {
        int w = page >>> 6;
        if (w >= wordsInUse) return;
        words[w] &= ~(1L << page);
        if (w == wordsInUse - 1) {
            while (wordsInUse > 0 && words[wordsInUse - 1] == 0) wordsInUse--;
        }
    }

    boolean get(int page) {
        int w = page >>> 6;
        return w < words.length && (words[w] & (1L << page)) != 0;
    }

    void clear() {
        Arrays.fill(words, 0, wordsInUse, 0L);
        wordsInUse = 0;
    }

    /** The highest set page plus one, as {@link BitSet#length}. */
    int length() {
        int n = wordsInUse;
        return n == 0 ? 0 : 64 * (n - 1) + 64 - Long.numberOfLeadingZeros(words[n - 1]);
    }

    /** A copy as a {@link BitSet}. */
    BitSet toBitSet() {
        return BitSet.valueOf(Arrays.copyOf(words, wordsInUse));
    }

    /** Writes the same bytes as {@code out.writeLongs(toBitSet().toLongArray())}, copying nothing first. */
    void writeTo(StateWriter out) {
        out.writeLongs(words, wordsInUse);
    }

    /**
     * Copies the words into {@code into} (zeros: a capture's room) in bulk, and returns how many: a copy, not an OR, as the capture runs once a checkpoint and its code is seldom compiled (an OR loop over
     * a 1 GiB guest's 4,096 words ran interpreted, ~0.04 ms a set); bits beyond {@code into}'s length are left out.
     */
    int copyInto(long[] into) {
        int n = Math.min(into.length, wordsInUse);
        System.arraycopy(words, 0, into, 0, n);
        return n;
    }

    /** How many words {@link #copyInto} copies: up to the last one with a bit set. */
    int wordCount() {
        return wordsInUse;
    }

    /** A set holding the pages of {@code saved} (the words of a {@link BitSet#toLongArray}; taken, not copied). */
    static PageBitmap of(long[] saved) {
        PageBitmap b = new PageBitmap();
        b.words = saved;
        int n = saved.length;
        while (n > 0 && saved[n - 1] == 0) n--;
        b.wordsInUse = n;
        return b;
    }
}
