package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * Address-space identifiers ({@code -Dvmckpt.mmu.asids=N}, round 70; {@link Mmu#asidBits}): satp's ASID field is WARL
 * with N bits, a satp write keeps the TLB, entries never hit under another ASID than the one they were filled under
 * (but global ones, in the contexts that carry no ASID), sfence.vma with rs2 drops only that ASID's entries, and
 * restores drop every entry.
 *
 * <p>Programs run in M-mode with bare fetch; data accesses translate through MPRV as U (MPP = U) or S (MPP = S, with or
 * without SUM). Two address spaces, A and B, each with its own root, L1 and L0 table; the test changes their PTEs from
 * outside between pieces. Where a test reads a stale value it is one the architecture allows (no fence since the PTE
 * changed): it shows what the TLB kept.
 */
class AsidTlbTest {
    static final long BASE = 0x8000_0000L;
    static final long ROOT_A = BASE + 0x10000, ROOT_B = BASE + 0x20000;
    /** Data pages: physical. */
    static final long P1 = BASE + 0x100000, P2 = BASE + 0x101000, P3 = BASE + 0x102000, P4 = BASE + 0x103000;
    static final long K1 = BASE + 0x104000, K2 = BASE + 0x105000, Q1 = BASE + 0x106000, Q3 = BASE + 0x107000;
    /** User pages (U set) at VA, VA1, VA2; kernel pages (no U) at KVA (global) and KVA2 (not global). */
    static final long VA = 0x4000_0000L, VA1 = VA + 0x1000, VA2 = VA + 0x2000, KVA = VA + 0x10000, KVA2 = VA + 0x11000;
    static final long USER = 0xD7, KERNEL = 0xC7, GLOBAL = 0x20; // V R W A D (+U), G
    static final int ASID_A = 1, ASID_B = 2;

    GuestMemory mem;
    Hart hart;
    long at;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 16 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.mmu.setAsidBits(16);
        hart.pc = BASE;
        at = BASE;
        for (long p : new long[]{P1, P2, P3, P4, K1, K2, Q1, Q3}) mem.write64(p, p >>> 12 & 0xfff);
    }

    static long value(long page) {
        return page >>> 12 & 0xfff;
    }

    static void map(GuestMemory mem, long root, long va, long pa, long flags) {
        long l1 = root + 0x1000, l0 = root + 0x2000;
        mem.write64(root + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | flags);
    }

    void map(long root, long va, long pa, long flags) {
        map(mem, root, va, pa, flags);
    }

    static long satp(long root, int asid) {
        return (8L << 60) | ((long) asid << 44) | (root >>> 12);
    }

    static int sfence(int rs1, int rs2) {
        return r(0x09, rs2, rs1, 0, 0, 0x73);
    }

    static Asm switchTo(Asm a, long root, int asid) {
        return a.li(1, satp(root, asid)).emit(csrrw(0, SATP, 1));
    }

    /** Data accesses translate as {@code priv} (U or S), with SUM as given. */
    static Asm dataAs(Asm a, int priv, boolean sum) {
        return a.li(1, MPRV | ((long) priv << MPP_SHIFT) | (sum ? SUM : 0)).emit(csrrw(0, MSTATUS, 1));
    }

    /** Loads the doubleword at {@code va} into x{@code rd}. */
    static Asm load(Asm a, int rd, long va) {
        return a.li(2, va).emit(ld(rd, 2, 0));
    }

    /** Runs {@code a} at the next free code address, stepping until its end. */
    void run(Asm a) {
        mem.writeBytes(at, a.bytes(), 0, a.size());
        hart.pc = at;
        long end = at + a.size();
        for (int k = 0; k < 2000 && hart.pc != end; k++) hart.run(1);
        assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
        at = (end + 0xff) & ~0xffL;
    }

    @Test
    void satpKeepsTheAsidBitsItHas() {
        for (int n : new int[]{0, 1, 7, 9, 16}) {
            hart.mmu.setAsidBits(n);
            long all = (8L << 60) | (0xffffL << 44) | (ROOT_A >>> 12);
            run(new Asm().li(1, all).emit(csrrw(0, SATP, 1)).emit(csrrs(5, SATP, 0)));
            assertEquals(((1L << n) - 1), (hart.x[5] >>> 44) & 0xffff, "ASID bits read back with N = " + n);
            assertEquals((8L << 60) | (ROOT_A >>> 12), hart.x[5] & ~(0xffffL << 44), "mode and PPN unchanged, N = " + n);
        }
    }

    /** A stale entry of another ASID is never used after a satp switch, in a U context and in an S context with SUM. */
    @Test
    void aSwitchToAnotherAsidNeverUsesTheOldAsidsEntries() {
        map(ROOT_A, VA, P1, USER);
        map(ROOT_B, VA, P2, USER);
        for (boolean user : new boolean[]{true, false}) {
            Asm a = dataAs(new Asm(), user ? Hart.PRIV_U : Hart.PRIV_S, !user);
            switchTo(a, ROOT_A, ASID_A);
            load(a, 5, VA);
            switchTo(a, ROOT_B, ASID_B);
            load(a, 6, VA);
            switchTo(a, ROOT_A, ASID_A);
            load(a, 7, VA);
            run(a);
            String ctx = user ? "U" : "S with SUM";
            assertEquals(value(P1), hart.x[5], ctx);
            assertEquals(value(P2), hart.x[6], ctx + ": B's mapping, not A's cached entry");
            assertEquals(value(P1), hart.x[7], ctx + ": A's mapping again");
        }
    }

    /** The point of ASIDs: an entry filled under A is still there after B ran, with no walk (so a stale PTE shows). */
    @Test
    void anAsidsEntriesSurviveASwitchAwayAndBack() {
        map(ROOT_A, VA, P1, USER);
        map(ROOT_B, VA1, P2, USER);
        Asm a = dataAs(new Asm(), Hart.PRIV_U, false);
        switchTo(a, ROOT_A, ASID_A);
        load(a, 5, VA);
        run(a);
        map(ROOT_A, VA, P3, USER); // no fence: A's cached entry may stay
        Asm b = switchTo(new Asm(), ROOT_B, ASID_B);
        load(b, 6, VA1);
        switchTo(b, ROOT_A, ASID_A);
        load(b, 7, VA);
        run(b);
        assertEquals(value(P2), hart.x[6]);
        assertEquals(value(P1), hart.x[7], "A's entry was kept across the switches (no flush at satp writes)");
        // Without ASIDs every satp write flushes: the same sequence walks again.
        hart.mmu.setAsidBits(0);
        map(ROOT_A, VA, P1, USER);
        run(load(switchTo(dataAs(new Asm(), Hart.PRIV_U, false), ROOT_A, 0), 5, VA));
        map(ROOT_A, VA, P3, USER);
        run(load(switchTo(load(switchTo(new Asm(), ROOT_B, 0), 6, VA1), ROOT_A, 0), 7, VA));
        assertEquals(value(P3), hart.x[7], "without ASIDs the satp write flushed");
    }

    /** sfence.vma x0, asid drops that ASID's entries only: another ASID's and the global ones stay; x0, x0 drops all. */
    @Test
    void anAsidFenceDropsItsOwnEntriesAndKeepsOtherAsidsAndGlobalOnes() {
        map(ROOT_A, VA, P1, USER);
        map(ROOT_B, VA2, P2, USER);
        map(ROOT_A, KVA, K1, KERNEL | GLOBAL);
        map(ROOT_B, KVA, K1, KERNEL | GLOBAL);
        Asm a = switchTo(new Asm(), ROOT_A, ASID_A);
        dataAs(a, Hart.PRIV_U, false);
        load(a, 5, VA);
        dataAs(a, Hart.PRIV_S, false);
        load(a, 6, KVA);
        switchTo(a, ROOT_B, ASID_B);
        dataAs(a, Hart.PRIV_U, false);
        load(a, 7, VA2);
        run(a);
        assertEquals(value(P1), hart.x[5]);
        assertEquals(value(K1), hart.x[6]);
        assertEquals(value(P2), hart.x[7]);

        map(ROOT_A, VA, P3, USER);
        map(ROOT_B, VA2, P4, USER);
        map(ROOT_A, KVA, K2, KERNEL | GLOBAL);
        map(ROOT_B, KVA, K2, KERNEL | GLOBAL);
        Asm b = new Asm().li(3, ASID_A).emit(sfence(0, 3)); // under B: fence A's address space
        load(b, 5, VA2);
        dataAs(b, Hart.PRIV_S, false);
        load(b, 6, KVA);
        switchTo(b, ROOT_A, ASID_A);
        load(b, 8, KVA);
        dataAs(b, Hart.PRIV_U, false);
        load(b, 7, VA);
        run(b);
        assertEquals(value(P2), hart.x[5], "B's entry is not A's to drop");
        assertEquals(value(K1), hart.x[6], "the global entry (filled under A) hits under B and an ASID fence keeps it");
        assertEquals(value(K1), hart.x[8], "and under A again");
        assertEquals(value(P3), hart.x[7], "A's entry was dropped");

        Asm c = new Asm().emit(sfence(0, 0));
        load(c, 5, VA);
        dataAs(c, Hart.PRIV_S, false);
        load(c, 6, KVA);
        switchTo(c, ROOT_B, ASID_B);
        dataAs(c, Hart.PRIV_U, false);
        load(c, 7, VA2);
        run(c);
        assertEquals(value(P3), hart.x[5]);
        assertEquals(value(K2), hart.x[6], "a global fence drops the global entries");
        assertEquals(value(P4), hart.x[7], "and every ASID's");
    }

    /** sfence.vma va, asid drops that page of that ASID: not the page of another ASID, not another page. */
    @Test
    void anAsidPageFenceDropsThatPageOfThatAsidOnly() {
        map(ROOT_A, VA, P1, USER);
        map(ROOT_A, VA1, Q1, USER);
        Asm a = switchTo(dataAs(new Asm(), Hart.PRIV_U, false), ROOT_A, ASID_A);
        load(a, 5, VA);
        load(a, 6, VA1);
        run(a);
        map(ROOT_A, VA, P3, USER);
        map(ROOT_A, VA1, Q3, USER);
        Asm b = new Asm().li(3, ASID_B).li(4, VA).emit(sfence(4, 3)); // another ASID's page: A's stays
        load(b, 5, VA);
        b.li(3, ASID_A).li(4, VA).emit(sfence(4, 3));
        load(b, 6, VA);
        load(b, 7, VA1);
        run(b);
        assertEquals(value(P1), hart.x[5], "a fence of B's page leaves A's");
        assertEquals(value(P3), hart.x[6], "a fence of A's page drops it");
        assertEquals(value(Q1), hart.x[7], "and leaves A's other pages");
    }

    /**
     * A kernel context (S without SUM) carries no ASID while every leaf translated there is global; a non-global one
     * makes S contexts carry the ASID, so a page mapped differently by two address spaces is never taken from the
     * other's entry.
     */
    @Test
    void aNonGlobalLeafInAKernelContextIsNeverSharedAcrossAsids() {
        map(ROOT_A, KVA2, K1, KERNEL);
        map(ROOT_B, KVA2, K2, KERNEL);
        Asm a = switchTo(dataAs(new Asm(), Hart.PRIV_S, false), ROOT_A, ASID_A);
        load(a, 5, KVA2);
        switchTo(a, ROOT_B, ASID_B);
        load(a, 6, KVA2);
        switchTo(a, ROOT_A, ASID_A);
        load(a, 7, KVA2);
        run(a);
        assertEquals(value(K1), hart.x[5]);
        assertEquals(value(K2), hart.x[6], "B's mapping of the non-global page");
        assertEquals(value(K1), hart.x[7]);
        assertTrue(hart.mmu.kernelTagged, "S contexts carry the ASID after a non-global leaf");
        // and A's entry of the non-global page is still there after B ran (kept per ASID): a stale PTE shows.
        map(ROOT_A, KVA2, K2, KERNEL);
        Asm b = switchTo(new Asm(), ROOT_B, ASID_B);
        switchTo(b, ROOT_A, ASID_A);
        load(b, 8, KVA2);
        run(b);
        assertEquals(value(K1), hart.x[8], "A's entry kept across the switch");
        run(new Asm().emit(sfence(0, 0)));
        assertFalse(hart.mmu.kernelTagged, "a full flush starts over");
    }

    /** A global bit in a non-leaf PTE makes the leaves below it global: kept in a kernel context. */
    @Test
    void aGlobalNonLeafMakesItsLeavesGlobal() {
        map(ROOT_A, KVA, K1, KERNEL);
        long l1 = ROOT_A + 0x1000;
        mem.write64(ROOT_A + ((KVA >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1 | GLOBAL);
        Asm a = switchTo(dataAs(new Asm(), Hart.PRIV_S, false), ROOT_A, ASID_A);
        load(a, 5, KVA);
        run(a);
        assertFalse(hart.mmu.kernelTagged, "the leaf below a global non-leaf PTE is global");
        assertEquals(value(K1), hart.x[5]);
    }

    /**
     * More ASIDs than tag ids: the ids roll over with a full flush, and no entry is ever taken for another ASID's. Each
     * ASID touches its own page (of 127), so that when an id comes round again the entry its earlier ASID filled under
     * it is still in the TLB (the same page, mapped to the other physical page by the other root).
     */
    @Test
    void manyAsidsRollTheTagIdsOverWithoutStaleHits() {
        int n = Mmu.MAX_TID * 2 + 5;
        for (int i = 0; i < Mmu.MAX_TID; i++) {
            map(ROOT_A, VA + i * 0x1000L, P1, USER);
            map(ROOT_B, VA + i * 0x1000L, P2, USER);
        }
        run(dataAs(new Asm(), Hart.PRIV_U, false));
        for (int k = 0; k < n; k++) {
            Asm b = switchTo(new Asm(), k % 2 == 0 ? ROOT_A : ROOT_B, 100 + k);
            load(b, 5, VA + (k % Mmu.MAX_TID) * 0x1000L);
            at = BASE + 0x1000; // reuse one code page
            run(b);
            assertEquals(value(k % 2 == 0 ? P1 : P2), hart.x[5], "ASID " + (100 + k));
        }
        assertTrue(hart.mmu.tidRollovers >= 2, "rollovers " + hart.mmu.tidRollovers);
    }

    /** A restore drops every entry of every ASID (and a satp with more ASID bits than this hart keeps is masked). */
    @Test
    void aRestoreRunsNoStaleEntry() throws Exception {
        map(ROOT_A, VA, P1, USER);
        map(ROOT_B, VA1, Q1, USER);
        Asm a = dataAs(new Asm(), Hart.PRIV_U, false);
        switchTo(a, ROOT_B, ASID_B);
        load(a, 6, VA1);
        switchTo(a, ROOT_A, ASID_A);
        load(a, 5, VA);
        run(a);
        StateWriter w = new StateWriter();
        hart.saveState(w);
        byte[] saved = w.toByteArray();
        map(ROOT_A, VA, P3, USER);
        map(ROOT_B, VA1, Q3, USER);
        hart.loadState(new StateReader("hart0", saved), hart.stateVersion());
        Asm b = load(new Asm(), 5, VA);
        switchTo(b, ROOT_B, ASID_B);
        load(b, 6, VA1);
        run(b);
        assertEquals(value(P3), hart.x[5], "the restored hart walks A's tables anew");
        assertEquals(value(Q3), hart.x[6], "and B's");

        Hart narrow = new Hart(0, new Bus(mem), () -> 0);
        narrow.mmu.setAsidBits(0);
        narrow.loadState(new StateReader("hart0", saved), hart.stateVersion());
        assertEquals(satp(ROOT_A, 0), narrow.satp(), "satp's ASID masked to the restoring hart's bits (none)");
    }
}
