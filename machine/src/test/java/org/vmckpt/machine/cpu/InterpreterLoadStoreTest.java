package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The interpreter's own TLB fast paths for loads and stores (written out in {@link Interpreter#interpret}, not calls
 * to {@link Mmu}): every width and extension, at offsets where the fast path applies and near the page's end where
 * it must hand over to the slow path (which also handles an access that crosses into the next page), and the
 * illegal widths, which trap without touching memory or rd although the page is in the TLB. Each access runs right
 * after a load of the same page, so the TLB holds it.
 */
class InterpreterLoadStoreTest {
    static final long BASE = 0x8000_0000L;
    static final long DATA = BASE + 0x4000; // two data pages: DATA and DATA + 4096
    static final int[] OFFSETS = {0, 8, 0x7f3, 0xff0, 0xff8, 0xff9, 0xffa, 0xffc, 0xffd, 0xffe, 0xfff};

    private static Hart hart(GuestMemory mem, boolean translation) {
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        h.setTranslation(translation);
        for (int k = 0; k < 8192; k++) mem.write8(DATA + k, k * 37 + 11);
        mem.write32(BASE + 0x100, j(0, 0)); // trap vector: spin
        h.mtvec = BASE + 0x100;
        h.x[3] = DATA; // the base of the access that fills the TLB
        return h;
    }

    /** The {@code size} bytes at {@code address}, little-endian, sign- or zero-extended. */
    private static long expected(GuestMemory mem, long address, int size, boolean signed) {
        long v = 0;
        for (int k = size - 1; k >= 0; k--) v = v << 8 | mem.read8(address + k) & 0xff;
        int shift = 64 - 8 * size;
        return signed ? v << shift >> shift : v;
    }

    @Test
    void everyLoadWidthAtEveryOffsetReadsMemory() {
        int[] sizes = {1, 2, 4, 8, 1, 2, 4};
        for (boolean translation : new boolean[]{false, true}) {
            for (int funct3 = 0; funct3 <= 6; funct3++) {
                for (int off : OFFSETS) {
                    GuestMemory mem = new GuestMemory(BASE, 1 << 20);
                    Hart h = hart(mem, translation);
                    mem.write32(BASE, ld(6, 3, 0));                      // fills the read TLB for the page
                    mem.write32(BASE + 4, i(0, 2, funct3, 5, 0x03));     // the load under test, at x2
                    h.x[2] = DATA + off;
                    h.pc = BASE;
                    assertEquals(2, h.run(2));
                    String what = String.format("load funct3 %d at offset %x (translation %s)", funct3, off, translation);
                    assertEquals(BASE + 8, h.pc, what + " retired without a trap");
                    assertEquals(expected(mem, DATA + off, sizes[funct3], funct3 < 4), h.x[5], what);
                }
            }
        }
    }

    @Test
    void everyStoreWidthAtEveryOffsetWritesExactlyItsBytes() {
        int[] sizes = {1, 2, 4, 8};
        for (boolean translation : new boolean[]{false, true}) {
            for (int funct3 = 0; funct3 <= 3; funct3++) {
                for (int off : OFFSETS) {
                    GuestMemory mem = new GuestMemory(BASE, 1 << 20);
                    Hart h = hart(mem, translation);
                    mem.write32(BASE, sd(0, 3, 0x10));                   // fills the write TLB for the page
                    mem.write32(BASE + 4, s(0, 7, 2, funct3, 0x23));     // the store under test, at x2
                    h.x[2] = DATA + off;
                    h.x[7] = 0x8877_6655_4433_2211L;
                    GuestMemory before = new GuestMemory(BASE, 1 << 20);
                    for (int k = 0; k < 8192; k++) before.write8(DATA + k, mem.read8(DATA + k));
                    h.pc = BASE;
                    assertEquals(2, h.run(2));
                    String what = String.format("store funct3 %d at offset %x (translation %s)", funct3, off, translation);
                    assertEquals(BASE + 8, h.pc, what + " retired without a trap");
                    for (int k = 0; k < 8192; k++) {
                        int rel = k - off;
                        int want = rel >= 0 && rel < sizes[funct3] ? (int) (h.x[7] >>> (8 * rel)) & 0xff
                                : k >= 0x10 && k < 0x18 ? 0 : before.read8(DATA + k) & 0xff;
                        assertEquals(want, mem.read8(DATA + k) & 0xff, what + ", byte " + Integer.toHexString(k));
                    }
                }
            }
        }
    }

    @Test
    void illegalWidthsTrapWithoutTouchingMemoryOrRdThoughThePageIsInTheTlb() {
        int[] illegal = {i(8, 2, 7, 5, 0x03), s(8, 7, 2, 4, 0x23), s(8, 7, 2, 5, 0x23), s(8, 7, 2, 6, 0x23), s(8, 7, 2, 7, 0x23)};
        for (int insn : illegal) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 20);
            Hart h = hart(mem, false);
            mem.write32(BASE, sd(0, 3, 0x10)); // the page in the write TLB, and (next) in the read TLB
            mem.write32(BASE + 4, ld(6, 3, 0));
            h.x[2] = DATA;
            mem.write32(BASE + 8, insn);
            h.x[5] = 0x5555;
            h.x[7] = -1;
            long word = mem.read64(DATA + 8);
            h.pc = BASE;
            h.run(3);
            String what = String.format("%08x", insn);
            assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, what + " is illegal");
            assertEquals(BASE + 0x100, h.pc, what);
            assertEquals(0x5555, h.x[5], what + " left rd alone");
            assertEquals(word, mem.read64(DATA + 8), what + " left memory alone");
        }
    }
}
