package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The data TLBs' second way (rounds 71-74; since round 84 filled only by the conflict ways, {@link Mmu#conflictWays}, on
 * by default: a slot is made two-way here by one ping-pong with N = 1, {@link #twoWaySlot}, where round 72's
 * {@code -Dvmckpt.mmu.twoWay}, retired, made every slot two-way): two pages whose virtual addresses share a two-way slot
 * alternate without walks once each has missed, the page used last in the first way, and nothing the second way holds outlives what
 * drops the first way's entries (a freeze or a new epoch: no write entry of an earlier epoch; page, full and ASID
 * fences, PMP and satp writes, a page replaced by copy-on-write, a page becoming code, a restore).
 *
 * <p>As {@link HartTlbTest}: programs run in M-mode with bare fetch, and data accesses translate through MPRV (as U, on
 * user pages). The test changes page tables from outside
 * between pieces; where a piece would read a stale value (no fence since the PTE changed) it is one the architecture
 * allows, and shows what the TLB kept.
 */
class SecondWayTlbTest {
    static final long BASE = 0x8000_0000L;
    static final long ROOT = BASE + 0x10000, L1 = ROOT + 0x1000;
    /** Data pages (physical); page k holds {@code value(k)} in its first doubleword. */
    static final long DATA = BASE + 0x100000;
    static final long VA = 0x4000_0000L;
    /** The TLB's reach: pages this far apart share a slot. */
    static final long REACH = (long) Hart.TLB_SIZE << 12;
    static final long VB = VA + REACH, VC = VA + 2 * REACH;
    static final long USER = 0xD7; // V R W A D U
    static final long CODE_S = 0xCB; // V R X A D

    GuestMemory mem;
    Hart hart;
    long at;
    final Map<Long, Long> l0Tables = new HashMap<>();

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 16 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.mmu.setConflictWays(1); // one ping-pong makes a slot two-way (twoWaySlot); 0 in the "off" runs: main's direct-mapped TLB
        hart.pc = BASE;
        at = BASE;
        l0Tables.clear();
        for (int k = 0; k < 16; k++) mem.write64(phys(k), value(k));
    }

    static long phys(int k) {
        return DATA + k * 0x1000L;
    }

    static long value(int k) {
        return 0x100 + k;
    }

    /** Maps {@code va} to {@code pa} with {@code flags} (one L0 table per 2 MiB region). */
    static void map(GuestMemory mem, Map<Long, Long> l0Tables, long va, long pa, long flags) {
        long region = va >>> 21;
        Long l0 = l0Tables.get(region);
        if (l0 == null) {
            l0 = L1 + 0x1000L * (1 + l0Tables.size());
            l0Tables.put(region, l0);
        }
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((L1 >>> 12) << 10) | 1);
        mem.write64(L1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | flags);
    }

    void map(long va, int page) {
        map(mem, l0Tables, va, phys(page), USER);
    }

    static long satp(int asid) {
        return (8L << 60) | ((long) asid << 44) | (ROOT >>> 12);
    }

    static int sfence(int rs1, int rs2) {
        return r(0x09, rs2, rs1, 0, 0, 0x73);
    }

    static int jalr(int rd, int rs1, int imm) {
        return i(imm, rs1, 0, rd, 0x67);
    }

    /** Sv39 at ROOT with ASID {@code asid}; data accesses as U (MPRV, MPP = U). */
    static Asm userData(int asid) {
        Asm a = new Asm();
        a.li(1, satp(asid)).emit(csrrw(0, SATP, 1));
        a.li(1, MPRV | ((long) Hart.PRIV_U << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        return a;
    }

    static Asm load(Asm a, int rd, long va) {
        return a.li(2, va).emit(ld(rd, 2, 0));
    }

    static Asm store(Asm a, long va, long v) {
        return a.li(2, va).li(3, v).emit(sd(3, 2, 8));
    }

    void run(Asm a) {
        mem.writeBytes(at, a.bytes(), 0, a.size());
        hart.pc = at;
        long end = at + a.size();
        for (int k = 0; k < 5000 && hart.pc != end; k++) hart.run(1);
        assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
        at = (end + 0xff) & ~0xffL;
    }

    int slot(long va) {
        return (int) (va >>> 12) & Hart.TLB_MASK;
    }

    /**
     * Makes the read and write slot of VA, VB and VC two-way through the conflict ways (setUp's N = 1): VA and VB (mapped
     * by the caller) each loaded and stored in turn, VA, VB, VA (the third fill of each TLB brings back the page the
     * second evicted: a ping-pong), then a full flush of the TLB (its entries go, the slot's flag stays: ConflictWaysTest).
     * So the test starts from an empty TLB whose slot keeps the page a fill evicts, as round 72's two-way TLB did. The
     * stores write 0 over the pages' second doubleword, which is 0.
     */
    void twoWaySlot() {
        Asm a = userData(0);
        load(a, 5, VA);
        load(a, 5, VB);
        load(a, 5, VA);
        store(a, VA, 0);
        store(a, VB, 0);
        store(a, VA, 0);
        run(a);
        hart.mmu.flushTlb();
        assertTrue(hart.mmu.rTwo[slot(VA)] && hart.mmu.wTwo[slot(VA)], "the slot is two-way");
        assertEquals(0, hart.mmu.secondWayHits[Hart.ACCESS_READ] + hart.mmu.secondWayHits[Hart.ACCESS_WRITE]);
    }

    /** The second way of {@code va}'s slot holds {@code va}'s read (write) entry under the current data context. */
    boolean readInSecondWay(long va) {
        return hart.mmu.r2Tag[slot(va)] == ((va >>> 12) | hart.mmu.dataCtx);
    }

    boolean writeInSecondWay(long va) {
        return hart.mmu.w2Tag[slot(va)] == ((va >>> 12) | hart.mmu.dataCtx);
    }

    boolean writeInFirstWay(long va) {
        return hart.mmu.wTag[slot(va)] == ((va >>> 12) | hart.mmu.dataCtx);
    }

    boolean readInFirstWay(long va) {
        return hart.mmu.rTag[slot(va)] == ((va >>> 12) | hart.mmu.dataCtx);
    }

    /**
     * Two data pages sharing a slot, read and written in turn: four walks (each page's first load and store), then none;
     * the interpreter's inline second-way hits (the fast loop's and the general loop's) swap the ways, each counted
     * (round 74; they served in place before).
     */
    @Test
    void twoPagesSharingASlotAlternateWithoutWalks() {
        for (int run = 0; run < 3; run++) {
            boolean on = run < 2, fastLoop = run != 1;
            setUp();
            if (!on) hart.mmu.setConflictWays(0);
            hart.setInterpreterFastLoop(fastLoop);
            String where = (on ? "on" : "off") + (fastLoop ? ", fast loop" : ", general loop");
            map(VA, 1);
            map(VB, 2);
            if (on) twoWaySlot();
            int rounds = 16;
            Asm a = userData(0);
            for (int k = 0; k < rounds; k++) {
                load(a, 5, VA).emit(sd(5, 2, 8));
                load(a, 6, VB).emit(sd(6, 2, 8));
            }
            long walks = hart.mmu.walks;
            run(a);
            assertEquals(value(1), hart.x[5]);
            assertEquals(value(2), hart.x[6]);
            assertEquals(value(1), mem.read64(phys(1) + 8));
            assertEquals(value(2), mem.read64(phys(2) + 8));
            long expected = on ? 4 : 4L * rounds;
            assertEquals(expected, hart.mmu.walks - walks, "walks with the second way " + where);
            if (on) {
                // After the first round (four walks), each access finds its page in the second way and swaps: VB, used
                // last, in the first way.
                assertTrue(readInSecondWay(VA) && readInFirstWay(VB), where + ": VB, used last, in the first way");
                assertTrue(writeInSecondWay(VA) && writeInFirstWay(VB), where);
                assertEquals(2L * (rounds - 1), hart.mmu.secondWayHits[Hart.ACCESS_READ], where + ": each load after the first round a swap");
                assertEquals(2L * (rounds - 1), hart.mmu.secondWayHits[Hart.ACCESS_WRITE], where + ": each store after the first round a swap");
            }
        }
        // A third page in the slot takes the way of the page used least recently: VA, VB, VC, VB, VC walk three times.
        setUp();
        map(VA, 1);
        map(VB, 2);
        map(VC, 3);
        twoWaySlot();
        Asm a = userData(0);
        load(a, 5, VA);
        load(a, 6, VB);
        load(a, 7, VC);
        load(a, 8, VB);
        load(a, 9, VC);
        long walks = hart.mmu.walks;
        run(a);
        assertEquals(3, hart.mmu.walks - walks);
        assertEquals(value(3), hart.x[9]);
        assertEquals(value(2), hart.x[8]);
        assertFalse(readInFirstWay(VA) || readInSecondWay(VA), "VA was evicted");
    }

    /**
     * The slow paths (Mmu.load64/store64, as the units' calls and the interpreter's misses reach them) serve a page the
     * second way holds without a walk, and the ways swap (round 73: the first way holds the page used last, so a hot
     * page never stays behind a cold one in the second way, each access a slow path); a fill takes the least recently
     * used way.
     */
    @Test
    void theSlowPathsServeTheSecondWayAndSwap() {
        map(VA, 1);
        map(VB, 2);
        map(VC, 3);
        twoWaySlot();
        run(load(userData(0), 5, VA).emit(sd(5, 2, 8)));
        run(load(new Asm(), 6, VB).emit(sd(6, 2, 8)));
        long walks = hart.mmu.walks;
        for (int k = 0; k < 5; k++) {
            assertEquals(value(1), hart.mmu.load64(VA));
            hart.mmu.store64(VA + 16, 0x99 + k);
            assertEquals(value(2), hart.mmu.load64(VB));
        }
        assertEquals(0, hart.mmu.walks - walks, "no walk");
        assertEquals(10, hart.mmu.secondWayHits[Hart.ACCESS_READ], "VA and VB in turn: each load swapped the read ways");
        assertEquals(1, hart.mmu.secondWayHits[Hart.ACCESS_WRITE], "VA's write entry swapped in once, then hit");
        assertTrue(writeInFirstWay(VA) && writeInSecondWay(VB));
        assertEquals(0x99 + 4, mem.read64(phys(1) + 16));
        assertTrue(readInSecondWay(VA) && readInFirstWay(VB), "VB, read last, in the first way");
        assertSame(mem.peekPage(mem.pageIndexOf(phys(1))), hart.mmu.r2Page[slot(VA)], "the second way holds VA's page");
        // VC's fill takes the least recently used way (VA's), VB moves to the second way.
        assertEquals(value(3), hart.mmu.load64(VC));
        assertFalse(readInFirstWay(VA) || readInSecondWay(VA), "VA evicted");
        assertTrue(readInSecondWay(VB) && readInFirstWay(VC));
    }

    /**
     * The write-TLB discipline: a freeze (a live checkpoint's) and a new epoch (the dirty log's) leave no write entry
     * in the second way, so the next store to its page reaches {@code pageForWrite}: it is marked dirty and copied
     * before it changes, and the frozen view keeps the old contents.
     */
    @Test
    void aFreezeOrANewEpochLeavesNoSecondWayWriteEntry() {
        for (boolean freeze : new boolean[]{true, false}) {
            setUp();
            map(VA, 1);
            map(VB, 2);
            twoWaySlot();
            int p1 = mem.pageIndexOf(phys(1));
            Asm a = userData(0);
            store(a, VA, 0x55);
            store(a, VB, 0x66);
            run(a);
            assertTrue(writeInSecondWay(VA), "VA's write entry moved to the second way");
            FrozenMemory view = null;
            if (freeze) view = mem.freeze();
            else mem.startNewEpoch();
            int left = 0;
            for (int i = 0; i < Hart.TLB_SIZE; i++) if (hart.mmu.w2Tag[i] != -1) left++;
            assertFalse(mem.isDirty(p1));
            run(store(new Asm(), VA, 0x77));
            assertTrue(mem.isDirty(p1), "the store reached pageForWrite (freeze " + freeze + ")");
            assertEquals(0, left, "second-way write entries after the " + (freeze ? "freeze" : "new epoch"));
            assertEquals(0x77, mem.read64(phys(1) + 8));
            if (view != null) {
                assertEquals(0x55, ByteBuffer.wrap(view.page(p1)).order(ByteOrder.LITTLE_ENDIAN).getLong(8), "the frozen view keeps the old page");
                view.release();
            }
        }
    }

    /**
     * The slow paths' swap ({@code Mmu.loadSlow}/{@code storeSlow}; round 75: translated code of both tiers is built as
     * without the switch, so a hot unit's miss stub calls the slow path as on main, and this swap is what serves it): the
     * ways of the slot change places when the second holds the page (then the first way holds it, and the page that
     * was there is in the second), with no walk, and the access sees the page's bytes; and a write entry swapped into
     * the first way is still one of the current epoch: after a freeze neither way holds a write entry, and the next store
     * to the page reaches {@code pageForWrite}.
     */
    @Test
    void theSlowPathsSwapChangesPlacesAndKeepsTheWriteDiscipline() {
        map(VA, 1);
        map(VB, 2);
        twoWaySlot();
        int p1 = mem.pageIndexOf(phys(1));
        Asm a = userData(0);
        load(a, 5, VA);
        store(a, VA, 0x55);
        load(a, 6, VB);
        store(a, VB, 0x66);
        run(a);
        assertTrue(readInSecondWay(VA) && writeInSecondWay(VA) && readInFirstWay(VB));
        Mmu m = hart.mmu;
        long walks = m.walks, reads = m.secondWayHits[Hart.ACCESS_READ], writes = m.secondWayHits[Hart.ACCESS_WRITE];
        assertEquals(0x55, m.load64(VA + 8), "the load through the second way sees VA's page");
        assertTrue(readInFirstWay(VA) && readInSecondWay(VB), "the ways changed places");
        assertSame(mem.peekPage(p1), m.rPage[slot(VA)]);
        assertEquals(0x55, m.load64(VA + 8));
        assertEquals(1, m.secondWayHits[Hart.ACCESS_READ] - reads, "one swap, then a first-way hit");
        m.store64(VA + 16, 0x99);
        assertTrue(writeInFirstWay(VA) && writeInSecondWay(VB), "the write ways changed places");
        m.store64(VA + 24, 0x9a);
        assertEquals(1, m.secondWayHits[Hart.ACCESS_WRITE] - writes, "one swap, then a first-way hit");
        assertEquals(0x99, mem.read64(phys(1) + 16), "the store through the second way reached VA's page");
        assertEquals(0, m.walks - walks, "no walk");
        mem.freeze().release();
        for (int i = 0; i < Hart.TLB_SIZE; i++) {
            assertEquals(-1, m.wTag[i], "first-way write entry after the freeze at " + i);
            assertEquals(-1, m.w2Tag[i], "second-way write entry after the freeze at " + i);
        }
        assertFalse(mem.isDirty(p1));
        run(store(new Asm(), VA, 0x77));
        assertTrue(mem.isDirty(p1), "the store reached pageForWrite");
        assertEquals(0x77, mem.read64(phys(1) + 8));
    }

    /** A page becoming a code page (Mmu.dropWriteMappings) loses its second-way write entry: its next store is memory's. */
    @Test
    void aNewCodePageLosesItsSecondWayWriteEntry() {
        map(VA, 1);
        map(VB, 2);
        twoWaySlot();
        int p1 = mem.pageIndexOf(phys(1));
        Asm a = userData(0);
        store(a, VA, 0x55);
        store(a, VB, 0x66);
        run(a);
        assertTrue(writeInSecondWay(VA));
        mem.markCodePage(p1);
        hart.dropWriteMappings(p1); // as CodeCache does when it marks a code page
        assertFalse(writeInSecondWay(VA));
        run(store(new Asm(), VA, 0x77));
        assertFalse(mem.isCodePage(p1), "the store went through pageForWrite, which dropped the page's code");
        assertEquals(0x77, mem.read64(phys(1) + 8));
    }

    /** A copy-on-write replaces a frozen page's array: the second way's read entry of the old array goes. */
    @Test
    void aPageReplacedByCopyOnWriteLosesItsSecondWayReadEntry() {
        map(VA, 1);
        map(VB, 2);
        twoWaySlot();
        Asm a = userData(0);
        load(a, 5, VA);
        load(a, 6, VB);
        run(a);
        assertTrue(readInSecondWay(VA));
        FrozenMemory view = mem.freeze();
        Asm b = store(new Asm(), VA, 0x77); // the write TLB misses: pageForWrite copies the page
        b.emit(ld(7, 2, 8));
        run(b);
        assertEquals(0x77, hart.x[7], "the load reads the page memory holds now, not the frozen one");
        view.release();
    }

    /** What drops the second way's entry of a page that was remapped (the load after it must walk and see the new page). */
    enum Drop { PAGE_FENCE, FULL_FENCE, ASID_FENCE, ASID_PAGE_FENCE, SATP_WRITE, PMP_WRITE, RESTORE }

    @Test
    void everyDropOfThePageDropsItsSecondWayEntry() throws Exception {
        for (Drop d : Drop.values()) {
            setUp();
            boolean asids = d == Drop.ASID_FENCE || d == Drop.ASID_PAGE_FENCE;
            if (asids) hart.mmu.setAsidBits(16);
            map(VA, 1);
            map(VB, 2);
            twoWaySlot();
            Asm a = userData(asids ? 1 : 0);
            load(a, 5, VA);
            load(a, 6, VB);
            run(a);
            assertTrue(readInSecondWay(VA), d + ": VA in the second way");
            map(VA, 3); // no fence yet: the TLB may keep the old mapping
            run(load(new Asm(), 7, VA));
            assertEquals(value(1), hart.x[7], d + ": the second way kept the old mapping until the drop");
            Asm b = new Asm();
            switch (d) {
                case PAGE_FENCE:
                case FULL_FENCE: b.emit(SFENCE_VMA); break;
                case ASID_FENCE: b.li(4, 1).emit(sfence(0, 4)); break;
                case ASID_PAGE_FENCE: b.li(4, VA).li(5, 1).emit(sfence(4, 5)); break;
                case SATP_WRITE: b.li(1, satp(0)).emit(csrrw(0, SATP, 1)); break;
                case PMP_WRITE: b.li(1, (1L << 54) - 1).emit(csrrw(0, Pmp.PMPADDR0, 1)).li(1, 0x1f).emit(csrrw(0, Pmp.PMPCFG0, 1)); break;
                default: break;
            }
            // (the load above swapped VA into the first way; this load of VB swaps it back to the second)
            Asm swap = load(new Asm(), 6, VB);
            run(swap);
            assertTrue(readInSecondWay(VA), d + ": VA in the second way again");
            if (d == Drop.RESTORE) {
                StateWriter w = new StateWriter();
                hart.saveState(w);
                hart.loadState(new StateReader("hart0", w.toByteArray()), hart.stateVersion());
            } else {
                run(b);
            }
            boolean kept = readInSecondWay(VA);
            run(load(new Asm(), 8, VA));
            assertEquals(value(3), hart.x[8], d + ": the load after the drop walks to the new page");
            assertFalse(kept, d + ": the second way's entry of VA dropped");
        }
    }

    /**
     * Random loads and stores over pages that share slots three to a slot, with remaps (each followed by a fence of the
     * page or of all), new epochs and freezes between pieces, on two machines alike but for the second way: the same registers, memory, dirty bits and frozen views after every piece.
     */
    @Test
    void randomAccessesGiveTheSameStateWithTheSecondWayAsWithout() {
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed * 977);
            Twin on = new Twin(true), off = new Twin(false);
            randomPieces(seed, rnd, on, off, false);
            assertTrue(on.hart.mmu.walks < off.hart.mmu.walks * 3 / 4, "seed " + seed + ": walks " + on.hart.mmu.walks + " against " + off.hart.mmu.walks);
        }
    }

    /**
     * The random tests' run (here and ConflictWaysTest's, round 80: one copy): pages three to a slot (4 at each of VA, VB
     * and VC over 16 physical pages) mapped alike on both twins, then 80 pieces of 24 random loads and stores, each piece
     * with, by a draw, a remap (then a fence of the page or of all, before any access), a new epoch, or a freeze after it;
     * after every piece both twins hold the same registers, memory, dirty bits and frozen views. {@code pairs}: a piece's
     * accesses alternate between two of the three bases (one in four at any of them), so that slots ping-pong (the
     * conflict ways learn); else every access's base is drawn alike.
     */
    static void randomPieces(long seed, Random rnd, Twin on, Twin off, boolean pairs) {
        long[] bases = {VA, VB, VC};
        int pages = 4, phys = 16;
        int[][] mapped = new int[3][pages];
        for (int b = 0; b < 3; b++) {
            for (int k = 0; k < pages; k++) {
                mapped[b][k] = (b * pages + k) % phys;
                for (Twin t : new Twin[]{on, off}) t.map(bases[b] + k * 0x1000L, mapped[b][k]);
            }
        }
        Asm init = userData(0);
        on.run(BASE, init);
        off.run(BASE, init);
        for (int piece = 0; piece < 80; piece++) {
            Asm a = new Asm();
            int what = rnd.nextInt(7);
            if (what == 0) { // remap a page, then fence it or all before any access
                int b = rnd.nextInt(3), k = rnd.nextInt(pages);
                mapped[b][k] = rnd.nextInt(phys);
                long va = bases[b] + k * 0x1000L;
                for (Twin t : new Twin[]{on, off}) t.map(va, mapped[b][k]);
                if (rnd.nextBoolean()) a.li(3, va).emit(sfence(3, 0));
                else a.emit(SFENCE_VMA);
            }
            int b1 = pairs ? rnd.nextInt(3) : 0, b2 = pairs ? (b1 + 1 + rnd.nextInt(2)) % 3 : 0;
            for (int n = 0; n < 24; n++) {
                int b = !pairs ? rnd.nextInt(3) : rnd.nextInt(4) == 0 ? rnd.nextInt(3) : n % 2 == 0 ? b1 : b2;
                long va = bases[b] + rnd.nextInt(pages) * 0x1000L + rnd.nextInt(512) * 8;
                a.li(2, va);
                if (rnd.nextInt(3) == 0) a.li(3, rnd.nextLong()).emit(sd(3, 2, 0));
                else a.emit(ld(4 + n % 8, 2, 0));
            }
            if (what == 1) for (Twin t : new Twin[]{on, off}) t.mem.startNewEpoch();
            long at = BASE + 0x1000 + (piece % 4) * 0x1000L;
            on.run(at, a);
            off.run(at, a);
            if (what == 2) { // a freeze, as a checkpoint's
                for (Twin t : new Twin[]{on, off}) {
                    if (t.view != null) t.view.release();
                    t.view = t.mem.freeze();
                }
            }
            String where = "seed " + seed + " piece " + piece;
            assertArrayEquals(off.hart.x, on.hart.x, where);
            for (int k = 0; k < phys; k++) {
                int idx = off.mem.pageIndexOf(phys(k));
                assertArrayEquals(off.mem.peekPage(idx), on.mem.peekPage(idx), where + " page " + k);
                assertEquals(off.mem.isDirty(idx), on.mem.isDirty(idx), where + " dirty " + k);
                if (off.view != null) assertArrayEquals(off.view.page(idx), on.view.page(idx), where + " frozen " + k);
            }
        }
    }

    /** A machine of its own for the random test. */
    static final class Twin {
        final GuestMemory mem = new GuestMemory(BASE, 16 << 20);
        final Hart hart = new Hart(0, new Bus(mem), () -> 0);
        final Map<Long, Long> l0Tables = new HashMap<>();
        FrozenMemory view;

        Twin(boolean twoWay) {
            hart.mmu.setConflictWays(twoWay ? 1 : 0); // (as setUp's: one ping-pong makes a slot two-way; 0: main's direct-mapped TLB)
            for (int k = 0; k < 16; k++) mem.write64(phys(k), value(k));
        }

        void map(long va, int page) {
            SecondWayTlbTest.map(mem, l0Tables, va, phys(page), USER);
        }

        void run(long at, Asm a) {
            mem.writeBytes(at, a.bytes(), 0, a.size());
            hart.pc = at;
            long end = at + a.size();
            for (int k = 0; k < 10_000 && hart.pc != end; k++) hart.run(1);
            assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
        }
    }}
