package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The hart's translation and fetch caches never show stale data where the architecture forbids it:
 * sfence.vma of one page (including pages cut from a superpage), and code rewritten in place (also while
 * memory is frozen for a checkpoint, when the write goes to a fresh copy of the page).
 *
 * <p>Programs run in M-mode from {@link #BASE} with bare fetch; data accesses go through the MMU with MPRV
 * and MPP = S, so a test changes translations between steps by writing page-table entries from outside.
 */
class HartTlbTest {
    static final long BASE = 0x8000_0000L;
    static final long ROOT = BASE + 0x10000;
    static final long L1 = BASE + 0x11000;
    static final long L0 = BASE + 0x12000;
    static final long V_R_W_A_D = 0xC7;
    /** The 1 GiB region at virtual 0x4000_0000 is where every test maps its data. */
    static final long VA = 0x4000_0000L;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 16 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.pc = BASE;
    }

    static int sfenceVma(int rs1) {
        return r(0x09, 0, rs1, 0, 0, 0x73);
    }

    /** Code that turns on Sv39 at ROOT and makes data accesses translate as in S-mode (MPRV, MPP = S). */
    static Asm enableDataTranslation() {
        Asm a = new Asm();
        a.li(1, (8L << 60) | (ROOT >>> 12)).emit(csrrw(0, SATP, 1));
        a.li(1, MPRV | ((long) Hart.PRIV_S << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        return a;
    }

    /** Writes {@code a} at {@code at} and steps the hart until its pc is just past it. */
    void runPiece(long at, Asm a) {
        mem.writeBytes(at, a.bytes(), 0, a.size());
        hart.pc = at;
        long end = at + a.size();
        for (int k = 0; k < 1000 && hart.pc != end; k++) hart.run(1);
        assertEquals(end, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
    }

    void map4k(long va, long pa) {
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((L1 >>> 12) << 10) | 1);
        mem.write64(L1 + ((va >>> 21) & 0x1ff) * 8, ((L0 >>> 12) << 10) | 1);
        mem.write64(L0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | V_R_W_A_D);
    }

    void map2m(long va, long pa) {
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((L1 >>> 12) << 10) | 1);
        mem.write64(L1 + ((va >>> 21) & 0x1ff) * 8, ((pa >>> 12) << 10) | V_R_W_A_D);
    }

    @Test
    void sfenceOfOnePageDropsItsTranslationAndKeepsOthersCorrect() {
        long other = VA + 0x5000;
        map4k(VA, BASE + 0x100000);
        map4k(other, BASE + 0x101000);
        mem.write64(BASE + 0x100000, 1);
        mem.write64(BASE + 0x101000, 2);
        mem.write64(BASE + 0x102000, 3);
        Asm a = enableDataTranslation();
        a.li(2, VA).li(3, other).emit(ld(5, 2, 0)).emit(ld(6, 3, 0)).emit(sd(6, 2, 8));
        runPiece(BASE, a);
        assertEquals(1, hart.x[5]);
        assertEquals(2, hart.x[6]);

        map4k(VA, BASE + 0x102000); // remap VA: stale until sfence.vma
        runPiece(BASE + 0x1000, new Asm().emit(sfenceVma(2)).emit(ld(5, 2, 0)).emit(ld(6, 3, 0)).emit(sd(6, 2, 16)));
        assertEquals(3, hart.x[5], "the fenced page translates anew");
        assertEquals(2, hart.x[6], "the other page still translates as before");
        assertEquals(2, mem.read64(BASE + 0x102010), "stores go through the new translation");
        assertEquals(0, mem.read64(BASE + 0x100010), "and not through the old write entry");
    }

    @Test
    void sfenceOfOnePageInsideASuperpageDropsEveryPieceOfIt() {
        long megapageA = BASE + 0x200000, megapageB = BASE + 0x400000;
        long va1 = VA + 0x3000, va2 = VA + 0x5000;  // two 4 KiB pieces of the megapage at VA
        map2m(VA, megapageA);
        mem.write64(megapageA + 0x3000, 0xA);
        mem.write64(megapageB + 0x3000, 0xB);
        Asm a = enableDataTranslation();
        a.li(2, va1).li(3, va2).emit(ld(5, 2, 0)).emit(sd(5, 2, 8));
        runPiece(BASE, a);
        assertEquals(0xA, hart.x[5]);

        map2m(VA, megapageB);
        // Fencing any address in the megapage invalidates its leaf entry, so va1's cached piece goes too.
        runPiece(BASE + 0x1000, new Asm().emit(sfenceVma(3)).emit(ld(5, 2, 0)).emit(sd(5, 2, 16)));
        assertEquals(0xB, hart.x[5]);
        assertEquals(0xB, mem.read64(megapageB + 0x3010));
        assertEquals(0, mem.read64(megapageA + 0x3010));
    }

    @Test
    void sfenceOfAllAddressesDropsEverything() {
        map4k(VA, BASE + 0x100000);
        mem.write64(BASE + 0x100000, 1);
        mem.write64(BASE + 0x102000, 3);
        Asm a = enableDataTranslation();
        a.li(2, VA).emit(ld(5, 2, 0));
        runPiece(BASE, a);
        map4k(VA, BASE + 0x102000);
        runPiece(BASE + 0x1000, new Asm().emit(SFENCE_VMA).emit(ld(5, 2, 0)));
        assertEquals(3, hart.x[5]);
    }
    static final int FENCE_I = 0x0000100f;
    static final int SPIN = j(0, 0); // jal x0, 0: stays put

    /** Runs in whole batches (as the machine does) until pc is {@code stop}. */
    void runBatchesTo(long stop) {
        for (int k = 0; k < 100 && hart.pc != stop; k++) hart.run(10_000);
        assertEquals(stop, hart.pc, "mcause " + hart.mcause + " mtval " + Long.toHexString(hart.mtval));
    }

    @Test
    void codeRewrittenInPlaceRunsAfterFenceI() {
        for (boolean frozen : new boolean[]{false, true}) {
            setUp();
            // The store replaces "addi x7, x0, 1" two instructions ahead, in the page being executed.
            Asm a = new Asm();
            a.li(1, addi(7, 0, 2) & 0xffffffffL).li(2, BASE + 16 * 4 + 12);
            a.emit(sw(1, 2, 0)).emit(FENCE_I).emit(0x13 /* nop */).emit(addi(7, 0, 1)).emit(SPIN);
            assertEquals(16 * 4 + 12, a.size() - 8);
            mem.writeBytes(BASE, a.bytes(), 0, a.size());
            var view = frozen ? mem.freeze() : null; // then the store goes to a fresh copy of the page
            runBatchesTo(BASE + a.size() - 4);
            assertEquals(2, hart.x[7], frozen ? "frozen page" : "plain page");
            if (view != null) {
                assertEquals(addi(7, 0, 1), java.nio.ByteBuffer.wrap(view.page(0)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(16 * 4 + 12), "the frozen view keeps the old code");
                view.release();
            }
        }
    }

    @Test
    void supervisorCodeFollowsItsPageWhenRemappedAndFenced() {
        long mTrap = BASE + 0x800;
        long codeVa = VA, tableVa = VA + 0x10000;
        long codeA = BASE + 0x100000, codeB = BASE + 0x101000;
        map4k(codeVa, codeA);
        map4k(tableVa, L0);
        long codePte = L0 + ((codeVa >>> 12) & 0x1ff) * 8;
        // The same code at A and B except for the value it leaves in x7.
        for (long at : new long[]{codeA, codeB}) {
            Asm s = new Asm();
            s.emit(addi(5, 0, 1)).emit(sd(8, 9, 0)).emit(sfenceVma(6)).emit(addi(7, 0, at == codeA ? 1 : 2)).emit(ECALL);
            mem.writeBytes(at, s.bytes(), 0, s.size());
        }
        mem.writeBytes(mTrap, new Asm().emit(SPIN).bytes(), 0, 4);
        Asm m = new Asm();
        m.li(1, mTrap).emit(csrrw(0, MTVEC, 1));
        m.li(1, (8L << 60) | (ROOT >>> 12)).emit(csrrw(0, SATP, 1));
        m.li(1, (long) Hart.PRIV_S << MPP_SHIFT).emit(csrrw(0, MSTATUS, 1));
        m.li(1, codeVa).emit(csrrw(0, MEPC, 1));
        m.li(6, codeVa).li(8, ((codeB >>> 12) << 10) | 0xCB /* V R X A D */).li(9, tableVa + (codePte - L0));
        m.emit(MRET);
        mem.writeBytes(BASE, m.bytes(), 0, m.size());
        mem.write64(codePte, ((codeA >>> 12) << 10) | 0xCB);
        runBatchesTo(mTrap);
        assertEquals(CAUSE_SUPERVISOR_ECALL, hart.mcause);
        assertEquals(1, hart.x[5]);
        assertEquals(2, hart.x[7], "after the fence, fetch follows the new mapping");
    }

    /**
     * A page filled from a known source (a boot file, a restore) while the hart caches a write mapping of it: the
     * mapping is dropped, so the guest's next store to it goes through the memory's write path, which forgets that
     * the page equals its source. The write TLB's "empty" shortcut must not skip that drop after a flush and a new
     * mapping (a checkpoint would otherwise store the page as a reference to bytes it no longer holds).
     */
    @Test
    void pageFilledFromASourceLosesItsOriginOnTheNextGuestStore() {
        long data = BASE + 0x40000;
        int idx = mem.pageIndexOf(data);
        Asm store = new Asm();
        store.li(1, 0x1234).li(2, data).emit(sd(1, 2, 8));
        runPiece(BASE, store); // a write mapping of the data page
        hart.mmu.flushTlb();    // the write TLB is empty again
        runPiece(BASE + 0x1000, store); // and maps the page once more
        byte[] source = new byte[4096];
        mem.writeFromSource(data, source, 0, source.length, org.vmckpt.machine.memory.PageOrigin.KERNEL, 0);
        assertNotNull(mem.origin(idx), "the page equals its source now");
        runPiece(BASE + 0x2000, store);
        assertNull(mem.origin(idx), "the guest's store went through the cached mapping: the page still claims its source");
        assertEquals(0x1234, mem.read64(data + 8));
    }
}
