package org.vmckpt.machine.cpu;

import org.vmckpt.machine.memory.GuestMemory;

import java.util.Arrays;

import static org.vmckpt.machine.cpu.Csr.*;
import static org.vmckpt.machine.cpu.Hart.*;

/**
 * The MMU: Sv39/Sv48 page walks with PMP, and the software TLB that maps guest pages straight to host arrays
 * (the load/store/fetch fast paths and their slow paths).
 *
 * <p>TLB tags carry the translation context (effective privilege, SUM, MXR, bare or paged) in bits 52..56 (and,
 * with {@code -Dvmckpt.mmu.asids}, an ASID's tag id in bits 57..63: {@link #asidBits}), so privilege changes never
 * flush the TLB; only {@code satp} writes (not with ASIDs), {@code sfence.vma} and PMP CSR writes do (PMP is
 * checked when an entry is filled: {@link #translate}, {@link Pmp}). A write entry exists only for a page that
 * {@link GuestMemory#pageForWrite} has marked dirty in the current epoch.
 * The TLB is its own state (a cache, never saved); the architectural state it reads lives in {@link Hart}.
 */
final class Mmu {
    final Hart h;

    Mmu(Hart h) {
        this.h = h;
        initAsids(Integer.getInteger("vmckpt.mmu.asids", 0));
    }

    // ------------------------------------------------------------------ TLB
    final long[] rTag = new long[TLB_SIZE];
    final byte[][] rPage = new byte[TLB_SIZE][];
    final int[] rPhys = new int[TLB_SIZE];
    final long[] wTag = new long[TLB_SIZE];
    final byte[][] wPage = new byte[TLB_SIZE][];
    final int[] wPhys = new int[TLB_SIZE];
    /**
     * No write entry has been installed since the last flush of the write TLB, so {@link #dropWriteMappings} has
     * nothing to look for. Loading a boot image drops the write mappings of each of its ~8,000 pages before the guest
     * has run: a scan of the whole write TLB per page, on cold code, was ~0.15 s of the boot's start.
     */
    boolean writeTlbEmpty = true;
    final long[] xTag = new long[TLB_SIZE];
    final byte[][] xPage = new byte[TLB_SIZE][];
    final int[] xPhys = new int[TLB_SIZE];
    /** Translation context of data accesses and of fetches, already shifted to bits 52..63 of a tag. */
    long dataCtx;
    long fetchCtx;
    /** Advances whenever fetch translation may have changed (context change, TLB flush): units must leave. */
    int contextEpoch;
    /** Level of the leaf PTE the last successful {@link #translate} used (0 = 4 KiB page or no translation). */
    int lastLeafLevel;
    /**
     * The 1 GiB regions ({@code va >> 30}) holding TLB entries cut from superpages since the last full flush. A
     * single-page sfence.vma inside one of them must drop every piece of the superpage, so it flushes all.
     */
    final long[] superpageRegions = new long[4];
    int superpageRegionCount;
    boolean superpageRegionsOverflowed;

    final long[] mmioResult = new long[1];

    // ------------------------------------------------------------------ the second way (rounds 71-72, 79)
    /**
     * The data TLBs' second way (read, write), which only the conflict ways ({@link #conflictWays}) fill: a slot made
     * two-way keeps a page its fill evicts there, and an access whose page the first way does not hold but the second does
     * is served without a walk, the ways swapping (the first way holds the page used last): the interpreter's and the
     * fast loop's inline look-ups ({@link #secondRead}, {@link #secondWrite}) and the slow paths first thing. Translated
     * code reads the first way only: a C1 unit leaves on a miss and the interpreter's swap makes the page its own at the
     * next entry; a hot unit's slow path ({@link #loadSlow}, {@link #storeSlow}) swaps and serves the access. Every drop
     * of the first way drops the second way's entries of the same pages (full flushes, page and ASID fences, PMP writes,
     * freezes and new epochs, page replacements, restores and resets); a second-way write entry is, as a first-way one, a
     * page {@code GuestMemory.pageForWrite} marked dirty in the current epoch: it only ever moves there from the first way
     * (a fill's move, a swap), and {@link #flushWriteMappings} drops both ways. (Round 72's two-way TLB for every slot and
     * the fetch TLB, {@code -Dvmckpt.mmu.twoWay}, was retired in round 84: the conflict ways, on since round 80, took its place.)
     */
    final long[] r2Tag = new long[TLB_SIZE], w2Tag = new long[TLB_SIZE];
    final byte[][] r2Page = new byte[TLB_SIZE][], w2Page = new byte[TLB_SIZE][];
    final int[] r2Phys = new int[TLB_SIZE], w2Phys = new int[TLB_SIZE];
    {
        Arrays.fill(r2Tag, -1);
        Arrays.fill(w2Tag, -1);
    }
    /**
     * The conflict ways (round 79; {@code -Dvmckpt.mmu.conflictWays=N}, N a count of conflict misses, 256 by default since round 80, 0 =
     * off): the second way of a data slot (read or write TLB) is used only once that
     * slot has shown a conflict episode: {@code N} <em>ping-pongs</em> in a row, each a fill of the first way with the tag
     * the slot's last fill evicted (two pages taking turns), each within {@link #CONFLICT_WINDOW} page walks of the one
     * before. From then on the slot is two-way (its fills keep the evicted entry in the second way,
     * the look-ups that already compare the second way swap); every other slot, and the fetch TLB, is main's
     * direct-mapped slot. The flag is kept for the hart's life (a full flush drops the entries, not the flag: the
     * guest's address-space layout that drew the conflict outlives a context switch). Why: the two-way TLB takes the
     * conflict episodes away (round 78: 0 in 15 runs) but changed the whole TLB's behaviour in every phase (the boot's
     * 87-97 K swaps, round 75 and 79's counts) for the sake of a few slots in some runs; here the boot's TLB is main's
     * except in the slots that ping-pong. Slow paths only: the fills after a walk.
     */
    int conflictWays = Integer.getInteger("vmckpt.mmu.conflictWays", 256);
    /** The conflict ways' window: a ping-pong more than this many page walks after the slot's last one starts a new count. */
    static final long CONFLICT_WINDOW = Long.getLong("vmckpt.mmu.conflictWindow", 1024);
    /** Per data slot (read, write): the tag the last fill evicted, the walk count at the last ping-pong, the ping-pongs counted, two-way. Null while {@link #conflictWays} is 0. */
    long[] rOut, wOut, rPingAt, wPingAt;
    int[] rPings, wPings;
    boolean[] rTwo, wTwo;
    /** Slots the conflict ways made two-way (read and write), for the tests and --stats-free counting (MmuCounts). */
    int conflictSlots;
    {
        if (conflictWays != 0) allocateConflictWays();
    }
    /** No entry has moved into a second way since the last full flush: the drops have nothing there to look for. */
    boolean secondWaysEmpty = true;
    /** Misses of the first way the second way served (swaps: the interpreter's, the fast loop's, the slow paths'), per kind (read, write, fetch); and the page walks made (paged, not M). */
    final long[] secondWayHits = new long[3];
    long walks;

    // ------------------------------------------------------------------ address-space identifiers (round 70)
    /**
     * The ASID bits satp keeps ({@code -Dvmckpt.mmu.asids=N}, 0-16; 0, the default, is the hart without ASIDs: satp's
     * ASID field reads 0 and every satp write flushes the TLB). With N > 0 the field is WARL with N bits, a satp write
     * does not flush, and the TLB's tags carry the ASID where the context needs it:
     * <ul>
     * <li>entries filled in a paged U-mode context, or a paged S-mode data context with SUM set, carry in bits
     * {@link #TID_SHIFT}..63 a small tag id ({@link #tidBits}, 1..{@link #MAX_TID}) that stands for the ASID they were
     * filled under (the id is part of {@link #dataCtx}/{@link #fetchCtx}, so the hit paths compare one tag as before);
     * <li>entries filled in a paged S-mode context without SUM (the kernel's own accesses and its fetches) carry no
     * ASID and hit under every ASID, as long as every leaf translated there is <em>global</em> (G set in the leaf or a
     * PTE above it), as Linux maps all kernel memory; the first non-global leaf translated in such a context turns
     * {@link #kernelTagged} on until the next full flush: from then on S-mode contexts carry the ASID too (so an entry
     * without an ASID is never another address space's private mapping, and a kernel that maps itself non-global
     * keeps a TLB, per ASID).
     * </ul>
     * The ids are handed out in order to the ASIDs satp is written with; when all {@link #MAX_TID} are taken, a full
     * flush frees them all (as every full flush does). sfence.vma with rs2 != x0 drops only that ASID's entries (all of
     * them, or the one page's), never the ASID-less global ones; with rs2 = x0 it drops everything, as before.
     * Not final: tests set it per hart ({@link #setAsidBits}).
     */
    int asidBits;
    /** satp's ASID field as the WARL keeps it: N bits from bit 44. */
    long satpAsidField;
    /** Per ASID, its tag id since the last full flush (0: none); null while {@link #asidBits} is 0. */
    int[] tidOfAsid;
    /** Per tag id, the ASID it stands for. */
    final int[] asidOfTid = new int[MAX_TID + 1];
    /** Tag ids 1..tidsUsed are taken. */
    int tidsUsed;
    /** The current satp ASID's tag id, shifted to {@link #TID_SHIFT} (0 with ASIDs off). */
    long tidBits;
    static final int TID_SHIFT = 57;
    static final int MAX_TID = 127;
    static final long TID_MASK = (long) MAX_TID << TID_SHIFT;
    /** satp's ASID field at its widest (16 bits from bit 44). */
    static final long SATP_ASID_ALL = 0xffffL << 44;
    /**
     * A non-global leaf was translated in a paged S-mode context without SUM since the last full flush: S-mode contexts
     * carry the ASID's tag id too ({@link #asidBits}).
     */
    boolean kernelTagged;
    /** Counters for tests: ASID fences (all pages / one page), id roll-overs, times {@link #kernelTagged} was set. */
    long asidFences, asidPageFences, tidRollovers, kernelTaggings;

    static int asidBitsOf(int n) {
        return Math.max(0, Math.min(16, n));
    }

    /** Sets the ASID bits (tests; the constructor takes {@code vmckpt.mmu.asids}): masks satp, flushes the TLB. */
    void setAsidBits(int n) {
        initAsids(n);
        h.satp &= ~SATP_ASID_ALL | satpAsidField;
        flushTlb();
        updateContexts();
    }

    private void initAsids(int n) {
        asidBits = asidBitsOf(n);
        satpAsidField = asidBits == 0 ? 0 : ((1L << asidBits) - 1) << 44;
        tidOfAsid = asidBits == 0 ? null : new int[1 << asidBits];
        tidsUsed = 0;
        tidBits = 0;
    }

    /** satp with the ASID bits this hart does not keep cleared (a restore's satp may come from another setting). */
    long maskSatp(long satp) {
        return satp & (~SATP_ASID_ALL | satpAsidField);
    }

    /** The tag id of satp's ASID, given one if it has none (after a full flush if all are taken), into {@link #tidBits}. */
    private void refreshTid() {
        if (asidBits == 0) {
            tidBits = 0;
            return;
        }
        int asid = (int) (h.satp >>> 44) & ((1 << asidBits) - 1);
        int t = tidOfAsid[asid];
        if (t == 0) {
            if (tidsUsed == MAX_TID) {
                tidRollovers++;
            if (MmuCounts.ON) MmuCounts.tidRollovers++;
                flushTlb(); // frees every id and gives satp's ASID the first
                return;
            }
            t = ++tidsUsed;
            tidOfAsid[asid] = t;
            asidOfTid[t] = asid;
        }
        tidBits = (long) t << TID_SHIFT;
    }

    /** A satp write with ASIDs on: no flush (the privileged spec implies none); the new ASID's tag id. */
    void satpWritten() {
        if (MmuCounts.ON) MmuCounts.satpWrites++;
        refreshTid();
    }

    /** The tag id bits of a context: the ASID's for paged U, and for paged S data with SUM; none otherwise. */
    private long tidOfContext(int p, long mode, boolean sum) {
        return mode != 0 && (p == PRIV_U || (p == PRIV_S && (sum || kernelTagged))) ? tidBits : 0;
    }

    /** Whether the context of {@code access} at privilege {@code p} carries no ASID: paged S, a fetch or without SUM. */
    private boolean contextWithoutAsid(int access, int p) {
        return p == PRIV_S && !kernelTagged && (h.satp >>> 60) != 0 && (access == ACCESS_EXEC || (h.mstatus & SUM) == 0);
    }

    // ================================================================== memory access: fast paths
    // A TLB entry always maps a whole 4 KiB page array and the offset checks keep the access inside it, so the
    // fast paths read and write it without the array bounds check (as translated code does, see Translator).

    static final long BYTE_BASE = UNSAFE.arrayBaseOffset(byte[].class);

    /**
     * The index of the TLB's read entry for an access of {@code size} bytes at {@code va}, or -1 if the entry misses or
     * the access leaves its page: the fast path's check alone, for translated code's grouped accesses whose group has
     * no page (Translator#accessGroupFallback). Small, so that both compilers inline it.
     */
    int readIndexOf(long va, int size) {
        int i = (int) (va >>> 12) & TLB_MASK;
        return rTag[i] == ((va >>> 12) | dataCtx) && ((int) va & 0xfff) <= 4096 - size ? i : -1;
    }

    /** As {@link #readIndexOf}, with the TLB's write entry. */
    int writeIndexOf(long va, int size) {
        int i = (int) (va >>> 12) & TLB_MASK;
        return wTag[i] == ((va >>> 12) | dataCtx) && ((int) va & 0xfff) <= 4096 - size ? i : -1;
    }

    int load8(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (rTag[i] == ((va >>> 12) | dataCtx)) return UNSAFE.getByte(rPage[i], BYTE_BASE + (va & 0xfff));
        return (int) loadSlow(va, 1);
    }

    int load16(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (rTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffe) return UNSAFE.getShort(rPage[i], BYTE_BASE + off);
        return (int) loadSlow(va, 2);
    }

    int load32(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (rTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffc) return UNSAFE.getInt(rPage[i], BYTE_BASE + off);
        return (int) loadSlow(va, 4);
    }

    long load64(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (rTag[i] == ((va >>> 12) | dataCtx) && off <= 0xff8) return UNSAFE.getLong(rPage[i], BYTE_BASE + off);
        return loadSlow(va, 8);
    }

    void store8(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (wTag[i] == ((va >>> 12) | dataCtx)) {
            UNSAFE.putByte(wPage[i], BYTE_BASE + (va & 0xfff), (byte) v);
            return;
        }
        storeSlow(va, v, 1);
    }

    void store16(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (wTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffe) {
            UNSAFE.putShort(wPage[i], BYTE_BASE + off, (short) v);
            return;
        }
        storeSlow(va, v, 2);
    }

    void store32(long va, int v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (wTag[i] == ((va >>> 12) | dataCtx) && off <= 0xffc) {
            UNSAFE.putInt(wPage[i], BYTE_BASE + off, v);
            return;
        }
        storeSlow(va, v, 4);
    }

    void store64(long va, long v) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int off = (int) va & 0xfff;
        if (wTag[i] == ((va >>> 12) | dataCtx) && off <= 0xff8) {
            UNSAFE.putLong(wPage[i], BYTE_BASE + off, v);
            return;
        }
        storeSlow(va, v, 8);
    }

    // ================================================================== memory access: slow paths

    long loadSlow(long va, int size) {
        int off = (int) va & 0xfff;
        if (off + size > 4096) {
            // Misaligned access crossing a page: byte by byte, each byte translated on its own.
            long v = 0;
            for (int k = 0; k < size; k++) {
                long b = loadSlow(va + k, 1);
                if (h.trap) return 0;
                v |= (b & 0xff) << (8 * k);
            }
            return v;
        }
        int i2 = (int) (va >>> 12) & TLB_MASK;
        if (r2Tag[i2] == ((va >>> 12) | dataCtx)) { // (the two-way TLB: the ways swap; all -1 without it)
            swapRead(i2);
            return readArray(rPage[i2], off, size);
        }
        long pa = translate(va, ACCESS_READ);
        if (h.trap) return 0;
        int idx = h.ram.pageIndexOf(pa);
        if (idx >= 0) {
            byte[] page = h.ram.pageForRead(idx);
            int i = (int) (va >>> 12) & TLB_MASK;
            if (MmuCounts.ON) MmuCounts.fill(ACCESS_READ, va, rTag[i], (va >>> 12) | dataCtx, lastLeafLevel);
            if (conflictWays != 0) conflictRead(i, (va >>> 12) | dataCtx);
            rTag[i] = (va >>> 12) | dataCtx;
            rPage[i] = page;
            rPhys[i] = idx;
            if (lastLeafLevel > 0) noteSuperpage(va);
            return readArray(page, off, size);
        }
        if (h.inUnit) { // a device read inside translated code: leave it to the interpreter (exact instret)
            h.unitExit = true;
            return 0;
        }
        if ((pa & (size - 1)) == 0 && h.bus.mmioRead(pa, size, mmioResult)) {
            long v = mmioResult[0];
            switch (size) {
                case 1: return (byte) v;
                case 2: return (short) v;
                case 4: return (int) v;
                default: return v;
            }
        }
        return h.fault(CAUSE_LOAD_ACCESS, va);
    }

    static long readArray(byte[] page, int off, int size) {
        switch (size) {
            case 1: return page[off];
            case 2: return (short) SHORT.get(page, off);
            case 4: return (int) INT.get(page, off);
            default: return (long) LONG.get(page, off);
        }
    }

    void storeSlow(long va, long v, int size) {
        int off = (int) va & 0xfff;
        if (off + size > 4096) {
            // Check both pages first so a fault on the second leaves memory untouched.
            translate(va, ACCESS_WRITE);
            if (h.trap) return;
            translate(va + size - 1, ACCESS_WRITE);
            if (h.trap) return;
            for (int k = 0; k < size; k++) {
                storeSlow(va + k, v >>> (8 * k), 1);
                if (h.trap) return;
            }
            return;
        }
        // The fast path missed, so the TLB's first way has no write entry for this page: the second way's, or translate
        // once, for RAM or device.
        {
            int i = (int) (va >>> 12) & TLB_MASK;
            if (w2Tag[i] == ((va >>> 12) | dataCtx)) { // (all -1 without the two-way TLB; the ways swap)
                swapWrite(i);
                byte[] page = wPage[i];
                    switch (size) {
                    case 1: page[off] = (byte) v; break;
                    case 2: SHORT.set(page, off, (short) v); break;
                    case 4: INT.set(page, off, (int) v); break;
                    default: LONG.set(page, off, v);
                }
                return;
            }
        }
        long pa = translate(va, ACCESS_WRITE);
        if (h.trap) return;
        byte[] page = installWritable(va, pa);
        if (page != null) {
            switch (size) {
                case 1: page[off] = (byte) v; break;
                case 2: SHORT.set(page, off, (short) v); break;
                case 4: INT.set(page, off, (int) v); break;
                default: LONG.set(page, off, v);
            }
            return;
        }
        if (h.inUnit) { // a device write inside translated code: leave it to the interpreter (exact instret)
            h.unitExit = true;
            return;
        }
        if ((pa & (size - 1)) == 0 && h.bus.mmioWrite(pa, size, size == 8 ? v : v & ((1L << (8 * size)) - 1))) {
            h.stopBatch(); // the device may have raised an interrupt or changed machine state
            return;
        }
        h.fault(CAUSE_STORE_ACCESS, va);
    }

    /**
     * {@code cbo.zero} (Zicboz): zeroes the naturally aligned block of {@code block} bytes (a power of two up to 4096)
     * that holds {@code va}, as one store: translated for writing (a store page fault or access fault names the block's
     * first byte, as QEMU, Spike and the Sail model do), PMP checked over the whole block, and the page reached through
     * the write TLB, so that the first write of a page in an epoch goes through {@link GuestMemory#pageForWrite} (dirty
     * log, copy-on-write of a frozen page, translations of the page dropped). A block in a device's range is a store
     * access fault: no device here is cacheable memory. Allocates nothing.
     */
    void zeroBlock(long va, int block) {
        long base = va & -(long) block;
        int i = (int) (base >>> 12) & TLB_MASK;
        long tag = (base >>> 12) | dataCtx;
        byte[] page;
        if (wTag[i] == tag) {
            page = wPage[i];
        } else if (w2Tag[i] == tag) { // (all -1 without the two-way TLB; the ways swap, as at every second-way hit)
            page = secondWrite(i);
        } else {
            long pa = translate(base, ACCESS_WRITE);
            if (h.trap) return;
            if (lastLeafLevel == PMP_PARTIAL_PAGE && h.pmp.check(pa, block, effectiveDataPriv(), ACCESS_WRITE) == Pmp.DENY) {
                accessFault(ACCESS_WRITE, base);
                return;
            }
            page = installWritable(base, pa);
            if (page == null) {
                h.fault(CAUSE_STORE_ACCESS, base);
                return;
            }
        }
        int off = (int) base & 0xfff;
        Arrays.fill(page, off, off + block, (byte) 0);
    }

    /** Translates for writing and returns the RAM page (installing a write TLB entry), or null for MMIO. */
    byte[] writablePage(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (wTag[i] == ((va >>> 12) | dataCtx)) return wPage[i];
        if (w2Tag[i] == ((va >>> 12) | dataCtx)) { // (all -1 without the two-way TLB; the ways swap)
            swapWrite(i);
            return wPage[i];
        }
        long pa = translate(va, ACCESS_WRITE);
        if (h.trap) return null;
        return installWritable(va, pa);
    }

    /** The RAM page at {@code pa}, marked dirty and cached as the write mapping of {@code va}; null for a device. */
    byte[] installWritable(long va, long pa) {
        int i = (int) (va >>> 12) & TLB_MASK;
        int idx = h.ram.pageIndexOf(pa);
        if (idx < 0) return null;
        if (MmuCounts.ON) {
            boolean w16 = MmuCounts.fill(ACCESS_WRITE, va, wTag[i], (va >>> 12) | dataCtx, lastLeafLevel);
            MmuCounts.storePage(h.ram.isDirty(idx), w16);
        }
        byte[] page = h.ram.pageForWrite(idx);
        writeTlbEmpty = false;
        if (conflictWays != 0) conflictWrite(i, (va >>> 12) | dataCtx);
        wTag[i] = (va >>> 12) | dataCtx;
        wPage[i] = page;
        wPhys[i] = idx;
        if (lastLeafLevel > 0) noteSuperpage(va);
        return page;
    }

    int fetchSlow(long pc) {
        int lo = fetch16(pc);
        if (h.trap) return 0;
        if ((lo & 3) != 3) return lo;
        int hi = fetch16(pc + 2);
        if (h.trap) return 0;
        return lo | hi << 16;
    }

    int fetch16(long va) {
        int i = (int) (va >>> 12) & TLB_MASK;
        if (xTag[i] != ((va >>> 12) | fetchCtx)) {
            long pa = translate(va, ACCESS_EXEC);
            if (h.trap) return 0;
            int idx = h.ram.pageIndexOf(pa);
            if (idx < 0) {
                h.fault(CAUSE_FETCH_ACCESS, va);
                return 0;
            }
            if (MmuCounts.ON) MmuCounts.fill(ACCESS_EXEC, va, xTag[i], (va >>> 12) | fetchCtx, lastLeafLevel);
            xTag[i] = (va >>> 12) | fetchCtx;
            xPage[i] = h.ram.pageForRead(idx);
            xPhys[i] = idx;
            if (lastLeafLevel > 0) noteSuperpage(va);
        }
        return (short) SHORT.get(xPage[i], (int) va & 0xfff) & 0xffff;
    }

    // ================================================================== the second way (the conflict ways' slots)

    /**
     * The interpreter's and the fast loop's second-way hit of a load (their inline look-up found the page in slot {@code
     * i}'s second way, round 74): the ways swap, as the slow paths', and the page is returned. So a C1 unit that left
     * before the access (it reads the first way only), entered again, finds the page in its first way.
     */
    byte[] secondRead(int i) {
        swapRead(i);
        return rPage[i];
    }

    /** As {@link #secondRead}, for a store (the write entries only change places: both of the current epoch). */
    byte[] secondWrite(int i) {
        swapWrite(i);
        return wPage[i];
    }

    /** Slot {@code i}'s two read ways change places (a second-way hit: the first way holds the page used last). */
    private void swapRead(int i) {
        if (Hart.CHECK_OWNER) h.checkOwner("swapRead");
        long t = rTag[i];
        byte[] p = rPage[i];
        int f = rPhys[i];
        rTag[i] = r2Tag[i];
        rPage[i] = r2Page[i];
        rPhys[i] = r2Phys[i];
        r2Tag[i] = t;
        r2Page[i] = p;
        r2Phys[i] = f;
        secondWayHits[ACCESS_READ]++;
        if (MmuCounts.ON) MmuCounts.secondWay[ACCESS_READ]++;
    }

    /** As {@link #swapRead}, for the write TLB (both entries are of the current epoch: they only change places). */
    private void swapWrite(int i) {
        if (Hart.CHECK_OWNER) h.checkOwner("swapWrite");
        long t = wTag[i];
        byte[] p = wPage[i];
        int f = wPhys[i];
        wTag[i] = w2Tag[i];
        wPage[i] = w2Page[i];
        wPhys[i] = w2Phys[i];
        w2Tag[i] = t;
        w2Page[i] = p;
        w2Phys[i] = f;
        secondWayHits[ACCESS_WRITE]++;
        if (MmuCounts.ON) MmuCounts.secondWay[ACCESS_WRITE]++;
    }

    /** Before a fill of slot {@code i}'s first read way with {@code tag}: its entry (if any, and another) moves to the second way. */
    private void keepRead(int i, long tag) {
        long t = rTag[i];
        if (t == -1 || t == tag) return;
        r2Tag[i] = t;
        r2Page[i] = rPage[i];
        r2Phys[i] = rPhys[i];
        secondWaysEmpty = false;
    }

    /** As {@link #keepRead}, for writes (an entry of this epoch moves, with the page {@code pageForWrite} granted it). */
    private void keepWrite(int i, long tag) {
        long t = wTag[i];
        if (t == -1 || t == tag) return;
        w2Tag[i] = t;
        w2Page[i] = wPage[i];
        w2Phys[i] = wPhys[i];
        secondWaysEmpty = false;
    }

    /**
     * With {@link #conflictWays}, before a fill of slot {@code i}'s first read way with {@code tag}: in a slot already
     * two-way, the evicted entry moves to the second way ({@link #keepRead}); otherwise a fill that brings back the tag
     * the slot's last fill evicted is a ping-pong, counted (a new count if the last was over {@link #CONFLICT_WINDOW}
     * walks ago), and the {@code conflictWays}-th makes the slot two-way, this fill's evicted entry the first to stay
     * ({@link #conflictKeeps}, the rule both data TLBs share).
     */
    private void conflictRead(int i, long tag) {
        if (conflictKeeps(i, rTag[i], tag, rOut, rPingAt, rPings, rTwo)) keepRead(i, tag);
    }

    /** As {@link #conflictRead}, for the write TLB (an entry of this epoch moves, as {@link #keepWrite}). */
    private void conflictWrite(int i, long tag) {
        if (conflictKeeps(i, wTag[i], tag, wOut, wPingAt, wPings, wTwo)) keepWrite(i, tag);
    }

    /**
     * The conflict ways' rule for slot {@code i} of one data TLB, whose first way holds {@code t} and whose counts are
     * the arrays passed in (the read TLB's or the write TLB's): whether the entry {@code t} is to move to the second way
     * before the fill with {@code tag} (the slot is two-way, or this fill's ping-pong made it so). Counts the ping-pong
     * and remembers {@code t} as the tag this fill evicts. The miss path only (round 80: one rule for both TLBs, where
     * round 79 had a copy per TLB; the hit paths' bytecode unchanged).
     */
    private boolean conflictKeeps(int i, long t, long tag, long[] out, long[] pingAt, int[] pings, boolean[] two) {
        if (t == -1 || t == tag) return false;
        if (two[i]) return true;
        boolean keep = false;
        if (out[i] == tag) {
            pings[i] = walks - pingAt[i] <= CONFLICT_WINDOW ? pings[i] + 1 : 1;
            pingAt[i] = walks;
            if (pings[i] >= conflictWays) {
                two[i] = true;
                conflictSlots++;
                if (MmuCounts.ON) MmuCounts.conflictSlots++;
                keep = true;
            }
        }
        out[i] = t;
        return keep;
    }

    private void allocateConflictWays() {
        rOut = new long[TLB_SIZE];
        wOut = new long[TLB_SIZE];
        rPingAt = new long[TLB_SIZE];
        wPingAt = new long[TLB_SIZE];
        rPings = new int[TLB_SIZE];
        wPings = new int[TLB_SIZE];
        rTwo = new boolean[TLB_SIZE];
        wTwo = new boolean[TLB_SIZE];
        Arrays.fill(rOut, -1);
        Arrays.fill(wOut, -1);
        conflictSlots = 0;
    }

    /** Sets {@link #conflictWays} (tests; the constructor takes {@code vmckpt.mmu.conflictWays}): every slot direct-mapped again, no count; flushes the TLB. */
    void setConflictWays(int n) {
        conflictWays = n;
        if (n != 0) {
            allocateConflictWays();
        } else {
            rOut = wOut = rPingAt = wPingAt = null;
            rPings = wPings = null;
            rTwo = wTwo = null;
            conflictSlots = 0;
        }
        flushTlb();
    }

    // ================================================================== MMU

    int effectiveDataPriv() {
        if (h.priv == PRIV_M && (h.mstatus & MPRV) != 0) return (int) ((h.mstatus & MPP) >>> MPP_SHIFT);
        return h.priv;
    }

    /** Recomputes the TLB tag contexts after a change of privilege, mstatus or satp. */
    void updateContexts() {
        h.events |= EVENT_FETCH_STALE;
        contextEpoch++;
        long mode = h.satp >>> 60;
        int dp = effectiveDataPriv();
        boolean sum = (h.mstatus & SUM) != 0;
        dataCtx = contextOf(dp, mode, sum, (h.mstatus & MXR) != 0) << 52 | tidOfContext(dp, mode, sum);
        fetchCtx = contextOf(h.priv, mode, false, false) << 52 | tidOfContext(h.priv, mode, false);
    }

    static long contextOf(int p, long mode, boolean sum, boolean mxr) {
        if (p == PRIV_M) return 1;
        if (mode == 0) return 16 | p; // bare S/U: same addresses as M, but PMP may allow them less
        return 8 | p | (sum ? 2 : 0) | (mxr ? 4 : 0);
    }

    static final long PTE_V = 1, PTE_R = 2, PTE_W = 4, PTE_X = 8, PTE_U = 16, PTE_G = 32, PTE_A = 64, PTE_D = 128;
    /** Whether the last successful walk's leaf was global (G in it or in a PTE above it); meaningful with paging only. */
    boolean lastLeafGlobal;
    static final long PPN_MASK = (1L << 44) - 1;

    /**
     * {@link #lastLeafLevel} after a {@link #translate} whose page PMP does not treat uniformly: the slow path's
     * post-fill call of {@link #noteSuperpage} then drops the entry it just filled, so that every access to the
     * page comes back here.
     */
    static final int PMP_PARTIAL_PAGE = 1 << 16;
    /** The access kind of that translation (which TLB the entry to drop is in). */
    int pmpPartialAccess;

    /**
     * Virtual to physical, with permission checks, A/D updates and PMP (for the page-table walk and for the
     * result). On failure sets {@link #trap} and returns 0. PMP judges the 4-byte granule holding the first byte.
     */
    long translate(long va, int access) {
        int p = access == ACCESS_EXEC ? h.priv : effectiveDataPriv();
        long pa = walk(va, access, p);
        if (h.trap) return pa;
        if (asidBits != 0 && !lastLeafGlobal && contextWithoutAsid(access, p)) {
            // An entry without an ASID must be global: from now on S-mode contexts carry the ASID (the slow path
            // installs this leaf's entry under the new context, read after this call).
            kernelTaggings++;
            if (MmuCounts.ON) MmuCounts.kernelTaggings++;
            kernelTagged = true;
            updateContexts();
        }
        if (!h.pmp.applies(p)) return pa;
        int allowed = h.pmp.check(pa, 1, p, access);
        if (allowed == Pmp.DENY) return accessFault(access, va);
        if (allowed == Pmp.ALLOW_HERE) {
            pmpPartialAccess = access;
            lastLeafLevel = PMP_PARTIAL_PAGE;
        }
        return pa;
    }

    long walk(long va, int access, int p) {
        if (!MmuCounts.ON) return walkTables(va, access, p);
        long t0 = System.nanoTime();
        long pa = walkTables(va, access, p);
        if (p != PRIV_M && (h.satp >>> 60) != 0) {
            MmuCounts.walks++;
            MmuCounts.walkNs += System.nanoTime() - t0;
        }
        return pa;
    }

    private long walkTables(long va, int access, int p) {
        long mode = h.satp >>> 60;
        lastLeafLevel = 0;
        if (p == PRIV_M || mode == 0) return va;
        walks++;
        int levels = mode == 8 ? 3 : 4;
        int vaBits = 12 + 9 * levels;
        long top = va >> (vaBits - 1);
        if (top != 0 && top != -1) return pageFault(access, va);
        long table = (h.satp & PPN_MASK) << 12;
        boolean global = false;
        for (int level = levels - 1; level >= 0; level--) {
            long vpn = (va >>> (12 + 9 * level)) & 0x1ff;
            long pteAddr = table + vpn * 8;
            if (!h.ram.contains(pteAddr, 8)) return accessFault(access, va);
            if (h.pmp.enabled() && h.pmp.check(pteAddr, 8, PRIV_S, ACCESS_READ) == Pmp.DENY) return accessFault(access, va);
            long pte = h.ram.read64(pteAddr);
            if (MmuCounts.ON) MmuCounts.pteReads++;
            if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0) || (pte >>> 54) != 0) {
                return pageFault(access, va);
            }
            global |= (pte & PTE_G) != 0; // G in a non-leaf PTE makes every mapping below it global
            if ((pte & (PTE_R | PTE_X)) == 0) {
                if ((pte & (PTE_A | PTE_D | PTE_U)) != 0) return pageFault(access, va);
                table = ((pte >>> 10) & PPN_MASK) << 12;
                continue;
            }
            boolean user = (pte & PTE_U) != 0;
            if (p == PRIV_U && !user) return pageFault(access, va);
            if (p == PRIV_S && user && (access == ACCESS_EXEC || (h.mstatus & SUM) == 0)) return pageFault(access, va);
            switch (access) {
                case ACCESS_READ:
                    if ((pte & PTE_R) == 0 && !((h.mstatus & MXR) != 0 && (pte & PTE_X) != 0)) return pageFault(access, va);
                    break;
                case ACCESS_WRITE:
                    if ((pte & PTE_W) == 0) return pageFault(access, va);
                    break;
                default:
                    if ((pte & PTE_X) == 0) return pageFault(access, va);
            }
            long ppn = (pte >>> 10) & PPN_MASK;
            if (level > 0 && (ppn & ((1L << (9 * level)) - 1)) != 0) return pageFault(access, va);
            long need = PTE_A | (access == ACCESS_WRITE ? PTE_D : 0);
            if ((pte & need) != need) {
                if (h.pmp.enabled() && h.pmp.check(pteAddr, 8, PRIV_S, ACCESS_WRITE) == Pmp.DENY) return accessFault(access, va);
                h.ram.write64(pteAddr, pte | need);
            }
            long pageMask = (1L << (12 + 9 * level)) - 1;
            lastLeafLevel = level;
            lastLeafGlobal = global;
            return ((ppn << 12) & ~pageMask) | (va & pageMask);
        }
        return pageFault(access, va);
    }

    long pageFault(int access, long va) {
        return h.fault(access == ACCESS_READ ? CAUSE_LOAD_PAGE_FAULT : access == ACCESS_WRITE ? CAUSE_STORE_PAGE_FAULT : CAUSE_FETCH_PAGE_FAULT, va);
    }

    long accessFault(int access, long va) {
        return h.fault(access == ACCESS_READ ? CAUSE_LOAD_ACCESS : access == ACCESS_WRITE ? CAUSE_STORE_ACCESS : CAUSE_FETCH_ACCESS, va);
    }

    public void flushTlb() {
        if (Hart.CHECK_OWNER) h.checkOwner("flushTlb");
        if (MmuCounts.ON) MmuCounts.flushAll();
        h.events |= EVENT_FETCH_STALE;
        contextEpoch++;
        superpageRegionCount = 0;
        superpageRegionsOverflowed = false;
        Arrays.fill(rTag, -1);
        Arrays.fill(wTag, -1);
        Arrays.fill(xTag, -1);
        Arrays.fill(rPage, null);
        Arrays.fill(wPage, null);
        Arrays.fill(xPage, null);
        writeTlbEmpty = true;
        if (!secondWaysEmpty) {
            if (MmuCounts.ON) MmuCounts.fullFlushesSecond++;
            Arrays.fill(r2Tag, -1);
            Arrays.fill(w2Tag, -1);
            Arrays.fill(r2Page, null);
            Arrays.fill(w2Page, null);
            secondWaysEmpty = true;
        }
        if (asidBits != 0) {
            // Nothing is cached under any id now: free them all, and give satp's ASID the first (the contexts follow).
            for (int t = 1; t <= tidsUsed; t++) tidOfAsid[asidOfTid[t]] = 0;
            tidsUsed = 0;
            kernelTagged = false;
            refreshTid();
            updateContexts();
        }
    }

    /**
     * sfence.vma x0, rs2 with ASIDs on: drops every entry filled under ASID {@code asidValue} (masked to the ASID bits),
     * in every context, and nothing else (no ASID-less global entry, no other ASID's).
     */
    void flushAsid(long asidValue) {
        if (Hart.CHECK_OWNER) h.checkOwner("flushAsid");
        asidFences++;
        if (MmuCounts.ON) MmuCounts.asidFences++;
        h.events |= EVENT_FETCH_STALE;
        contextEpoch++;
        int t = tidOfAsid[(int) asidValue & ((1 << asidBits) - 1)];
        if (t == 0) return; // nothing is cached under it since the last full flush
        long tb = (long) t << TID_SHIFT;
        for (int i = 0; i < TLB_SIZE; i++) {
            if ((rTag[i] & TID_MASK) == tb) { rTag[i] = -1; rPage[i] = null; }
            if ((wTag[i] & TID_MASK) == tb) { wTag[i] = -1; wPage[i] = null; }
            if ((xTag[i] & TID_MASK) == tb) { xTag[i] = -1; xPage[i] = null; }
        }
        if (secondWaysEmpty) return;
        for (int i = 0; i < TLB_SIZE; i++) {
            if ((r2Tag[i] & TID_MASK) == tb) { r2Tag[i] = -1; r2Page[i] = null; }
            if ((w2Tag[i] & TID_MASK) == tb) { w2Tag[i] = -1; w2Page[i] = null; }
        }
    }

    /**
     * sfence.vma rs1, rs2 with ASIDs on: drops the entries of page {@code va} filled under ASID {@code asidValue}; if
     * the page may lie in a cached superpage, every entry of that ASID ({@link #flushAsid}).
     */
    void flushAsidPage(long va, long asidValue) {
        if (Hart.CHECK_OWNER) h.checkOwner("flushAsidPage");
        long region = va >> 30;
        boolean inSuperpage = superpageRegionsOverflowed;
        for (int k = 0; k < superpageRegionCount; k++) if (superpageRegions[k] == region) inSuperpage = true;
        if (inSuperpage) {
            flushAsid(asidValue);
            return;
        }
        asidPageFences++;
        if (MmuCounts.ON) MmuCounts.asidPageFences++;
        h.events |= EVENT_FETCH_STALE;
        contextEpoch++;
        int t = tidOfAsid[(int) asidValue & ((1 << asidBits) - 1)];
        if (t == 0) return;
        long want = (va >>> 12) | (long) t << TID_SHIFT;
        long mask = VPN_MASK | TID_MASK;
        int i = (int) (va >>> 12) & TLB_MASK;
        if ((rTag[i] & mask) == want) { rTag[i] = -1; rPage[i] = null; }
        if ((wTag[i] & mask) == want) { wTag[i] = -1; wPage[i] = null; }
        if ((xTag[i] & mask) == want) { xTag[i] = -1; xPage[i] = null; }
        if ((r2Tag[i] & mask) == want) { r2Tag[i] = -1; r2Page[i] = null; }
        if ((w2Tag[i] & mask) == want) { w2Tag[i] = -1; w2Page[i] = null; }
    }

    /**
     * Remembers that a TLB entry for {@code va} was cut from a superpage (see {@link #superpageRegions}); or, after a
     * translation PMP marked {@link #PMP_PARTIAL_PAGE}, drops that entry. The slow paths call it right after filling
     * an entry whenever {@link #lastLeafLevel} is positive.
     */
    void noteSuperpage(long va) {
        if (lastLeafLevel == PMP_PARTIAL_PAGE) {
            // Not a superpage: PMP decides parts of this page differently. Drop the entry just filled (its page
            // array stays, as the slow path may still read through it for this access).
            int i = (int) (va >>> 12) & TLB_MASK;
            if (pmpPartialAccess == ACCESS_READ) rTag[i] = -1;
            else if (pmpPartialAccess == ACCESS_WRITE) wTag[i] = -1;
            else xTag[i] = -1;
            return;
        }
        long region = va >> 30;
        for (int k = 0; k < superpageRegionCount; k++) if (superpageRegions[k] == region) return;
        if (superpageRegionCount == superpageRegions.length) {
            superpageRegionsOverflowed = true;
            return;
        }
        superpageRegions[superpageRegionCount++] = region;
    }

    /**
     * sfence.vma with an address: drops the translations of that page in every context. Entries are indexed by
     * virtual page only, so that is one slot per TLB; if the page may lie in a cached superpage, flush all.
     */
    void flushTlbPage(long va) {
        if (Hart.CHECK_OWNER) h.checkOwner("flushTlbPage");
        h.events |= EVENT_FETCH_STALE;
        contextEpoch++;
        long region = va >> 30;
        boolean inSuperpage = superpageRegionsOverflowed;
        for (int k = 0; k < superpageRegionCount; k++) if (superpageRegions[k] == region) inSuperpage = true;
        if (MmuCounts.ON) MmuCounts.pageFlushes++;
        if (inSuperpage) {
            if (MmuCounts.ON) MmuCounts.pageFlushesAll++;
            flushTlb();
            return;
        }
        int i = (int) (va >>> 12) & TLB_MASK;
        long vpn = va >>> 12;
        if (MmuCounts.ON) MmuCounts.pageFlush(vpn, rTag[i], wTag[i], xTag[i]);
        rTag[i] = -1; rPage[i] = null;
        wTag[i] = -1; wPage[i] = null;
        xTag[i] = -1; xPage[i] = null;
        r2Tag[i] = -1; r2Page[i] = null;
        w2Tag[i] = -1; w2Page[i] = null;
    }

    /** The virtual page number's bits of a TLB tag (below the context's bits 52..63). */
    static final long VPN_MASK = (1L << 52) - 1;

    /** Whether the fetch TLB maps {@code pc} to the guest physical address {@code key} (a {@link CodeCache} key). */
    boolean fetchesFrom(long pc, long key) {
        long vpn = pc >>> 12;
        int ti = (int) vpn & TLB_MASK;
        return xTag[ti] == (vpn | fetchCtx) && (((long) xPhys[ti] << 12) | (pc & 0xfff)) == key;
    }

    /** Drops every cached write mapping of page {@code pageIndex} (a new code page, or one filled from a known source). */
    void dropWriteMappings(int pageIndex) {
        if (Hart.CHECK_OWNER) h.checkOwner("dropWriteMappings");
        if (writeTlbEmpty) return;
        if (MmuCounts.ON) MmuCounts.dropScans++;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (wPhys[i] == pageIndex && wPage[i] != null) { wTag[i] = -1; wPage[i] = null; }
        }
        if (secondWaysEmpty) return;
        if (MmuCounts.ON) MmuCounts.dropScansSecond++;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (w2Phys[i] == pageIndex && w2Page[i] != null) { w2Tag[i] = -1; w2Page[i] = null; }
        }
    }

    void flushWriteMappings() {
        if (Hart.CHECK_OWNER) h.checkOwner("flushWriteMappings");
        if (MmuCounts.ON) MmuCounts.writeFlushes++;
        Arrays.fill(wTag, -1);
        Arrays.fill(wPage, null);
        if (!secondWaysEmpty) {
            Arrays.fill(w2Tag, -1);
            Arrays.fill(w2Page, null);
        }
        writeTlbEmpty = true;
    }

    void pageReplaced(int pageIndex) {
        if (Hart.CHECK_OWNER) h.checkOwner("pageReplaced");
        if (MmuCounts.ON) MmuCounts.pagesReplaced++;
        h.events |= EVENT_FETCH_STALE;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (rPhys[i] == pageIndex && rPage[i] != null) { rTag[i] = -1; rPage[i] = null; }
            if (wPhys[i] == pageIndex && wPage[i] != null) { wTag[i] = -1; wPage[i] = null; }
            if (xPhys[i] == pageIndex && xPage[i] != null) { xTag[i] = -1; xPage[i] = null; }
        }
        if (secondWaysEmpty) return;
        for (int i = 0; i < TLB_SIZE; i++) {
            if (r2Phys[i] == pageIndex && r2Page[i] != null) { r2Tag[i] = -1; r2Page[i] = null; }
            if (w2Phys[i] == pageIndex && w2Page[i] != null) { w2Tag[i] = -1; w2Page[i] = null; }
        }
    }
}
