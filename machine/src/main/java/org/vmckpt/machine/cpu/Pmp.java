package org.vmckpt.machine.cpu;

import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * Physical memory protection (privileged spec 3.7) with QEMU virt's shape: 16 entries, granularity 4 bytes (G = 0),
 * so every A encoding (OFF, TOR, NA4, NAPOT) is legal and reads back as written.
 *
 * <ul>
 *   <li>pmpcfg0 holds entries 0..7 and pmpcfg2 entries 8..15 (RV64 has no odd pmpcfg); pmpcfg4..14 and
 *       pmpaddr16..63 exist, read 0 and ignore writes.</li>
 *   <li>WARL: cfg bits 5..6 read 0; the reserved R=0, W=1 combination is stored as R=0, W=0; pmpaddr keeps bits
 *       53..0 (physical address bits 55..2).</li>
 *   <li>A locked entry (L) ignores writes to its cfg and its address, and, when it is TOR, to the address below
 *       it. Locked entries also bind M-mode; nothing but a reset unlocks them.</li>
 *   <li>Matching, as QEMU does: the lowest-numbered entry that matches decides. M-mode is checked only against
 *       locked entries. An S/U access that matches no entry fails if any entry is enabled (A != OFF); with none
 *       enabled S and U have full access.</li>
 * </ul>
 *
 * <p>The hart consults this object only when it walks page tables and fills a TLB entry ({@link Hart#translate});
 * it keeps a page in its TLB only if {@link #check} says the whole 4 KiB page has the same outcome, and flushes its
 * TLB whenever a PMP CSR is written.
 */
final class Pmp {
    static final int ENTRIES = 16;

    static final int R = 1, W = 2, X = 4, A = 3 << 3, L = 0x80;
    static final int A_OFF = 0, A_TOR = 1, A_NA4 = 2, A_NAPOT = 3;
    /** Writable pmpaddr bits: physical address bits 55..2. */
    static final long ADDR_MASK = (1L << 54) - 1;

    static final int PMPCFG0 = 0x3A0, PMPADDR0 = 0x3B0;

    /** {@link #check} results. */
    static final int DENY = 0, ALLOW_PAGE = 1, ALLOW_HERE = 2;

    private final int[] cfg = new int[ENTRIES];
    private final long[] addr = new long[ENTRIES];
    /** The byte range [lo, hi) each entry matches (empty when lo >= hi or OFF). */
    private final long[] lo = new long[ENTRIES];
    private final long[] hi = new long[ENTRIES];
    /** Some entry has A != OFF: S and U are then confined to what the entries allow. */
    private boolean enabled;
    /** Some entry is locked: M-mode accesses are then checked too. */
    private boolean locked;

    /** pmpcfg0..14 (even) and pmpaddr0..63. */
    static boolean isPmpCsr(int csr) {
        return (csr >= 0x3A0 && csr <= 0x3AF && (csr & 1) == 0) || (csr >= 0x3B0 && csr <= 0x3EF);
    }

    /** True if an access by privilege {@code priv} must be checked at all (false: full access). */
    boolean applies(int priv) {
        return enabled && (priv != Hart.PRIV_M || locked);
    }

    boolean enabled() {
        return enabled;
    }

    long read(int csr) {
        if (csr >= PMPADDR0) {
            int i = csr - PMPADDR0;
            return i < ENTRIES ? addr[i] : 0;
        }
        int first = (csr - PMPCFG0) * 4;   // pmpcfg2k holds entries 8k .. 8k+7
        long v = 0;
        for (int b = 0; b < 8; b++) {
            int i = first + b;
            if (i < ENTRIES) v |= (long) cfg[i] << (8 * b);
        }
        return v;
    }

    void write(int csr, long v) {
        if (csr >= PMPADDR0) {
            int i = csr - PMPADDR0;
            if (i >= ENTRIES || isLocked(i)) return;
            if (i + 1 < ENTRIES && isLocked(i + 1) && mode(i + 1) == A_TOR) return;
            addr[i] = v & ADDR_MASK;
        } else {
            int first = (csr - PMPCFG0) * 4;
            for (int b = 0; b < 8; b++) {
                int i = first + b;
                if (i >= ENTRIES || isLocked(i)) continue;
                int c = (int) (v >>> (8 * b)) & (L | A | X | W | R);
                if ((c & R) == 0) c &= ~W;   // R=0, W=1 is reserved
                cfg[i] = c;
            }
        }
        recompute();
    }

    private boolean isLocked(int i) {
        return (cfg[i] & L) != 0;
    }

    private int mode(int i) {
        return (cfg[i] & A) >>> 3;
    }

    private void recompute() {
        enabled = false;
        locked = false;
        for (int i = 0; i < ENTRIES; i++) {
            long l = 0, h = 0;
            switch (mode(i)) {
                case A_TOR:
                    l = i == 0 ? 0 : addr[i - 1] << 2;
                    h = addr[i] << 2;
                    break;
                case A_NA4:
                    l = addr[i] << 2;
                    h = l + 4;
                    break;
                case A_NAPOT: {
                    int ones = Long.numberOfTrailingZeros(~addr[i]);   // at most 54: addr has 54 bits
                    long size = 1L << (ones + 3);
                    l = (addr[i] << 2) & -size;
                    h = l + size;
                    break;
                }
                default:
                    break;
            }
            lo[i] = l;
            hi[i] = h;
            if (mode(i) != A_OFF) enabled = true;
            if (isLocked(i)) locked = true;
        }
    }

    /**
     * Checks an access of {@code size} bytes at physical address {@code pa} (not crossing a 4 KiB page) by
     * privilege {@code priv} (the caller has checked {@link #applies}). Returns {@link #DENY}, {@link #ALLOW_PAGE}
     * (allowed, and every access of this kind to the whole 4 KiB page gets the same answer from the same entry,
     * so the page may be cached) or {@link #ALLOW_HERE} (allowed, but other parts of the page may be decided
     * differently: check every access).
     */
    int check(long pa, int size, int priv, int access) {
        long page = pa & ~0xfffL;
        long pageEnd = page + 4096;
        long end = pa + size;
        boolean uniform = true;
        for (int i = 0; i < ENTRIES; i++) {
            long l = lo[i], h = hi[i];
            if (l >= h) continue;                              // OFF, or an empty TOR range
            if (h <= pa || l >= end) {                         // misses this access
                if (l < pageEnd && h > page) uniform = false;  // but decides part of the page
                continue;
            }
            if (l > pa || h < end) return DENY;                // matches some bytes but not all: fails
            if (l > page || h < pageEnd) uniform = false;
            boolean ok = (priv == Hart.PRIV_M && !isLocked(i)) || (cfg[i] & permission(access)) != 0;
            if (!ok) return DENY;
            return uniform ? ALLOW_PAGE : ALLOW_HERE;
        }
        if (priv != Hart.PRIV_M) return DENY;
        return uniform ? ALLOW_PAGE : ALLOW_HERE;
    }

    private static int permission(int access) {
        return access == Hart.ACCESS_READ ? R : access == Hart.ACCESS_WRITE ? W : X;
    }

    // ------------------------------------------------------------------ state

    void save(StateWriter out) {
        for (int i = 0; i < ENTRIES; i++) out.writeByte(cfg[i]);
        for (int i = 0; i < ENTRIES; i++) out.writeLong(addr[i]);
    }

    /** Reads what {@link #save} wrote; nothing is applied until {@link #apply}. */
    static long[] read(StateReader in) throws StateFormatException {
        long[] v = new long[2 * ENTRIES];
        for (int i = 0; i < ENTRIES; i++) v[i] = in.readByte() & 0xff;
        for (int i = 0; i < ENTRIES; i++) v[ENTRIES + i] = in.readLong();
        return v;
    }

    /** Installs state read by {@link #read} (null: reset, every entry OFF and unlocked), keeping only legal values. */
    void apply(long[] v) {
        for (int i = 0; i < ENTRIES; i++) {
            int c = v == null ? 0 : (int) v[i] & (L | A | X | W | R);
            if ((c & R) == 0) c &= ~W;
            cfg[i] = c;
            addr[i] = v == null ? 0 : v[ENTRIES + i] & ADDR_MASK;
        }
        recompute();
    }
}
