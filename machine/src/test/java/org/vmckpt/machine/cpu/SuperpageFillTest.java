package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The superpage fill ({@code Mmu.superFill}, round 69): a miss translated by a 2 MiB leaf fills the entries of the other
 * pages of its aligned window, and nothing it fills outlives what would drop the miss's own entry (sfence.vma of any of
 * its pages, a satp write, a PMP write, a freeze), nor maps what the architecture or memory's bookkeeping forbids (a page
 * PMP denies, a page memory does not hold, a write entry for a page not yet written in the epoch).
 *
 * <p>As {@link HartTlbTest}: programs run in M-mode with bare fetch, data accesses translate as S-mode (MPRV, MPP = S),
 * and the test changes page tables from outside between pieces.
 */
class SuperpageFillTest {
    static final long BASE = 0x8000_0000L;
    static final long ROOT = BASE + 0x10000, ROOT2 = BASE + 0x13000;
    static final long L1 = BASE + 0x11000, L1B = BASE + 0x14000;
    static final long V_R_W_A_D = 0xC7;
    static final long VA = 0x4000_0000L;
    static final long MEGA_A = BASE + 0x200000, MEGA_B = BASE + 0x400000;
    static final int WINDOW = 16;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 16 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.mmu.superFill = WINDOW;
        hart.pc = BASE;
    }

    static int sfenceVma(int rs1) {
        return r(0x09, 0, rs1, 0, 0, 0x73);
    }

    static Asm enableDataTranslation(long root) {
        Asm a = new Asm();
        a.li(1, (8L << 60) | (root >>> 12)).emit(csrrw(0, SATP, 1));
        a.li(1, MPRV | ((long) Hart.PRIV_S << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        return a;
    }

    void runPiece(long at, Asm a) {
        mem.writeBytes(at, a.bytes(), 0, a.size());
        hart.pc = at;
        long end = at + a.size();
        for (int k = 0; k < 1000 && hart.pc != end; k++) hart.run(1);
        assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
    }

    void map2m(long root, long l1, long va, long pa) {
        mem.write64(root + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((pa >>> 12) << 10) | V_R_W_A_D);
    }

    /** Page {@code k} of megapage {@code mega} holds {@code tag * 0x100 + k} in its first word (so memory holds it). */
    void fill(long mega, int tag, int pages) {
        for (int k = 0; k < pages; k++) mem.write64(mega + k * 0x1000L, tag * 0x100L + k);
    }

    boolean readMapped(long va) {
        int i = (int) (va >>> 12) & Hart.TLB_MASK;
        return hart.mmu.rTag[i] == ((va >>> 12) | hart.mmu.dataCtx);
    }

    boolean writeMapped(long va) {
        int i = (int) (va >>> 12) & Hart.TLB_MASK;
        return hart.mmu.wTag[i] == ((va >>> 12) | hart.mmu.dataCtx);
    }

    @Test
    void aLoadFillsTheWindowsPagesThatMemoryHoldsAndAllocatesNone() {
        map2m(ROOT, L1, VA, MEGA_A);
        fill(MEGA_A, 0xA, 12); // pages 12-15 of the window never touched
        Asm a = enableDataTranslation(ROOT);
        a.li(2, VA + 0x3000).emit(ld(5, 2, 0));
        runPiece(BASE, a);
        assertEquals(0xA03, hart.x[5]);
        for (int k = 0; k < WINDOW; k++) {
            assertEquals(k < 12, readMapped(VA + k * 0x1000L), "page " + k + " of the window");
            assertFalse(k != 3 && writeMapped(VA + k * 0x1000L), "no write entry from a load: page " + k);
        }
        assertFalse(readMapped(VA + WINDOW * 0x1000L), "the next window is left to its own miss");
        for (int k = 12; k < WINDOW; k++) assertNull(mem.peekPage(mem.pageIndexOf(MEGA_A + k * 0x1000L)), "page " + k + " allocated");
        // The filled entries read the right pages.
        runPiece(BASE + 0x1000, new Asm().li(2, VA).emit(ld(5, 2, 0)).li(2, VA + 0xb000).emit(ld(6, 2, 0)).li(2, VA + 0xe000).emit(ld(7, 2, 0)));
        assertEquals(0xA00, hart.x[5]);
        assertEquals(0xA0B, hart.x[6]);
        assertEquals(0, hart.x[7]);
    }

    @Test
    void theFillTakesASlotAMissFilledOnlyWhenToldToReplaceAll() {
        for (int mode : new int[]{Mmu.REPLACE_EMPTY, Mmu.REPLACE_FILLED, Mmu.REPLACE_ALL}) {
            setUp();
            hart.mmu.superFillReplaces = mode;
            boolean evicts = mode == Mmu.REPLACE_ALL;
            map2m(ROOT, L1, VA, MEGA_A);
            // A 2 MiB leaf 4 MiB above VA: its pages share VA's TLB slots (1,024 entries = 4 MiB).
            long other = VA + ((long) Hart.TLB_SIZE << 12);
            map2m(ROOT, L1, other, MEGA_B);
            fill(MEGA_A, 0xA, WINDOW);
            fill(MEGA_B, 0xB, WINDOW);
            Asm a = enableDataTranslation(ROOT);
            a.li(2, other + 0x5000).emit(ld(5, 2, 0)); // only page 5 of B's window: the fill off for it
            hart.mmu.superFill = 0;
            runPiece(BASE, a);
            hart.mmu.superFill = WINDOW;
            runPiece(BASE + 0x1000, new Asm().li(2, VA + 0x3000).emit(ld(6, 2, 0)));
            assertEquals(0xB05, hart.x[5]);
            assertEquals(0xA03, hart.x[6]);
            assertEquals(evicts, readMapped(VA + 0x5000), "evicts " + evicts);
            assertEquals(!evicts, readMapped(other + 0x5000), "evicts " + evicts);
            runPiece(BASE + 0x2000, new Asm().li(2, VA + 0x5000).emit(ld(7, 2, 0)).li(2, other + 0x5000).emit(ld(8, 2, 0)));
            assertEquals(0xA05, hart.x[7]);
            assertEquals(0xB05, hart.x[8]);
        }
    }

    @Test
    void theFillReplacesAnEarlierFillsEntriesOnlyWhenToldTo() {
        for (int mode : new int[]{Mmu.REPLACE_EMPTY, Mmu.REPLACE_FILLED, Mmu.REPLACE_ALL}) {
            setUp();
            hart.mmu.superFillReplaces = mode;
            long other = VA + ((long) Hart.TLB_SIZE << 12); // shares VA's TLB slots
            map2m(ROOT, L1, VA, MEGA_A);
            map2m(ROOT, L1, other, MEGA_B);
            fill(MEGA_A, 0xA, WINDOW);
            fill(MEGA_B, 0xB, WINDOW);
            Asm a = enableDataTranslation(ROOT);
            a.li(2, other + 0x5000).emit(ld(5, 2, 0)).li(2, VA + 0x3000).emit(ld(6, 2, 0));
            runPiece(BASE, a);
            assertEquals(0xB05, hart.x[5]);
            assertEquals(0xA03, hart.x[6]);
            // B's miss filled B's window; A's miss then took the slots B's fill had filled unless told not to.
            assertEquals(mode != Mmu.REPLACE_EMPTY, readMapped(VA + 0x7000), "mode " + mode);
            assertEquals(mode == Mmu.REPLACE_EMPTY, readMapped(other + 0x7000), "mode " + mode);
            assertEquals(mode != Mmu.REPLACE_ALL, readMapped(other + 0x5000), "B's own miss, mode " + mode);
            runPiece(BASE + 0x1000, new Asm().li(2, VA + 0x7000).emit(ld(7, 2, 0)).li(2, other + 0x7000).emit(ld(8, 2, 0)));
            assertEquals(0xA07, hart.x[7]);
            assertEquals(0xB07, hart.x[8]);
        }
    }

    @Test
    void anExactPageFlushKeepsAnotherPagesEntryInTheSlotAndDropsThePages() {
        for (boolean exact : new boolean[]{false, true}) {
            setUp();
            hart.mmu.superFill = 0;
            hart.mmu.exactPageFlush = exact;
            // 4 KiB pages: VA+0x1000 and VA+0x401000 share a slot; VA+0x2000 has its own.
            long l0 = BASE + 0x12000, l0b = BASE + 0x15000;
            mem.write64(ROOT + ((VA >>> 30) & 0x1ff) * 8, ((L1 >>> 12) << 10) | 1);
            mem.write64(L1 + ((VA >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
            mem.write64(L1 + (((VA + ((long) Hart.TLB_SIZE << 12)) >>> 21) & 0x1ff) * 8, ((l0b >>> 12) << 10) | 1);
            mem.write64(l0 + 1 * 8, ((MEGA_A >>> 12) << 10) | V_R_W_A_D);          // VA+0x1000 -> A
            mem.write64(l0 + 2 * 8, (((MEGA_A + 0x1000) >>> 12) << 10) | V_R_W_A_D); // VA+0x2000 -> A+1
            fill(MEGA_A, 0xA, 2);
            fill(MEGA_B, 0xB, 2);
            Asm a = enableDataTranslation(ROOT);
            a.li(2, VA + 0x2000).emit(ld(5, 2, 0)).li(3, VA + ((long) Hart.TLB_SIZE << 12) + 0x1000).emit(sfenceVma(3)).emit(ld(6, 2, 0));
            runPiece(BASE, a);
            assertEquals(0xA01, hart.x[5]);
            assertEquals(0xA01, hart.x[6]);
            // VA+0x2000 not fenced; fence VA+0x402000 (unmapped, same slot): the exact flush keeps VA+0x2000's entry.
            runPiece(BASE + 0x1000, new Asm().li(3, VA + ((long) Hart.TLB_SIZE << 12) + 0x2000).emit(sfenceVma(3)));
            assertEquals(exact, readMapped(VA + 0x2000), "exact " + exact);
            // Remap VA+0x2000 to B and fence that page: it translates anew either way.
            mem.write64(l0 + 2 * 8, ((MEGA_B >>> 12) << 10) | V_R_W_A_D);
            runPiece(BASE + 0x2000, new Asm().li(2, VA + 0x2000).emit(sfenceVma(2)).emit(ld(7, 2, 0)).emit(sd(7, 2, 8)));
            assertEquals(0xB00, hart.x[7], "exact " + exact);
            assertEquals(0xB00, mem.read64(MEGA_B + 8));
        }
    }

    @Test
    void sfenceOfAFilledNeighbourDropsEveryEntryOfTheSuperpage() {
        map2m(ROOT, L1, VA, MEGA_A);
        fill(MEGA_A, 0xA, WINDOW);
        fill(MEGA_B, 0xB, WINDOW);
        Asm a = enableDataTranslation(ROOT);
        a.li(2, VA + 0x3000).emit(ld(5, 2, 0));
        runPiece(BASE, a);
        assertTrue(readMapped(VA + 0x9000), "filled");
        map2m(ROOT, L1, VA, MEGA_B);
        // Fence the page that was only filled, never accessed: the accessed page's and every other filled entry go.
        runPiece(BASE + 0x1000, new Asm().li(3, VA + 0x9000).emit(sfenceVma(3))
                .emit(ld(5, 3, 0)).li(2, VA + 0x3000).emit(ld(6, 2, 0)).li(2, VA + 0x7000).emit(ld(7, 2, 0)));
        assertEquals(0xB09, hart.x[5]);
        assertEquals(0xB03, hart.x[6]);
        assertEquals(0xB07, hart.x[7]);
    }

    /**
     * Without ASIDs a satp write flushes, filled entries too; with them (-Dvmckpt.mmu.asids, round 70) a switch to another
     * ASID never uses the filled entries of the old one (the megapage is not global, so the S context carries the ASID).
     */
    @Test
    void aSatpWriteDropsTheFilledEntries() {
        for (int bits : new int[]{0, 16}) {
            hart.mmu.setAsidBits(bits);
            long asidA = bits == 0 ? 0 : 1L << 44, asidB = bits == 0 ? 0 : 2L << 44;
            map2m(ROOT, L1, VA, MEGA_A);
            map2m(ROOT2, L1B, VA, MEGA_B);
            fill(MEGA_A, 0xA, WINDOW);
            fill(MEGA_B, 0xB, WINDOW);
            mem.write64(MEGA_A + 0x6008, 0);
            mem.write64(MEGA_B + 0x6008, 0);
            Asm a = enableDataTranslation(ROOT);
            a.li(1, (8L << 60) | asidA | (ROOT >>> 12)).emit(csrrw(0, SATP, 1));
            a.li(2, VA + 0x3000).emit(ld(5, 2, 0));
            runPiece(BASE, a);
            assertTrue(readMapped(VA + 0x6000), "filled");
            Asm b = new Asm();
            b.li(1, (8L << 60) | asidB | (ROOT2 >>> 12)).emit(csrrw(0, SATP, 1));
            b.li(2, VA + 0x6000).emit(ld(6, 2, 0)).emit(sd(6, 2, 8));
            runPiece(BASE + 0x1000, b);
            assertEquals(0xB06, hart.x[6], "ASID bits " + bits);
            assertEquals(0xB06, mem.read64(MEGA_B + 0x6008), "ASID bits " + bits);
            assertEquals(0, mem.read64(MEGA_A + 0x6008), "ASID bits " + bits);
        }
    }

    /** pmpaddr for a NAPOT region of {@code size} bytes at {@code base}. */
    static long napot(long base, long size) {
        return (base | (size / 2 - 1)) >>> 2;
    }

    @Test
    void aPageThatPmpDeniesIsNotFilledAndAPmpWriteDropsTheFilledEntries() {
        map2m(ROOT, L1, VA, MEGA_A);
        fill(MEGA_A, 0xA, WINDOW);
        // Entry 0: page 5 of the megapage, no access; entry 1: everything, RWX.
        Asm a = enableDataTranslation(ROOT);
        a.li(1, napot(MEGA_A + 0x5000, 0x1000)).emit(csrrw(0, Pmp.PMPADDR0, 1));
        a.li(1, (1L << 54) - 1).emit(csrrw(0, Pmp.PMPADDR0 + 1, 1));
        a.li(1, 0x18 | (0x1fL << 8)).emit(csrrw(0, Pmp.PMPCFG0, 1));
        a.li(2, VA + 0x3000).emit(ld(5, 2, 0));
        runPiece(BASE, a);
        assertEquals(0xA03, hart.x[5]);
        assertTrue(readMapped(VA + 0x4000), "page 4 filled");
        assertFalse(readMapped(VA + 0x5000), "page 5, which PMP denies to S-mode, not filled");
        // The load of page 5 faults.
        long trap = BASE + 0x3000;
        mem.writeBytes(trap, new Asm().emit(j(0, 0)).bytes(), 0, 4);
        Asm b = new Asm();
        b.li(1, trap).emit(csrrw(0, MTVEC, 1)).li(2, VA + 0x5000).emit(ld(6, 2, 0));
        mem.writeBytes(BASE + 0x1000, b.bytes(), 0, b.size());
        hart.pc = BASE + 0x1000;
        for (int k = 0; k < 100 && hart.pc != trap; k++) hart.run(1);
        assertEquals(trap, hart.pc);
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        // Deny page 4 too (entry 0 covering pages 4-5, as NAPOT 8 KiB): the filled entry of page 4 must go.
        Asm c = new Asm();
        c.li(1, MPRV | ((long) Hart.PRIV_S << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        c.li(1, napot(MEGA_A + 0x4000, 0x2000)).emit(csrrw(0, Pmp.PMPADDR0, 1));
        c.li(1, 0x18 | (0x1fL << 8)).emit(csrrw(0, Pmp.PMPCFG0, 1));
        c.li(2, VA + 0x4000).emit(ld(7, 2, 0));
        hart.x[7] = 77;
        mem.writeBytes(BASE + 0x2000, c.bytes(), 0, c.size());
        hart.pc = BASE + 0x2000;
        for (int k = 0; k < 100 && hart.pc != trap; k++) hart.run(1);
        assertEquals(trap, hart.pc, "the load of page 4 after the PMP write faults");
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(77, hart.x[7]);
    }

    @Test
    void writeEntriesAreFilledOnlyForPagesWrittenInTheEpoch() {
        map2m(ROOT, L1, VA, MEGA_A);
        fill(MEGA_A, 0xA, WINDOW); // every page dirty in this epoch
        Asm a = enableDataTranslation(ROOT);
        a.li(1, 0x55).li(2, VA + 0x3000).emit(sd(1, 2, 8));
        runPiece(BASE, a);
        assertTrue(writeMapped(VA + 0x4000), "a page dirty in the epoch: filled for writing");

        FrozenMemory view = mem.freeze(); // a new epoch: no page dirty, every page shared with the view
        int page4 = mem.pageIndexOf(MEGA_A + 0x4000);
        assertFalse(writeMapped(VA + 0x4000), "the freeze drops write entries");
        runPiece(BASE + 0x1000, new Asm().li(1, 0x66).li(2, VA + 0x3000).emit(sd(1, 2, 16)));
        assertFalse(writeMapped(VA + 0x4000), "page 4 not written in the new epoch: not filled for writing");
        assertFalse(mem.isDirty(page4));
        runPiece(BASE + 0x2000, new Asm().li(1, 0x77).li(2, VA + 0x4000).emit(sd(1, 2, 16)));
        assertTrue(mem.isDirty(page4), "the store reached pageForWrite");
        assertEquals(0x77, mem.read64(MEGA_A + 0x4010));
        assertEquals(0, ByteBuffer.wrap(view.page(page4)).order(ByteOrder.LITTLE_ENDIAN).getLong(0x10), "the frozen view keeps the old page");
        assertEquals(0x66, mem.read64(MEGA_A + 0x3010));
        view.release();
    }

    @Test
    void aCodePageGetsNoWriteEntry() {
        map2m(ROOT, L1, VA, MEGA_A);
        fill(MEGA_A, 0xA, WINDOW);
        int page4 = mem.pageIndexOf(MEGA_A + 0x4000);
        mem.markCodePage(page4);
        Asm a = enableDataTranslation(ROOT);
        a.li(1, 0x55).li(2, VA + 0x3000).emit(sd(1, 2, 8));
        runPiece(BASE, a);
        assertTrue(writeMapped(VA + 0x5000));
        assertFalse(writeMapped(VA + 0x4000), "a page holding translations keeps its writes on memory's path");
    }

    /**
     * Random loads and stores over two megapages that share TLB slots and a 4 KiB-mapped stretch, with remaps (each
     * followed by a fence of one page of the remapped megapage or of all), new epochs and freezes between pieces, on
     * two machines alike but for the fill (on, in each replacement mode, with and without the exact fence, against off):
     * the same registers and memory after every piece.
     */
    @Test
    void randomAccessesGiveTheSameStateWithTheFillAsWithout() {
        for (int mode : new int[]{Mmu.REPLACE_EMPTY, Mmu.REPLACE_FILLED, Mmu.REPLACE_ALL}) {
            for (long seed = 1; seed <= 4; seed++) {
                java.util.Random rnd = new java.util.Random(seed * 31 + mode);
                Twin on = new Twin(WINDOW, mode, seed % 2 == 0), off = new Twin(0, mode, false);
                long[] megas = {MEGA_A, MEGA_B, BASE + 0x600000, BASE + 0x800000};
                long other = VA + ((long) Hart.TLB_SIZE << 12);
                int[] mapped = {0, 1};
                for (Twin t : new Twin[]{on, off}) {
                    t.map2m(VA, megas[0]);
                    t.map2m(other, megas[1]);
                    for (int k = 0; k < 64; k++) for (long m : megas) t.mem.write64(m + k * 0x1000L, m + k);
                }
                Asm init = enableDataTranslation(ROOT);
                on.run(BASE, init);
                off.run(BASE, init);
                for (int piece = 0; piece < 60; piece++) {
                    Asm a = new Asm();
                    int what = rnd.nextInt(6);
                    if (what == 0) { // remap one megapage, then fence one of its pages or all before any access
                        int which = rnd.nextInt(2);
                        mapped[which] = rnd.nextInt(megas.length);
                        long vbase = which == 0 ? VA : other;
                        for (Twin t : new Twin[]{on, off}) t.map2m(vbase, megas[mapped[which]]);
                        if (rnd.nextBoolean()) a.li(3, vbase + rnd.nextInt(512) * 0x1000L).emit(sfenceVma(3));
                        else a.emit(SFENCE_VMA);
                    }
                    for (int n = 0; n < 24; n++) {
                        long va = (rnd.nextBoolean() ? VA : other) + rnd.nextInt(40) * 0x1000L + rnd.nextInt(512) * 8;
                        a.li(2, va);
                        if (rnd.nextInt(3) == 0) a.li(3, rnd.nextLong()).emit(sd(3, 2, 0));
                        else a.emit(ld(4 + n % 8, 2, 0));
                    }
                    if (what == 1) for (Twin t : new Twin[]{on, off}) t.mem.startNewEpoch();
                    long at = BASE + 0x1000 + (piece % 8) * 0x1000L;
                    on.run(at, a);
                    off.run(at, a);
                    if (what == 2) { // a freeze, as a checkpoint's: the fill must not write into the frozen view
                        for (Twin t : new Twin[]{on, off}) {
                            if (t.view != null) t.view.release();
                            t.view = t.mem.freeze();
                        }
                    }
                    String where = "mode " + mode + " seed " + seed + " piece " + piece;
                    assertArrayEquals(off.hart.x, on.hart.x, where);
                    for (long m : megas) {
                        for (int k = 0; k < 64; k++) {
                            int idx = off.mem.pageIndexOf(m + k * 0x1000L);
                            assertArrayEquals(off.mem.peekPage(idx), on.mem.peekPage(idx), where + " page " + k);
                            assertEquals(off.mem.isDirty(idx), on.mem.isDirty(idx), where + " dirty " + k);
                            if (off.view != null) assertArrayEquals(off.view.page(idx), on.view.page(idx), where + " frozen " + k);
                        }
                    }
                }
                assertTrue(on.hart.mmu.superFill > 0);
            }
        }
    }

    /** A machine of its own for the random test. */
    static final class Twin {
        final GuestMemory mem = new GuestMemory(BASE, 16 << 20);
        final Hart hart = new Hart(0, new Bus(mem), () -> 0);
        FrozenMemory view;

        Twin(int fill, int mode, boolean exact) {
            hart.mmu.superFill = fill;
            hart.mmu.superFillReplaces = mode;
            hart.mmu.exactPageFlush = exact;
        }

        void map2m(long va, long pa) {
            mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((L1 >>> 12) << 10) | 1);
            mem.write64(L1 + ((va >>> 21) & 0x1ff) * 8, ((pa >>> 12) << 10) | V_R_W_A_D);
        }

        void run(long at, Asm a) {
            mem.writeBytes(at, a.bytes(), 0, a.size());
            hart.pc = at;
            long end = at + a.size();
            for (int k = 0; k < 10_000 && hart.pc != end; k++) hart.run(1);
            assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
        }
    }

    @Test
    void offByDefault() {
        if (System.getProperty("vmckpt.mmu.superFill") == null) {
            assertEquals(0, new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0).mmu.superFill, "-Dvmckpt.mmu.superFill unset");
        }
        assertEquals(0, Mmu.superFillOf(1));
        assertEquals(16, Mmu.superFillOf(17));
        assertEquals(Math.min(512, Hart.TLB_SIZE), Mmu.superFillOf(4096));
        assertEquals(Mmu.REPLACE_EMPTY, Mmu.replacesOf("empty"));
        assertEquals(Mmu.REPLACE_EMPTY, Mmu.replacesOf("nonsense"));
        assertEquals(Mmu.REPLACE_FILLED, Mmu.replacesOf("filled"));
        assertEquals(Mmu.REPLACE_ALL, Mmu.replacesOf("all"));
        if (System.getProperty("vmckpt.mmu.exactPageFlush") == null) {
            assertFalse(new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0).mmu.exactPageFlush);
        }
    }
}
