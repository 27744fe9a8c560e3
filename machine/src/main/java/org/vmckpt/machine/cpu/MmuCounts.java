package org.vmckpt.machine.cpu;

/**
 * The software TLB's misses, counted (round 69; a tuning aid, {@code -Dvmckpt.mmu.missCounts=true}, off by default: then
 * {@link #ON} is a constant false and every call into this class from {@link Mmu} compiles away).
 *
 * <p>Per kind (read, write, fetch): the misses that filled an entry, the leaf level they came from (2 MiB, 1 GiB), what
 * the slot held (nothing, another page, the same page under another context), whether the page had been filled since
 * the last full flush (a conflict or a dropped entry) or not (a first touch), and for misses on superpages whether a
 * miss of the same kind had already come from the page's aligned 16- and 64-page window since that flush (the misses a
 * fill of the window's neighbours would have turned into hits, if nothing evicted them); for stores whether the page was
 * already dirty in the epoch (a write entry lost) or not (its first write: {@code GuestMemory.pageForWrite} must see
 * it); the page walks, their PTE reads and their time ({@code System.nanoTime} around each: rough); and the flushes.
 * A daemon thread prints them all every 100 ms to stderr as one line
 * ({@code vmckpt-mmu ...}), which bench/cpu/mmu-phases.py splits by the CPU benchmark's marks. Counts are plain
 * statics shared by all harts (racy with several: a diagnostic).
 */
final class MmuCounts {
    static final boolean ON = Boolean.getBoolean("vmckpt.mmu.missCounts");
    /**
     * With {@link #ON}, {@code -Dvmckpt.mmu.conflictPairs=true} (round 71): the misses to a slot holding another page are
     * also counted by (kind, old tag, new tag), and each 100 ms line is followed by the window's most frequent pairs
     * ({@code vmckpt-mmu-pair KIND OLD NEW COUNT}), the table then emptied: which two pages take turns in one slot.
     */
    static final boolean PAIRS = ON && Boolean.getBoolean("vmckpt.mmu.conflictPairs");
    private static final int PAIR_BITS = 14, PAIR_SIZE = 1 << PAIR_BITS;
    private static final long[] pairOld = new long[PAIRS ? PAIR_SIZE : 0], pairNew = new long[PAIRS ? PAIR_SIZE : 0];
    private static final int[] pairKind = new int[PAIRS ? PAIR_SIZE : 0], pairCount = new int[PAIRS ? PAIR_SIZE : 0];
    private static int pairsUsed;

    static final String[] KIND = {"load", "store", "fetch"};
    static final long[] miss = new long[3], leaf2m = new long[3], leaf1g = new long[3];
    static final long[] slotEmpty = new long[3], slotOther = new long[3], slotSameVpn = new long[3];
    static final long[] cold = new long[3], again = new long[3];
    static final long[] win16 = new long[3], win64 = new long[3];
    /** Misses the TLB's second way served (the conflict ways' slots; fetch always 0 since round 84), per kind: no walk, no fill. */
    static final long[] secondWay = new long[3];
    /**
     * Round 79: slots the conflict ways ({@code Mmu#conflictWays}) made two-way (read and write), the scans of
     * {@code Mmu#dropWriteMappings} (calls that scanned the first ways; of them, those that scanned the second ways too),
     * and the full flushes that cleared the second ways' six arrays as well.
     */
    static long conflictSlots, dropScans, dropScansSecond, fullFlushesSecond;
    /** Store misses: the page's first write in the epoch; already dirty; already dirty and its 16-page window seen. */
    static long storeFirstWrite, storeDirtyBefore, storeSuperWin16Dirty;
    static long walks, pteReads, walkNs;
    static long fullFlushes, pageFlushes, pageFlushesAll, writeFlushes, pagesReplaced;
    /**
     * With ASIDs (-Dvmckpt.mmu.asids): satp writes that kept the TLB, ASID fences (all / one page), id roll-overs, times
     * S contexts began to carry the ASID (Mmu#kernelTagged).
     */
    static long satpWrites, asidFences, asidPageFences, tidRollovers, kernelTaggings;
    /** Single-page sfence.vma outside superpage regions, per TLB (load, store, fetch): the slot held the page, another page, nothing. */
    static final long[] flushSame = new long[3], flushOther = new long[3], flushEmpty = new long[3];

    private static final int SET_BITS = 18, SET_SIZE = 1 << SET_BITS;
    /** Per kind: the tags filled since the last full flush, their 16-page windows and 64-page windows. */
    private static final long[][] keys = new long[ON ? 9 : 0][SET_SIZE];
    private static final int[][] gens = new int[ON ? 9 : 0][SET_SIZE];
    private static final int[] used = new int[9];
    private static int gen = 1;
    static long setOverflows;
    private static boolean printing;

    private MmuCounts() {
    }

    /** Adds {@code key} to set {@code s}; true if it was there already. */
    private static boolean seen(int s, long key) {
        long[] k = keys[s];
        int[] g = gens[s];
        int i = (int) ((key * 0x9E3779B97F4A7C15L) >>> (64 - SET_BITS));
        for (int probe = 0; probe < SET_SIZE; probe++, i = (i + 1) & (SET_SIZE - 1)) {
            if (g[i] != gen) {
                if (used[s] > SET_SIZE / 2) {
                    setOverflows++;
                    return false;
                }
                g[i] = gen;
                k[i] = key;
                used[s]++;
                return false;
            }
            if (k[i] == key) return true;
        }
        return false;
    }

    /**
     * A miss of kind {@code kind} at {@code va} that is about to fill slot's tag {@code oldTag} with {@code tag}, from a
     * leaf at {@code level} (0: 4 KiB, or PMP's partial page).
     */
    static boolean fill(int kind, long va, long oldTag, long tag, int level) {
        startPrinter();
        miss[kind]++;
        if (level == 1) leaf2m[kind]++;
        else if (level == 2) leaf1g[kind]++;
        if (oldTag == -1) slotEmpty[kind]++;
        else if ((oldTag & Mmu.VPN_MASK) == (va >>> 12)) slotSameVpn[kind]++;
        else {
            slotOther[kind]++;
            if (PAIRS) pair(kind, oldTag, tag);
        }
        if (seen(kind * 3, tag)) again[kind]++;
        else cold[kind]++;
        boolean w16 = false;
        if (level == 1 || level == 2) {
            long ctx = tag & ~Mmu.VPN_MASK;
            w16 = seen(kind * 3 + 1, ((va >>> 16) & ((1L << 48) - 1)) | ctx);
            if (w16) win16[kind]++;
            if (seen(kind * 3 + 2, ((va >>> 18) & ((1L << 46) - 1)) | ctx)) win64[kind]++;
        }
        return w16;
    }

    /** Counts a miss of {@code kind} that evicted {@code oldTag} for {@code tag} (racy with the printer's reset: a diagnostic). */
    private static void pair(int kind, long oldTag, long tag) {
        long h = (oldTag * 0x9E3779B97F4A7C15L) ^ (tag * 0xC2B2AE3D27D4EB4FL) ^ kind;
        int i = (int) (h >>> (64 - PAIR_BITS));
        for (int probe = 0; probe < 64; probe++, i = (i + 1) & (PAIR_SIZE - 1)) {
            if (pairCount[i] == 0) {
                if (pairsUsed > PAIR_SIZE / 2) return;
                pairsUsed++;
                pairOld[i] = oldTag;
                pairNew[i] = tag;
                pairKind[i] = kind;
                pairCount[i] = 1;
                return;
            }
            if (pairOld[i] == oldTag && pairNew[i] == tag && pairKind[i] == kind) {
                pairCount[i]++;
                return;
            }
        }
    }

    /** The window's six most frequent pairs, one line each, and the table emptied. */
    private static String pairLines() {
        StringBuilder b = new StringBuilder();
        int[] top = new int[6];
        java.util.Arrays.fill(top, -1);
        for (int i = 0; i < PAIR_SIZE; i++) {
            if (pairCount[i] == 0) continue;
            for (int k = 0; k < top.length; k++) {
                if (top[k] < 0 || pairCount[i] > pairCount[top[k]]) {
                    System.arraycopy(top, k, top, k + 1, top.length - k - 1);
                    top[k] = i;
                    break;
                }
            }
        }
        for (int i : top) {
            if (i < 0) break;
            b.append(String.format("vmckpt-mmu-pair %s %x %x %d%n", KIND[pairKind[i]], pairOld[i], pairNew[i], pairCount[i]));
        }
        java.util.Arrays.fill(pairCount, 0);
        pairsUsed = 0;
        return b.toString();
    }

    /** A store miss's page: dirty in the epoch before this store's {@code pageForWrite}, or not. */
    static void storePage(boolean dirtyBefore, boolean win16Seen) {
        if (dirtyBefore) {
            storeDirtyBefore++;
            if (win16Seen) storeSuperWin16Dirty++;
        } else {
            storeFirstWrite++;
        }
    }

    static void pageFlush(long vpn, long r, long w, long x) {
        long[] tags = {r, w, x};
        for (int k = 0; k < 3; k++) {
            if (tags[k] == -1) flushEmpty[k]++;
            else if ((tags[k] & Mmu.VPN_MASK) == vpn) flushSame[k]++;
            else flushOther[k]++;
        }
    }

    static void flushAll() {
        fullFlushes++;
        gen++;
        java.util.Arrays.fill(used, 0);
    }

    private static synchronized void startPrinter() {
        if (printing) return;
        printing = true;
        Thread t = new Thread(() -> {
            while (true) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
                System.err.println(line());
                if (PAIRS) System.err.print(pairLines());
            }
        }, "vmckpt-mmu-counts");
        t.setDaemon(true);
        t.start();
    }

    static String line() {
        StringBuilder b = new StringBuilder("vmckpt-mmu");
        for (int k = 0; k < 3; k++) {
            b.append(' ').append(KIND[k]).append(' ').append(miss[k]).append(' ').append(leaf2m[k]).append(' ')
                    .append(leaf1g[k]).append(' ').append(slotEmpty[k]).append(' ').append(slotOther[k]).append(' ')
                    .append(slotSameVpn[k]).append(' ').append(cold[k]).append(' ').append(again[k]).append(' ')
                    .append(win16[k]).append(' ').append(win64[k]);
        }
        b.append(" stores ").append(storeFirstWrite).append(' ').append(storeDirtyBefore).append(' ').append(storeSuperWin16Dirty);
        b.append(" walks ").append(walks).append(' ').append(pteReads).append(' ').append(walkNs);
        b.append(" flushes ").append(fullFlushes).append(' ').append(pageFlushes).append(' ').append(pageFlushesAll)
                .append(' ').append(writeFlushes).append(' ').append(pagesReplaced);
        b.append(" pageflush");
        for (int k = 0; k < 3; k++) b.append(' ').append(flushSame[k]).append(' ').append(flushOther[k]).append(' ').append(flushEmpty[k]);
        b.append(" overflows ").append(setOverflows);
        b.append(" asids ").append(satpWrites).append(' ').append(asidFences).append(' ').append(asidPageFences).append(' ')
                .append(tidRollovers).append(' ').append(kernelTaggings);
        b.append(" secondway ").append(secondWay[0]).append(' ').append(secondWay[1]).append(' ').append(secondWay[2]);
        b.append(" conflict ").append(conflictSlots).append(' ').append(dropScans).append(' ').append(dropScansSecond)
                .append(' ').append(fullFlushesSecond);
        return b.toString();
    }
}
