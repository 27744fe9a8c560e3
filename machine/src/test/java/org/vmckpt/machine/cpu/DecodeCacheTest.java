package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.BitSet;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The interpreter's decoded-instruction cache never runs an instruction other than the one in memory: each test
 * lets the interpreter decode (and cache) an instruction, changes the word behind it in one of the ways a machine
 * can (a guest store, in the same run of the loop or between runs; a device write; a restore of the page; a lazy
 * restore; a page remapped under the same virtual address onto a page that shares the cache's slot), and runs it
 * again. Every one of them fails if the interpreter trusts a cached entry without comparing its word.
 * Interpreter only ({@code --cpu interp}): no translator in these harts.
 */
class DecodeCacheTest {
    static final long BASE = 0x8000_0000L;
    /** A page that shares BASE's slot in the cache (physical page number + SLOTS). */
    static final long ALIAS = BASE + (long) DecodeCache.SLOTS * 4096;

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

    /**
     * Differential: random straight-line integer code (32-bit and compressed) gives the same registers on a hart
     * whose cache is cold and on one whose cache slot was filled first by different random code at the same
     * offsets of another page (the entries it finds are other words' decodings).
     */
    @Test
    void randomCodeOverAnotherPagesEntriesMatchesAColdCache() {
        for (int seed = 1; seed <= 20; seed++) {
            Random rnd = new Random(seed);
            byte[] code = randomIntegerCode(rnd, 1000);
            byte[] decoy = randomIntegerCode(rnd, 1000);
            long[] cold = runCode(code, null, seed);
            long[] aliased = runCode(code, decoy, seed);
            assertArrayEquals(cold, aliased, "seed " + seed);
        }
    }

    private long[] runCode(byte[] code, byte[] decoy, int seed) {
        GuestMemory m = new GuestMemory(BASE, 4 << 20);
        Hart h = new Hart(0, new Bus(m), () -> 0);
        if (decoy != null) {
            m.writeBytes(ALIAS, decoy, 0, decoy.length);
            h.pc = ALIAS;
            h.run(countInstructions(decoy));
            assertEquals(ALIAS + decoy.length, h.pc);
        }
        m.writeBytes(BASE, code, 0, code.length);
        Random r = new Random(seed * 31L);
        for (int k = 1; k < 32; k++) h.x[k] = r.nextLong();
        h.pc = BASE;
        h.run(countInstructions(code));
        assertEquals(BASE + code.length, h.pc, "straight-line code runs to its end");
        return h.x.clone();
    }

    private static int countInstructions(byte[] code) {
        int n = 0;
        for (int at = 0; at < code.length; at += (code[at] & 3) == 3 ? 4 : 2) n++;
        return n;
    }

    /** Integer instructions that neither jump nor touch memory nor trap: OP, OP-IMM, OP-32, OP-IMM-32, LUI, AUIPC. */
    private static byte[] randomIntegerCode(Random rnd, int count) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        int written = 0;
        while (written < count) {
            if (rnd.nextBoolean()) {
                int c = rnd.nextInt(1 << 16);
                int e = (c & 3) == 3 ? 0 : Compressed.expandCached(c);
                if (e == 0 || !straightLine(e)) continue;
                out.write(c);
                out.write(c >>> 8);
            } else {
                int[] opcodes = {0x13, 0x33, 0x1b, 0x3b, 0x37, 0x17};
                int insn = (rnd.nextInt() & ~0x7f) | opcodes[rnd.nextInt(opcodes.length)];
                if (!straightLine(insn)) continue;
                for (int k = 0; k < 4; k++) out.write(insn >>> (8 * k));
            }
            written++;
        }
        return out.toByteArray();
    }

    private static boolean straightLine(int insn) {
        int op = DecodeCache.operation(insn);
        return op >= DecodeCache.ADDI && op <= DecodeCache.REMUW || op == DecodeCache.LUI || op == DecodeCache.AUIPC;
    }
}
