package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The interpreter never runs an instruction other than the one in memory: each test runs an instruction (twice,
 * so that anything the interpreter keeps about it is warm), changes the word behind it in one of the ways a
 * machine can (a guest store, in the same run of the loop or between runs; a compressed instruction rewritten
 * under an unchanged next parcel; the second half of an instruction across a page boundary; a device write; a
 * restore of the page; a lazy restore; the page remapped under the same virtual address), and runs it again.
 * A guard for any fetch or decode caching in the interpreter's loop: a decoded-instruction cache that trusted its
 * entries without comparing the word failed 8 of these 9 tests (docs/BENCHMARKS.md, CPU benchmark, round 6).
 * Interpreter only ({@code --cpu interp}): no translator in these harts.
 */
class InterpreterCodeChangeTest {
    static final long BASE = 0x8000_0000L;
    /** Another physical page 2 MiB away (it shared BASE's slot in the decoded-instruction cache of round 6). */
    static final long ALIAS = BASE + 512L * 4096;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 4 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
    }

    void put32(long at, int insn) {
        mem.write32(at, insn);
    }

    /** Runs the one instruction at {@code at} twice (so that it is surely decoded into the cache) and returns x5. */
    long step(long at) {
        step1(at);
        return step1(at);
    }

    long step1(long at) {
        hart.pc = at;
        assertEquals(1, hart.run(1));
        assertEquals(0, hart.mcause, "no trap");
        return hart.x[5];
    }

    @Test
    void guestStoreBetweenRunsIsSeen() {
        put32(BASE, addi(5, 0, 1));
        assertEquals(1, step(BASE));
        put32(BASE + 0x100, sw(6, 7, 0)); // sw x6, 0(x7): the guest rewrites the instruction at BASE
        hart.x[6] = addi(5, 0, 2);
        hart.x[7] = BASE;
        step1(BASE + 0x100);
        assertEquals(2, step(BASE));
    }

    @Test
    void guestStoreToTheNextInstructionInTheSameRunIsSeen() {
        // BASE: sw x6, 8(x7); BASE+4: nop; BASE+8: addi x5, x0, ?  (rewritten by the first instruction)
        put32(BASE, sw(6, 7, 8));
        put32(BASE + 4, addi(0, 0, 0));
        put32(BASE + 8, addi(5, 0, 1));
        hart.x[7] = BASE;
        hart.x[6] = addi(5, 0, 1);
        for (int k = 0; k < 2; k++) {
            hart.pc = BASE;
            hart.run(3);
        }
        assertEquals(1, hart.x[5]); // decoded and cached
        hart.x[6] = addi(5, 0, 2);
        hart.pc = BASE;
        hart.run(3); // one run of the loop: the page and its decoded entries are held in locals
        assertEquals(BASE + 12, hart.pc);
        assertEquals(2, hart.x[5]);
    }

    @Test
    void compressedInstructionRewrittenInPlaceIsSeen() {
        mem.write16(BASE, 0x4285); // c.li x5, 1
        put32(BASE + 2, addi(0, 0, 0));
        assertEquals(1, step(BASE));
        mem.write16(BASE, 0x4289); // c.li x5, 2: the word's upper half (the next instruction) is unchanged
        assertEquals(2, step(BASE));
        assertEquals(BASE + 2, hart.pc);
    }

    @Test
    void instructionAcrossAPageBoundaryRewrittenIsSeen() {
        long at = BASE + 0xffe;
        put32(at, addi(5, 0, 1));
        assertEquals(1, step(at));
        mem.write16(BASE + 0x1000, addi(5, 0, 2) >>> 16); // only the half in the second page changes
        assertEquals(2, step(at));
    }

    @Test
    void deviceWriteIntoCodeIsSeen() {
        put32(BASE, addi(5, 0, 1));
        assertEquals(1, step(BASE));
        byte[] dma = new byte[4];
        int insn = addi(5, 0, 3);
        for (int k = 0; k < 4; k++) dma[k] = (byte) (insn >>> (8 * k));
        mem.writeBytes(BASE, dma, 0, 4); // the path virtio-blk's reads into guest memory take
        assertEquals(3, step(BASE));
    }

    @Test
    void restoredPageWithOtherCodeIsSeen() {
        put32(BASE, addi(5, 0, 1));
        assertEquals(1, step(BASE));
        byte[] page = new byte[4096];
        int insn = addi(5, 0, 4);
        for (int k = 0; k < 4; k++) page[k] = (byte) (insn >>> (8 * k));
        mem.restorePage(0, page); // reset to a checkpoint: contents copied into the page
        assertEquals(4, step(BASE));
        byte[] other = page.clone();
        insn = addi(5, 0, 5);
        for (int k = 0; k < 4; k++) other[k] = (byte) (insn >>> (8 * k));
        mem.installPage(0, other); // eager restore: a new array
        assertEquals(5, step(BASE));
    }

    @Test
    void lazyRestoreWithOtherCodeIsSeen() {
        put32(BASE, addi(5, 0, 1));
        assertEquals(1, step(BASE));
        int insn = addi(5, 0, 6);
        BitSet pending = new BitSet();
        pending.set(0);
        mem.setLazySource(idx -> {
            byte[] p = new byte[4096];
            for (int k = 0; k < 4; k++) p[k] = (byte) (insn >>> (8 * k));
            return p;
        }, pending);
        assertEquals(6, step(BASE));
    }

    @Test
    void pageRemappedUnderTheSameVirtualAddressIsSeen() {
        long root = BASE + 0x10000, l1 = BASE + 0x11000, l0 = BASE + 0x12000, va = 0x4000_0000L;
        long vrxa = 0x1 | 0x2 | 0x8 | 0x40;
        mem.write64(root + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        long pa1 = BASE + 0x20000, pa2 = ALIAS + 0x20000; // the same slot of the cache
        put32(pa1, addi(5, 0, 7));
        put32(pa2, addi(5, 0, 8));
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa1 >>> 12) << 10) | vrxa);
        hart.satp = (8L << 60) | (root >>> 12);
        hart.setPriv(Hart.PRIV_S);
        hart.flushTlb();
        assertEquals(7, step(va));
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa2 >>> 12) << 10) | vrxa);
        hart.flushTlb(); // what sfence.vma does
        assertEquals(8, step(va));
    }
}
