package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.SecondWayTlbTest.*;

/**
 * The conflict ways (round 79; {@code -Dvmckpt.mmu.conflictWays=N}, {@link Mmu#conflictWays}, 256 by default since round 80): a data
 * slot is direct-mapped, as on main, until {@code N} ping-pongs in a row (a fill bringing back the page the slot's last
 * fill evicted, each within {@link Mmu#CONFLICT_WINDOW} walks of the last) make it two-way; then its two pages stay, the
 * page used last in the first way, as with {@link Mmu#twoWay}. Ping-pongs far apart do not add up; a full flush drops
 * the entries but not the slot's flag; the write discipline holds (a freeze or a new epoch leaves no write entry in
 * either way); random accesses give main's state.
 */
class ConflictWaysTest {
    static final int N = 8;

    GuestMemory mem;
    Hart hart;
    Mmu m;
    final Map<Long, Long> l0Tables = new HashMap<>();
    long at;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 16 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        m = hart.mmu;
        m.setConflictWays(N);
        l0Tables.clear();
        at = BASE;
        for (int k = 0; k < 16; k++) mem.write64(phys(k), value(k));
    }

    void map(long va, int page) {
        SecondWayTlbTest.map(mem, l0Tables, va, phys(page), USER);
    }

    void run(Asm a) {
        mem.writeBytes(at, a.bytes(), 0, a.size());
        hart.pc = at;
        long end = at + a.size();
        for (int k = 0; k < 20_000 && hart.pc != end; k++) hart.run(1);
        assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
        at = (end + 0xff) & ~0xffL;
    }

    static int slot(long va) {
        return (int) (va >>> 12) & Hart.TLB_MASK;
    }

    /** Sv39, data as U through MPRV; the slow paths (Mmu.load64/store64) then translate as the guest's U-mode accesses. */
    void pagedUserData() {
        run(userData(0));
    }

    /**
     * Two pages sharing a slot, in turn through the slow paths (as a hot unit's miss calls reach them): the first {@code
     * N + 2} fills of each kind walk (each a ping-pong from the third on), the {@code N}-th ping-pong makes the slot
     * two-way, and every later access is a swap, no walk. With the switch at 0 (main): a walk every access, nothing in
     * the second way.
     */
    @Test
    void aSlotThatPingPongsBecomesTwoWay() {
        for (int n : new int[]{N, 0}) {
            setUp();
            m.setConflictWays(n);
            map(VA, 1);
            map(VB, 2);
            pagedUserData();
            long walks = m.walks;
            int rounds = 50;
            for (int k = 0; k < rounds; k++) {
                assertEquals(value(1), m.load64(VA));
                assertEquals(value(2), m.load64(VB));
            }
            String where = "conflictWays=" + n;
            if (n == 0) {
                assertEquals(2L * rounds, m.walks - walks, where + ": every load a walk, as on main");
                assertEquals(0, m.secondWayHits[Hart.ACCESS_READ], where);
                for (int i = 0; i < Hart.TLB_SIZE; i++) assertEquals(-1, m.r2Tag[i], where + ": nothing in a second way");
                assertNull(m.rTwo, where + ": no conflict state");
                continue;
            }
            assertEquals(N + 2, m.walks - walks, where + ": N + 2 walks, then none");
            assertEquals(2L * rounds - (N + 2), m.secondWayHits[Hart.ACCESS_READ], where + ": every later load a swap");
            assertTrue(m.rTwo[slot(VA)], where + ": the slot is two-way");
            assertEquals(1, m.conflictSlots);
            long tag = (VB >>> 12) | m.dataCtx;
            assertEquals(tag, m.rTag[slot(VB)], "VB, used last, in the first way");
            // Stores: the write TLB's slot learns on its own.
            walks = m.walks;
            for (int k = 0; k < rounds; k++) {
                m.store64(VA + 8, k);
                m.store64(VB + 8, -k);
            }
            assertEquals(N + 2, m.walks - walks, where + ": stores: N + 2 walks, then none");
            assertEquals(2L * rounds - (N + 2), m.secondWayHits[Hart.ACCESS_WRITE], where);
            assertTrue(m.wTwo[slot(VA)]);
            assertEquals(2, m.conflictSlots);
            assertEquals(rounds - 1, mem.read64(phys(1) + 8));
            assertEquals(-(rounds - 1), mem.read64(phys(2) + 8));
            // Other slots stay direct-mapped.
            for (int i = 0; i < Hart.TLB_SIZE; i++) if (i != slot(VA)) assertFalse(m.rTwo[i] || m.wTwo[i], "slot " + i);
        }
    }

    /**
     * Ping-pongs more than {@link Mmu#CONFLICT_WINDOW} walks apart (other pages walked between them) start a new count
     * each time: the slot stays direct-mapped, each of its accesses a walk, however many there are.
     */
    @Test
    void pingPongsFarApartDoNotAddUp() {
        map(VA, 1);
        map(VB, 2);
        // Fillers in every other slot, two sets that evict each other: a pass over one set is 1,023 walks.
        long f1 = VA + 3 * REACH, f2 = VA + 5 * REACH;
        for (int k = 1; k < Hart.TLB_SIZE; k++) {
            map(f1 + k * 0x1000L, 3);
            map(f2 + k * 0x1000L, 4);
        }
        pagedUserData();
        assertTrue(Mmu.CONFLICT_WINDOW < 2 * (Hart.TLB_SIZE - 1), "two passes outlast the window");
        long walks = m.walks;
        int rounds = 3 * N;
        for (int r = 0; r < rounds; r++) {
            assertEquals(value(1), m.load64(VA));
            assertEquals(value(2), m.load64(VB));
            for (int pass = 0; pass < 2; pass++) {
                long f = pass == 0 ? f1 : f2;
                for (int k = 1; k < Hart.TLB_SIZE; k++) assertEquals(value(pass == 0 ? 3 : 4), m.load64(f + k * 0x1000L));
            }
        }
        assertFalse(m.rTwo[slot(VA)], "ping-pongs far apart: no episode");
        assertEquals(0, m.conflictSlots);
        assertEquals(0, m.secondWayHits[Hart.ACCESS_READ]);
        assertEquals((long) rounds * (2 + 2 * (Hart.TLB_SIZE - 1)), m.walks - walks, "every access a walk, as on main");
        // The same pages in turn with nothing between: the slot learns.
        for (int r = 0; r < N + 2; r++) {
            m.load64(VA);
            m.load64(VB);
        }
        assertTrue(m.rTwo[slot(VA)], "ping-pongs in a row: two-way");
    }

    /**
     * A full flush (satp written, sfence.vma x0) drops the second way's entries with the first's, and keeps the slot's
     * flag: the two pages after it walk once each and then swap, with no count to make again.
     */
    @Test
    void aFullFlushDropsTheEntriesNotTheFlag() {
        map(VA, 1);
        map(VB, 2);
        pagedUserData();
        for (int k = 0; k < N + 4; k++) {
            m.load64(VA);
            m.load64(VB);
        }
        assertTrue(m.rTwo[slot(VA)]);
        assertNotEquals(-1, m.r2Tag[slot(VA)]);
        run(new Asm().emit(SFENCE_VMA));
        for (int i = 0; i < Hart.TLB_SIZE; i++) assertEquals(-1, m.r2Tag[i], "second way after the fence, slot " + i);
        assertEquals(-1, m.rTag[slot(VA)]);
        long walks = m.walks, swaps = m.secondWayHits[Hart.ACCESS_READ];
        for (int k = 0; k < 10; k++) {
            assertEquals(value(1), m.load64(VA));
            assertEquals(value(2), m.load64(VB));
        }
        assertEquals(2, m.walks - walks, "one walk each after the flush, then swaps");
        assertEquals(18, m.secondWayHits[Hart.ACCESS_READ] - swaps);
    }

    /**
     * The write discipline: a slot made two-way holds write entries in both ways; a freeze (a live checkpoint's) or a new
     * epoch (the dirty log's) leaves none in either, so the next store to each page reaches {@code pageForWrite}
     * (marked dirty; the frozen view keeps the old bytes).
     */
    @Test
    void aFreezeOrANewEpochLeavesNoWriteEntryInEitherWay() {
        for (boolean freeze : new boolean[]{true, false}) {
            setUp();
            map(VA, 1);
            map(VB, 2);
            pagedUserData();
            int p1 = mem.pageIndexOf(phys(1)), p2 = mem.pageIndexOf(phys(2));
            for (int k = 0; k < N + 4; k++) {
                m.store64(VA + 8, 0x55);
                m.store64(VB + 8, 0x66);
            }
            assertTrue(m.wTwo[slot(VA)]);
            assertEquals((VA >>> 12) | m.dataCtx, m.w2Tag[slot(VA)], "VA's write entry in the second way");
            FrozenMemory view = freeze ? mem.freeze() : null;
            if (!freeze) mem.startNewEpoch();
            for (int i = 0; i < Hart.TLB_SIZE; i++) {
                assertEquals(-1, m.wTag[i], "first way, slot " + i);
                assertEquals(-1, m.w2Tag[i], "second way, slot " + i);
            }
            assertFalse(mem.isDirty(p1) || mem.isDirty(p2));
            m.store64(VA + 8, 0x77);
            m.store64(VB + 8, 0x88);
            assertTrue(mem.isDirty(p1) && mem.isDirty(p2), "the stores reached pageForWrite (freeze " + freeze + ")");
            assertEquals(0x77, mem.read64(phys(1) + 8));
            if (view != null) {
                assertEquals(0x55, ByteBuffer.wrap(view.page(p1)).order(ByteOrder.LITTLE_ENDIAN).getLong(8), "the frozen view keeps the old page");
                view.release();
            }
        }
    }

    /**
     * The interpreter's two loops (the fast loop and the general loop) over a program of loads and stores to two pages in
     * turn: N + 2 read walks and N + 2 write walks, then every access a swap (their inline second-way look-up, already
     * on main, finds the page once the slot is two-way); with the switch at 0, a walk every access.
     */
    @Test
    void theInterpretersLoopsServeTheSlotOnceTwoWay() {
        for (int run = 0; run < 3; run++) {
            int n = run < 2 ? N : 0;
            boolean fastLoop = run != 1;
            setUp();
            m.setConflictWays(n);
            hart.setInterpreterFastLoop(fastLoop);
            map(VA, 1);
            map(VB, 2);
            int rounds = 30;
            Asm a = userData(0);
            for (int k = 0; k < rounds; k++) {
                load(a, 5, VA).emit(sd(5, 2, 8));
                load(a, 6, VB).emit(sd(6, 2, 8));
            }
            long walks = m.walks;
            run(a);
            String where = "conflictWays=" + n + (fastLoop ? ", fast loop" : ", general loop");
            assertEquals(value(1), hart.x[5]);
            assertEquals(value(2), hart.x[6]);
            assertEquals(value(1), mem.read64(phys(1) + 8));
            assertEquals(value(2), mem.read64(phys(2) + 8));
            assertEquals(n == 0 ? 4L * rounds : 2L * (N + 2), m.walks - walks, where);
            if (n != 0) {
                assertEquals(2L * rounds - (N + 2), m.secondWayHits[Hart.ACCESS_READ], where);
                assertEquals(2L * rounds - (N + 2), m.secondWayHits[Hart.ACCESS_WRITE], where);
            }
        }
    }

    /**
     * Random loads and stores over pages three to a slot (pairs in turn, so that slots learn), with remaps and fences,
     * new epochs and freezes between pieces, on two machines alike but for the conflict ways: the same registers,
     * memory, dirty bits and frozen views after every piece.
     */
    @Test
    void randomAccessesGiveMainsState() {
        int learned = 0;
        for (long seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed * 7919);
            Twin on = new Twin(false), off = new Twin(false);
            on.hart.mmu.setConflictWays(2);
            randomPieces(seed, rnd, on, off, true); // (SecondWayTlbTest's run, the accesses in pairs of bases)
            learned += on.hart.mmu.conflictSlots;
            assertTrue(on.hart.mmu.secondWayHits[Hart.ACCESS_READ] > 0, "seed " + seed + ": the second way served");
        }
        assertTrue(learned > 0, "slots made two-way");
    }

    @Test
    void onByDefaultWith256() {
        if (System.getProperty("vmckpt.mmu.conflictWays") == null) {
            Mmu fresh = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0).mmu;
            assertEquals(256, fresh.conflictWays, "-Dvmckpt.mmu.conflictWays unset: the default since round 80");
            assertNotNull(fresh.rOut, "the conflict state allocated");
        }
    }
}
