package org.vmckpt.checkpoint.store;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * An immutable map from keys {@code 0..end-1} (page indices or disk block numbers) to {@link TableEntry}
 * values, kept as contiguous runs: run {@code i} covers {@code [start(i), runEnd(i))}. Memory and lookup
 * cost grow with the number of runs, not with the number of keys, so an idle 1 GiB guest is one run.
 */
final class RunTable {
    static final RunTable EMPTY = new RunTable(new long[0], new long[0], 0, 0);

    private final long[] starts;
    private final long[] values;
    private final int count;
    private final long end;

    private RunTable(long[] starts, long[] values, int count, long end) {
        this.starts = starts;
        this.values = values;
        this.count = count;
        this.end = end;
    }

    /** A table where every key in {@code 0..end-1} has {@code value}. */
    static RunTable uniform(long end, long value) {
        Builder b = new Builder();
        if (end > 0) b.add(0, end, value);
        return b.build();
    }

    long end() { return end; }

    int runCount() { return count; }

    long start(int run) { return starts[run]; }

    long runEnd(int run) { return run + 1 < count ? starts[run + 1] : end; }

    long value(int run) { return values[run]; }

    /** The run holding {@code key}; the key must be in {@code 0..end-1}. */
    int runOf(long key) {
        int i = Arrays.binarySearch(starts, 0, count, key);
        return i >= 0 ? i : -i - 2;
    }

    /** The value of {@code key}, or {@link TableEntry#ABSENT} outside {@code 0..end-1}. */
    long valueAt(long key) {
        if (key < 0 || key >= end) return TableEntry.ABSENT;
        int r = runOf(key);
        return TableEntry.advance(values[r], key - starts[r]);
    }

    /** The same runs with every value passed through {@code f} (which must keep run continuity, e.g. a pack renumbering). */
    RunTable mapValues(LongUnaryOperator f) {
        Builder b = new Builder();
        for (int i = 0; i < count; i++) b.add(starts[i], runEnd(i) - starts[i], f.applyAsLong(values[i]));
        return b.build();
    }

    /**
     * This table with the given keys replaced: {@code keys[0..n-1]} strictly increasing, {@code vals} their
     * new values. The result covers {@code 0..max(end, newEnd)-1}; keys beyond this table's end that are not
     * replaced are ABSENT.
     */
    RunTable overlay(long[] keys, long[] vals, int n, long newEnd) {
        return overlay(keys, vals, n, newEnd, new Builder());
    }

    /**
     * As {@link #overlay(long[], long[], int, long)}, built in {@code b} (empty; sized with {@link #overlayRuns} it
     * never grows: a checkpoint writer's builder, whose doublings were garbage a young collection could promote).
     */
    RunTable overlay(long[] keys, long[] vals, int n, long newEnd, Builder b) {
        if (b.runCount() != 0 || b.end() != 0) throw new IllegalArgumentException("the builder must be empty");
        fillOverlay(keys, vals, n, newEnd, b);
        return b.build();
    }

    /**
     * Exactly how many runs {@link #overlay} makes of these keys (a pass that stores nothing): a writer sizes its
     * builder with it (the bound {@link #overlayRuns}, all keys for a full checkpoint, was megabytes too many).
     */
    int overlayRunCount(long[] keys, long[] vals, int n, long newEnd) {
        Builder counter = Builder.counting();
        fillOverlay(keys, vals, n, newEnd, counter);
        return counter.runCount();
    }

    private void fillOverlay(long[] keys, long[] vals, int n, long newEnd, Builder b) {
        Cursor c = new Cursor();
        long pos = 0;
        for (int i = 0; i < n; i++) {
            long k = keys[i];
            if (k < pos) throw new IllegalArgumentException("overlay keys must be strictly increasing");
            copyRange(b, c, pos, k);
            b.add(k, 1, vals[i]);
            pos = k + 1;
        }
        copyRange(b, c, pos, Math.max(newEnd, end));
    }

    /**
     * The most runs {@link #overlay} can make of this table with {@code n} keys replaced, up to {@code newEnd}: each
     * replaced key splits at most one run into three, and a tail beyond this table's end adds one.
     */
    int overlayRuns(int n, long newEnd) {
        long bound = (long) count + 2L * n + 1;
        long keys = Math.max(end, newEnd);
        return (int) Math.min(bound, Math.max(1, Math.min(keys, Integer.MAX_VALUE - 8)));
    }

    /**
     * This table with every value passed through {@code f}, made in this table's own arrays (runs that {@code f}
     * makes continue each other merge, as in {@link #mapValues}). Only for a table nothing else holds (a writer's own,
     * just built): this one must not be used afterwards. {@code f} must keep run continuity (a pack renumbering).
     */
    RunTable mapValuesInPlace(LongUnaryOperator f) {
        int w = 0;
        long lastValue = 0;
        for (int i = 0; i < count; i++) {
            long v = f.applyAsLong(values[i]);
            if (w > 0 && TableEntry.advance(lastValue, starts[i] - starts[w - 1]) == v) continue; // continues run w-1
            starts[w] = starts[i];
            values[w] = v;
            lastValue = v;
            w++;
        }
        return new RunTable(starts, values, w, end);
    }

    /** The arrays this table's runs are kept in (for {@link WriterReuse}, once nothing reads this table any more). */
    long[] startsArray() { return starts; }

    long[] valuesArray() { return values; }

    private static final class Cursor {
        int run;
    }

    private void copyRange(Builder b, Cursor c, long from, long to) {
        while (from < to) {
            if (from >= end) {
                b.add(from, to - from, TableEntry.ABSENT);
                return;
            }
            while (runEnd(c.run) <= from) c.run++;
            long segEnd = Math.min(runEnd(c.run), to);
            b.add(from, segEnd - from, TableEntry.advance(values[c.run], from - starts[c.run]));
            from = segEnd;
        }
    }

    /** Appends runs in key order and merges a run into the previous one when it continues it. */
    static final class Builder {
        private long[] starts;
        private long[] values;
        private int count;
        private long end;
        private long lastValue;
        private long lastStart;
        /** Counts runs only ({@link #counting}): no arrays. */
        private final boolean counting;

        Builder() {
            this(16);
        }

        /** A builder sized for {@code expectedRuns} runs (a decoder passes the validated run count). */
        Builder(int expectedRuns) {
            starts = new long[Math.max(1, expectedRuns)];
            values = new long[Math.max(1, expectedRuns)];
            counting = false;
        }

        private Builder(boolean counting) {
            this.counting = counting;
        }

        /** A builder that only counts the runs it would hold ({@link #runCount}); it cannot {@link #build}. */
        static Builder counting() {
            return new Builder(true);
        }

        /**
         * A builder that writes its runs into these arrays (of one length, at least 1; their contents are overwritten),
         * growing past them only if they are too short: {@link WriterReuse} hands a writer a dead table's arrays.
         */
        Builder(long[] starts, long[] values) {
            if (starts.length != values.length || starts.length == 0) throw new IllegalArgumentException("arrays of one length, at least 1");
            this.starts = starts;
            this.values = values;
            this.counting = false;
        }

        /** How many runs this builder holds without growing. */
        int capacity() { return counting ? 0 : starts.length; }

        /** Adds keys {@code start..start+length-1}; a gap before {@code start} becomes ABSENT. */
        void add(long start, long length, long value) {
            if (length <= 0 || start < end) throw new IllegalArgumentException("runs must be added in key order");
            if (start > end) add(end, start - end, TableEntry.ABSENT);
            if (count > 0 && TableEntry.advance(lastValue, end - lastStart) == value) {
                end = start + length;
                return;
            }
            if (!counting) {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                    values = Arrays.copyOf(values, count * 2);
                }
                starts[count] = start;
                values[count] = value;
            }
            count++;
            lastStart = start;
            lastValue = value;
            end = start + length;
        }

        long end() { return end; }

        int runCount() { return count; }

        RunTable build() {
            if (counting) throw new IllegalStateException("a counting builder holds no runs");
            return new RunTable(starts, values, count, end);
        }
    }
}
