package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * sfence.vma of one page drops the slot of each TLB that page indexes, whatever page the slot holds (the TLB is
 * direct-mapped by virtual page), and the fenced page translates anew. (Until round 83, SuperpageFillTest: the superpage
 * fill, {@code -Dvmckpt.mmu.superFill}, and the exact page flush, {@code -Dvmckpt.mmu.exactPageFlush}, both retired; this
 * is its test's default half.)
 *
 * <p>As {@link HartTlbTest}: programs run in M-mode with bare fetch, data accesses translate as S-mode (MPRV, MPP = S),
 * and the test changes page tables from outside between pieces.
 */
class PageFenceTest {
    static final long BASE = 0x8000_0000L;
    static final long ROOT = BASE + 0x10000;
    static final long L1 = BASE + 0x11000;
    static final long V_R_W_A_D = 0xC7;
    static final long VA = 0x4000_0000L;
    static final long MEGA_A = BASE + 0x200000, MEGA_B = BASE + 0x400000;

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


    @Test
    void aPageFenceDropsItsSlotWhateverPageItHolds() {
        {
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
            // VA+0x2000 not fenced; fence VA+0x402000 (unmapped, same slot): the slot goes, VA+0x2000's entry with it.
            runPiece(BASE + 0x1000, new Asm().li(3, VA + ((long) Hart.TLB_SIZE << 12) + 0x2000).emit(sfenceVma(3)));
            assertFalse(readMapped(VA + 0x2000), "the fenced slot's other page");
            // Remap VA+0x2000 to B and fence that page: it translates anew either way.
            mem.write64(l0 + 2 * 8, ((MEGA_B >>> 12) << 10) | V_R_W_A_D);
            runPiece(BASE + 0x2000, new Asm().li(2, VA + 0x2000).emit(sfenceVma(2)).emit(ld(7, 2, 0)).emit(sd(7, 2, 8)));
            assertEquals(0xB00, hart.x[7]);
            assertEquals(0xB00, mem.read64(MEGA_B + 8));
        }
    }
}
