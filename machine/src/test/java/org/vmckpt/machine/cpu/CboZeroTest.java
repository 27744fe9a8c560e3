package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * Zicboz's {@code cbo.zero} ({@code -Dvmckpt.isa.zicboz}, round 73): it zeroes exactly the naturally aligned block
 * holding rs1, faults as a store (a store page fault or access fault naming the block's first byte, memory untouched),
 * is illegal without Zicboz or where envcfg's CBZE bit forbids it, and writes like any store: the page is dirty in the
 * epoch, a frozen page keeps its old bytes for the checkpoint, and translations of a zeroed code page are dropped.
 */
class CboZeroTest {
    static final long BASE = 0x8000_0000L;
    static final long HANDLER = BASE + 0x100;
    static final long DATA = BASE + 0x4000;           // two data pages of a pattern
    static final long ROOT = BASE + 0x2000;           // Sv39 root: RAM's gigapage mapped RWX, a read-only alias, a hole
    static final long READ_ONLY = 0x1_4000_0000L;     // the same RAM through a read-only gigapage
    static final long HOLE = 0x1_0000_0000L;          // nothing mapped (Sv39), nothing there (bare)
    static final int CBO_ZERO_X2 = Interpreter.CBO_ZERO | 2 << 15;

    private static Hart hart(GuestMemory mem, int block) {
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        h.cbozBlock = block;
        for (int k = 0; k < 8192; k++) mem.write8(DATA + k, k * 37 + 11);
        mem.write32(HANDLER, j(0, 0)); // trap vector: spin
        h.mtvec = HANDLER;
        mem.write64(ROOT + 8 * 2, ((BASE >>> 12) << 10) | 0xcf);      // V R W X A D
        mem.write64(ROOT + 8 * 5, ((BASE >>> 12) << 10) | 0x43);      // V R A: no W
        return h;
    }

    /** Runs the one instruction at BASE (cbo.zero (x2)) in mode {@code priv}; returns whether it retired without a trap. */
    private static boolean runOne(Hart h, int priv, long rs1) {
        h.bus().ram().write32(BASE, CBO_ZERO_X2);
        h.x[2] = rs1;
        h.pc = BASE;
        h.setPriv(priv);
        h.run(1);
        return h.pc == BASE + 4;
    }

    private static long pattern(long addr) {
        return (int) ((addr - DATA) * 37 + 11) & 0xff;
    }

    /** Asserts that exactly [from, to) of the data pages is zero and the rest holds the pattern. */
    private static void assertZeroedExactly(GuestMemory mem, long from, long to, String what) {
        for (long a = DATA; a < DATA + 8192; a++) {
            long want = a >= from && a < to ? 0 : pattern(a);
            assertEquals(want, mem.read8(a) & 0xff, String.format("%s: byte at %x", what, a));
        }
    }

    @Test
    void zeroesTheAlignedBlockHoldingTheAddressAndNothingElse() {
        for (int block : new int[]{64, 256, 4096}) {
            for (long off : new long[]{0, 0x7f3, 0xfff, 0x1040}) {
                GuestMemory mem = new GuestMemory(BASE, 1 << 20);
                Hart h = hart(mem, block);
                assertTrue(runOne(h, Hart.PRIV_M, DATA + off), "retired");
                long from = (DATA + off) & -(long) block;
                assertZeroedExactly(mem, from, from + block, "block " + block + ", rs1 = DATA + " + Long.toHexString(off));
                assertEquals(DATA + off, h.x[2], "rs1 unchanged");
            }
        }
    }

    @Test
    void faultsAsAStoreNamingTheBlockAndTouchesNothing() {
        // Bare M-mode: no memory at HOLE, a store access fault.
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart h = hart(mem, 64);
        assertFalse(runOne(h, Hart.PRIV_M, HOLE + 0x47));
        assertEquals(CAUSE_STORE_ACCESS, h.mcause);
        assertEquals(HOLE + 0x40, h.mtval, "mtval: the block's first byte");
        assertEquals(BASE, h.mepc);
        // Sv39 in S-mode: nothing mapped at HOLE, and a read-only mapping of the data: store page faults.
        for (long va : new long[]{HOLE + 0x1234, READ_ONLY + (DATA - BASE) + 0x7f3}) {
            mem = new GuestMemory(BASE, 1 << 20);
            h = hart(mem, 64);
            h.menvcfg = ENVCFG_CBZE;
            h.satp = (8L << 60) | (ROOT >>> 12);
            h.mmu.updateContexts();
            assertFalse(runOne(h, Hart.PRIV_S, va), "trapped at " + Long.toHexString(va));
            assertEquals(CAUSE_STORE_PAGE_FAULT, h.mcause);
            assertEquals(va & ~63L, h.mtval, "mtval: the block's first byte");
            assertZeroedExactly(mem, 0, 0, "after the fault");
        }
        // The same read-only page written through the writable mapping: zeroed.
        assertTrue(runOne(h, Hart.PRIV_S, DATA + 0x7f3));
        assertZeroedExactly(mem, DATA + 0x7c0, DATA + 0x800, "through the writable mapping");
    }

    @Test
    void illegalWithoutZicbozOrWhereEnvcfgForbidsIt() {
        int[][] cases = { // block, priv, menvcfg.CBZE, senvcfg.CBZE, retires
                {0, Hart.PRIV_M, 1, 1, 0},
                {64, Hart.PRIV_M, 0, 0, 1},
                {64, Hart.PRIV_S, 0, 1, 0},
                {64, Hart.PRIV_S, 1, 0, 1},
                {64, Hart.PRIV_U, 1, 0, 0},
                {64, Hart.PRIV_U, 0, 1, 0},
                {64, Hart.PRIV_U, 1, 1, 1},
        };
        for (int[] c : cases) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 20);
            Hart h = hart(mem, c[0]);
            h.menvcfg = c[2] != 0 ? ENVCFG_CBZE : 0;
            h.senvcfg = c[3] != 0 ? ENVCFG_CBZE : 0;
            String what = String.format("block %d, priv %d, menvcfg.CBZE %d, senvcfg.CBZE %d", c[0], c[1], c[2], c[3]);
            boolean retired = runOne(h, c[1], DATA);
            assertEquals(c[4] == 1, retired, what);
            if (retired) {
                assertZeroedExactly(mem, DATA, DATA + 64, what);
            } else {
                assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, what);
                assertEquals(CBO_ZERO_X2 & 0xffffffffL, h.mtval, what);
                assertZeroedExactly(mem, 0, 0, what);
            }
        }
        // Other encodings of the family stay illegal: cbo.zero with rd != 0, cbo.clean/flush/inval (not implemented).
        for (int insn : new int[]{CBO_ZERO_X2 | 1 << 7, 0x0010200f | 2 << 15, 0x0020200f | 2 << 15, 0x0000200f | 2 << 15}) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 20);
            Hart h = hart(mem, 64);
            mem.write32(BASE, insn);
            h.x[2] = DATA;
            h.pc = BASE;
            h.run(1);
            assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, Integer.toHexString(insn));
            assertZeroedExactly(mem, 0, 0, Integer.toHexString(insn));
        }
    }

    @Test
    void envcfgKeepsCbzeOnlyWithZicboz() {
        for (int block : new int[]{0, 64}) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 20);
            Hart h = hart(mem, block);
            Asm a = new Asm().li(5, -1L);
            mem.writeBytes(BASE, a.bytes(), 0, a.bytes().length);
            long at = BASE + a.bytes().length;
            mem.write32(at, csrrw(0, MENVCFG, 5));
            mem.write32(at + 4, csrrw(0, SENVCFG, 5));
            mem.write32(at + 8, csrr(6, MENVCFG));
            mem.write32(at + 12, csrr(7, SENVCFG));
            h.pc = BASE;
            h.run(a.bytes().length / 4 + 4);
            long want = block != 0 ? ENVCFG_FIOM | ENVCFG_CBZE : ENVCFG_FIOM;
            assertEquals(want, h.x[6], "menvcfg, block " + block);
            assertEquals(want, h.x[7], "senvcfg, block " + block);
        }
    }

    @Test
    void theBlockIsDirtyInTheEpochAndAFrozenPageKeepsItsOldBytes() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart h = hart(mem, 64);
        int idx = mem.pageIndexOf(DATA);
        mem.startNewEpoch();
        assertFalse(mem.isDirty(idx));
        assertTrue(runOne(h, Hart.PRIV_M, DATA + 8)); // fills the write TLB for the page
        assertTrue(mem.isDirty(idx), "the zeroed page is in the dirty log");

        FrozenMemory frozen = mem.freeze();
        byte[] before = frozen.page(idx).clone();
        h.x[2] = DATA + 0x100;
        h.pc = BASE;
        h.run(1); // the TLB's write entry was dropped by the freeze
        assertEquals(BASE + 4, h.pc, "retired");
        assertTrue(mem.isDirty(idx), "dirty in the new epoch");
        assertArrayEquals(before, frozen.page(idx), "the checkpoint's view of the page keeps its old bytes");
        assertEquals(0, mem.read64(DATA + 0x100));
        assertEquals(pattern(DATA + 0x100), frozen.page(idx)[0x100] & 0xff);
        assertEquals(1, mem.copyOnWriteCount());
        frozen.release();
    }

    /**
     * A translated loop that zeroes data blocks, then zeroes the block of code it is about to run: the unit must leave
     * (its translation of that page dropped) and the next instruction, now all zeros, is illegal; under the interpreter
     * the same. Without the code page's invalidation the unit would run the stale {@code addi x8}.
     */
    @Test
    void zeroingTranslatedCodeDropsItsTranslation() {
        for (boolean translate : new boolean[]{false, true}) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 20);
            Hart h = hart(mem, 64);
            Asm init = new Asm().li(2, DATA).li(9, BASE + 0x1080).li(5, 0).li(6, 20_000);
            byte[] ib = init.bytes();
            mem.writeBytes(BASE, ib, 0, ib.length);
            mem.write32(BASE + ib.length, j((int) (BASE + 0x1000 - (BASE + ib.length)), 0));
            long loop = BASE + 0x1000;
            mem.write32(loop, CBO_ZERO_X2);                 // zero a data block
            mem.write32(loop + 4, addi(0, 0, 0));
            mem.write32(loop + 8, addi(5, 5, 1));
            mem.write32(loop + 12, b(-12, 6, 5, 4));        // blt x5, x6, loop
            mem.write32(loop + 16, Interpreter.CBO_ZERO | 9 << 15); // zero the code block at +0x80
            for (long a = loop + 20; a < loop + 0x80; a += 4) mem.write32(a, addi(0, 0, 0));
            mem.write32(loop + 0x80, addi(8, 8, 1));        // zeroed before it runs: illegal
            mem.write32(loop + 0x84, j(0, 0));
            h.setTranslation(translate);
            h.setTranslationThreshold(2);
            if (translate) h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
            h.pc = BASE;
            for (int k = 0; k < 10_000 && h.pc != HANDLER; k++) h.run(1000);
            String what = translate ? "translator" : "interpreter";
            assertEquals(HANDLER, h.pc, what + ": trapped");
            assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, what);
            assertEquals(loop + 0x80, h.mepc, what);
            assertEquals(0, h.x[8], what + ": the zeroed addi never ran");
            assertZeroedExactly(mem, DATA, DATA + 64, what);
            if (translate) {
                CodeCache.Stats s = h.translationStats();
                assertTrue(s.unitsTranslated() > 0 && s.translatedInstructionsRun() > 0, "the loop ran translated: " + s);
                assertTrue(s.invalidations() > 0, "the zeroed code's translation was dropped: " + s);
            }
        }
    }
}
