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
}
