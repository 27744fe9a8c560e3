package org.vmckpt.machine.cpu;

/**
 * The interpreter's expansion of a compressed instruction from two small tables instead of {@link Compressed}'s
 * 65,536-entry one, when {@code -Dvmckpt.interp.compressedParts=true} (off by default: not shown faster,
 * docs/BENCHMARKS.md, round 33, nor with InterpreterFastLoop using it too, round 58). That table is 256 KiB, indexed
 * by the encoding: cold kernel code touches thousands of its entries, each in a cache line of its own, and the load
 * missed the caches often enough to be the busiest instruction of the interpreter's compiled loop (perf of the signed
 * guest's module phase: 16% of the interpreter's samples on it, docs/BENCHMARKS.md, round 33).
 *
 * <p>An encoding {@code c} is split into a key (the quadrant, bits 1-0, and bits 15-10: funct3, and the bits that
 * choose among the operations of one funct3), {@code lo} (bits 6-2) and {@code mid} (bits 9-7). Within one key the
 * expansion is, for almost every encoding, {@code LO[key][lo] ^ MID[key][mid]}: the fields of {@code lo} and of
 * {@code mid} land in bits of their own (registers, immediate bits, sign extension from bit 12, which is in the key).
 * The exceptions (c.jr, c.jalr and c.ebreak beside c.mv and c.add; c.addi16sp beside c.lui; the illegal encodings
 * with a zero immediate or rd = 0) are whole rows or columns of the key's 32 x 8 grid, marked so that they take
 * {@link Compressed#expandCached}: a valid expansion ends in binary 11, a marked {@code LO} entry in 00, a marked
 * {@code MID} entry in 01, so a result that does not end in 11 is not one. The tables are 40 KiB, and a key is
 * filled on its first use (256 expansions), so a start pays only for the keys its guest runs.
 *
 * <p>Another thread may read a key while it is being filled: every {@code MID} entry starts marked, {@code LO} entries
 * are written before {@code MID} ones, and any mix of old and new entries either ends in something other than 11 or
 * is the filled key's value, so a reader never sees a wrong expansion.
 */
final class CompressedParts {
    private static final int KEYS = 256;
    /** Per key: 32 entries by bits 6-2. */
    private static final int[] LO = new int[KEYS * 32];
    /** Per key: 8 entries by bits 9-7; 1 (marked) until the key is filled. */
    private static final int[] MID = new int[KEYS * 8];
    /** The marks: an {@code LO} entry of a row that takes the slow path ends in 00, a {@code MID} one in 01. */
    private static final int LO_MARK_CLEAR = ~3;
    private static final int MID_MARK = 1;
    /** Keys filled (read on the slow path only). */
    private static final boolean[] FILLED = new boolean[KEYS];

    static {
        java.util.Arrays.fill(MID, MID_MARK);
    }

    private CompressedParts() { }

    static int key(int c) {
        return (c >>> 10 & 0x3f) << 2 | (c & 3);
    }

    /** The 32-bit equivalent of compressed instruction {@code c} (low 16 bits, not ending in 11), or 0 if illegal. */
    static int expand(int c) {
        int e = lookUp(c);
        return (e & 3) == 3 ? e : slow(c);
    }

    /**
     * The two tables' entry for {@code c}: its expansion if it ends in binary 11, else a marked entry or a key not filled
     * yet (the caller's slow path). A few instructions, no call: the interpreter's loops inline it.
     */
    static int lookUp(int c) {
        int k = key(c);
        return LO[k << 5 | (c >>> 2 & 31)] ^ MID[k << 3 | (c >>> 7 & 7)];
    }

    /** Whether {@code c} is expanded from the two tables, without the slow path (its key filled first). */
    static boolean fromTables(int c) {
        int k = key(c);
        if (!FILLED[k]) fill(k);
        return (lookUp(c) & 3) == 3;
    }

    /** Fills every key now (tests: the fast loop then finds every expansion the two tables hold). */
    static void fillAll() {
        for (int k = 0; k < KEYS; k++) if (!FILLED[k]) fill(k);
    }

    /** A marked row or column, or a key not filled yet (filled here). */
    private static int slow(int c) {
        int k = key(c);
        if (!FILLED[k]) fill(k);
        return Compressed.expandCached(c);
    }

    /** The encoding of key {@code k} with the given {@code lo} and {@code mid} parts. */
    static int encoding(int k, int lo, int mid) {
        return (k >>> 2) << 10 | mid << 7 | lo << 2 | (k & 3);
    }

    /**
     * Fills key {@code k}: a reference row and column (of a few tried, the one with the fewest marked entries), then
     * every row and column in which the two parts' XOR differs from the expansion is marked (a greedy cover of the
     * mismatches). A key without a legal encoding (quadrant 3, reserved) is marked throughout.
     */
    private static synchronized void fill(int k) {
        if (FILLED[k]) return; // filled meanwhile by another thread
        int[][] f = new int[32][8];
        for (int lo = 0; lo < 32; lo++) {
            for (int mid = 0; mid < 8; mid++) {
                f[lo][mid] = (k & 3) == 3 ? 0 : Compressed.expand(encoding(k, lo, mid));
            }
        }
        int[] lo = new int[32];
        int[] mid = new int[8];
        int best = Integer.MAX_VALUE;
        boolean[] bestRows = null, bestCols = null;
        int bestL = 0, bestM = 0;
        // The exceptions of RVC lie in row 0 (rs2 = 0, a zero immediate) and columns 0 and 2 (rd = 0, rd = sp), so a
        // reference away from them usually leaves only the exceptions marked; a few references are tried, then any.
        for (int i = 0; i < REFERENCES.length && best > 0; i++) {
            int l0 = REFERENCES[i] >>> 3, m0 = REFERENCES[i] & 7;
            if (f[l0][m0] == 0) continue;
            boolean[] rows = new boolean[32], cols = new boolean[8];
            int marked = cover(f, l0, m0, rows, cols);
            if (marked < best) {
                best = marked;
                bestRows = rows;
                bestCols = cols;
                bestL = l0;
                bestM = m0;
            }
        }
        for (int l0 = 0; l0 < 32 && bestRows == null; l0++) {
            for (int m0 = 0; m0 < 8 && bestRows == null; m0++) {
                if (f[l0][m0] == 0) continue;
                bestRows = new boolean[32];
                bestCols = new boolean[8];
                cover(f, l0, m0, bestRows, bestCols);
                bestL = l0;
                bestM = m0;
            }
        }
        if (bestRows == null) { // no valid encoding in the key: every entry marked
            bestRows = new boolean[32];
            java.util.Arrays.fill(bestRows, true);
            bestCols = new boolean[8];
        }
        for (int l = 0; l < 32; l++) {
            lo[l] = bestRows[l] ? f[l][bestM] & LO_MARK_CLEAR : f[l][bestM];
        }
        for (int m = 0; m < 8; m++) {
            mid[m] = bestCols[m] ? MID_MARK : f[bestL][m] ^ f[bestL][bestM];
        }
        System.arraycopy(lo, 0, LO, k << 5, 32);
        for (int m = 0; m < 8; m++) MID[k << 3 | m] = mid[m];
        FILLED[k] = true;
    }

    /** The references tried first, as {@code lo << 3 | mid}. */
    private static final int[] REFERENCES = {3 << 3 | 3, 1 << 3 | 1, 5 << 3 | 6, 17 << 3 | 4, 10 << 3 | 5, 7 << 3 | 1};

    /** Marks rows and columns so that every unmarked entry is predicted exactly; returns the entries marked. */
    private static int cover(int[][] f, int l0, int m0, boolean[] rows, boolean[] cols) {
        int ref = f[l0][m0];
        boolean[][] bad = new boolean[32][8];
        int left = 0;
        for (int l = 0; l < 32; l++) {
            for (int m = 0; m < 8; m++) {
                int predicted = f[l][m0] ^ f[l0][m] ^ ref;
                // A row whose reference entry is illegal, or a column whose is, cannot predict: all of it is a mismatch.
                boolean wrong = f[l][m0] == 0 || f[l0][m] == 0 || predicted != f[l][m];
                if (wrong) { bad[l][m] = true; left++; }
            }
        }
        while (left > 0) {
            int bestRow = -1, bestRowCount = 0, bestCol = -1, bestColCount = 0;
            for (int l = 0; l < 32; l++) {
                int n = 0;
                for (int m = 0; m < 8; m++) if (bad[l][m]) n++;
                if (n > bestRowCount) { bestRowCount = n; bestRow = l; }
            }
            for (int m = 0; m < 8; m++) {
                int n = 0;
                for (int l = 0; l < 32; l++) if (bad[l][m]) n++;
                if (n > bestColCount) { bestColCount = n; bestCol = m; }
            }
            // Mismatches covered per entry marked: a row marks 8 entries, a column 32.
            if (bestRowCount * 4 >= bestColCount) {
                rows[bestRow] = true;
                for (int m = 0; m < 8; m++) if (bad[bestRow][m]) { bad[bestRow][m] = false; left--; }
            } else {
                cols[bestCol] = true;
                for (int l = 0; l < 32; l++) if (bad[l][bestCol]) { bad[l][bestCol] = false; left--; }
            }
        }
        int marked = 0;
        for (int l = 0; l < 32; l++) {
            for (int m = 0; m < 8; m++) if (rows[l] || cols[m]) marked++;
        }
        return marked;
    }
}
