package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Word locals ({@link WordLocals}, {@code -Dvmckpt.jit.wordLocals}, round 65): a hot-tier unit keeps the registers its
 * loop carries as 32-bit values in int locals. A loop of SHA-256's shape (a rotate made of {@code srliw}, {@code slliw}
 * and {@code or} at every distance, {@code sraiw}, {@code xor}, {@code and}, {@code addw}, word and byte loads) ends in
 * the interpreter's state after any budget, from entry values that are sign-extended (the unit runs) and from values
 * that are not (the unit leaves before its first instruction and changes nothing); a register a 64-bit operation
 * writes ({@code ld}, {@code addi}) is no int local.
 */
class WordLocalsTest {
    static final long BASE = WrittenOutAluTest.BASE, DATA = BASE + 0x800;

    /**
     * The loop: x10 rotated right by {@code k} every iteration, accumulated into x11 (addw) and x12 (xor, and with an
     * arithmetic shift), x13 from a word load, x14 from a byte load, x15 from a 64-bit load, x17 read and written only on
     * a path never taken; x7 counts down.
     */
    static int[] loop(int k, int s) {
        return new int[] {
                i(k, 10, 5, 5, 0x1b),               // 0: head: srliw x5, x10, k
                i(32 - k, 10, 1, 6, 0x1b),          // slliw x6, x10, 32 - k
                r(0, 6, 5, 6, 10, 0x33),            // or x10, x5, x6: x10 = ror32(x10, k)
                r(0, 10, 11, 0, 11, 0x3b),          // addw x11, x11, x10
                i(0x400 | s, 10, 5, 5, 0x1b),       // sraiw x5, x10, s
                r(0, 5, 12, 4, 12, 0x33),           // xor x12, x12, x5
                lw(13, 9, 0),                       // lw x13, 0(x9)
                r(0, 13, 12, 7, 6, 0x33),           // and x6, x12, x13
                r(0, 6, 11, 4, 11, 0x33),           // xor x11, x11, x6
                lbu(14, 9, 5),                      // lbu x14, 5(x9)
                r(0, 14, 12, 0, 12, 0x3b),          // addw x12, x12, x14
                ld(15, 9, 8),                       // ld x15, 8(x9): not a word
                r(0, 15, 16, 6, 16, 0x33),          // or x16, x16, x15: carried, not a word
                r(0, 17, 11, 0, 11, 0x3b),          // addw x11, x11, x17: x17 carried (read first)
                b(8, 0, 7, 5),                      // bge x7, x0, +8: always taken (x7 > 0)
                i(1, 17, 0, 17, 0x1b),              // addiw x17, x17, 1: its only write, never run
                i(-1, 7, 0, 7, 0x13),               // addi x7, x7, -1
                b(-68, 0, 7, 1),                    // bne x7, x0, head
                WrittenOutAluTest.RET,
        };
    }

    static Hart hart(int[] code, long dataWord, long dataLong) {
        Hart h = WrittenOutAluTest.hart(code);
        h.bus().ram().write32(DATA, (int) dataWord);
        h.bus().ram().write64(DATA + 8, dataLong);
        return h;
    }

    static TranslatedUnit hotUnit(int[] code, boolean wordLocals, Translator t) {
        t.wordLocals = wordLocals;
        TranslatedUnit u = t.translate(WrittenOutAluTest.page(code), 0, null, -1, 0, true);
        assertNotNull(u);
        return u;
    }

    @Test
    void theLoopsCarriedWordsAreIntLocalsAndNothingElse() {
        Translator t = new Translator();
        hotUnit(loop(7, 3), true, t);
        // x10, x11, x12, x17 are carried round the loop; x5, x6, x13, x14 are words written before they are read;
        // x15 (ld), x16 (carried, but or with x15), x7 (addi) and x9 (never written) are not words.
        assertEquals(1 << 10 | 1 << 11 | 1 << 12 | 1 << 17, t.lastIntRegs);
        int on = t.lastBytecodeSize;
        hotUnit(loop(7, 3), false, t);
        assertEquals(0, t.lastIntRegs);
        assertNotEquals(on, t.lastBytecodeSize, "the switch changed nothing in the unit");
    }

    @Test
    void rotatesAtEveryDistanceEndInTheInterpretersState() {
        Random rnd = new Random(65);
        long[] edges = {0, 1, -1, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x8000_0000L, 0xffff_ffffL, 0x1234_5678_9abc_def0L};
        int ran = 0, left = 0;
        for (int k = 1; k < 32; k++) {
            int s = rnd.nextInt(32);
            int[] code = loop(k, s);
            TranslatedUnit u = hotUnit(code, true, new Translator());
            for (int trial = 0; trial < 12; trial++) {
                long w = rnd.nextLong(), d = rnd.nextLong();
                Hart jit = hart(code, w, d), ref = hart(code, w, d);
                long[] start = new long[32];
                boolean words = trial % 3 != 2; // one run in three from entry values that are not all 32-bit
                for (int r : new int[] {10, 11, 12, 17}) {
                    long v = trial < edges.length ? edges[(trial + r) % edges.length] : rnd.nextLong();
                    start[r] = words ? (long) (int) v : v;
                }
                start[5] = rnd.nextLong(); // (temporaries: whatever the code before left)
                start[6] = rnd.nextLong();
                start[7] = 1_000;
                start[9] = DATA;
                start[15] = rnd.nextLong();
                start[16] = (long) (int) rnd.nextLong(); // (a word at the entry, but the loop makes it 64-bit)
                int budget = 20 + rnd.nextInt(20 * 40); // (at least the loop's one iteration: the entry's need)
                System.arraycopy(start, 0, jit.x, 0, 32);
                System.arraycopy(start, 0, ref.x, 0, 32);
                jit.pc = BASE;
                ref.pc = BASE;
                jit.inUnit = true;
                int retired = u.run(jit, budget);
                jit.inUnit = false;
                boolean sext = true;
                for (int r : new int[] {10, 11, 12, 17}) sext &= start[r] == (long) (int) start[r];
                if (!sext) {
                    assertEquals(0, retired, "k " + k + ": the unit ran from values that are not words");
                    assertTrue(jit.unitExit, "k " + k + ": left without asking the dispatcher to interpret");
                    assertArrayEquals(start, jit.x, "k " + k + ": the unit changed registers before leaving");
                    assertEquals(BASE, jit.pc);
                    left++;
                    continue;
                }
                assertTrue(retired > 0 && retired <= budget, "k " + k + ": retired " + retired + " of " + budget);
                ref.run(retired);
                assertEquals(ref.pc, jit.pc, "k " + k + " pc after " + retired);
                for (int r = 1; r < 32; r++) {
                    assertEquals(ref.x[r], jit.x[r], "k " + k + ", s " + s + ": x" + r + " after " + retired
                            + " from x10 " + Long.toHexString(start[10]) + " x11 " + Long.toHexString(start[11])
                            + " x12 " + Long.toHexString(start[12]) + " x17 " + Long.toHexString(start[17]));
                }
                ran++;
            }
        }
        assertTrue(ran > 200 && left > 50, ran + " runs, " + left + " left at the entry");
    }

    /**
     * The same loop under the dispatcher, from carried registers that hold 32-bit values at every entry, and from x17
     * = 2^32, which the loop reads as a word and never writes: the hot-tier build leaves it a long, since the C1 unit
     * it replaces never saw it a word at its entry ({@link TranslatedUnit#entryWords}); an int local would have sent
     * every entry to the interpreter.
     */
    @Test
    void underTheDispatcherFromValuesThatAreNotWords() {
        int[] code = loop(13, 31);
        for (boolean words : new boolean[] {true, false}) {
            Hart jit = hart(code, 0x89abcdefL, -5), ref = hart(code, 0x89abcdefL, -5);
            jit.setTranslation(true);
            jit.setPromotionThreshold(64);
            jit.codeCache.promoteUncompiled = true;
            jit.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
            jit.codeCache.hotRecheck = 64;
            jit.codeCache.hotMinRun = 0;
            jit.codeCache.wordLocals = true;
            for (Hart h : new Hart[] {jit, ref}) {
                h.x[7] = 1_000_000;
                h.x[9] = DATA;
                h.x[10] = words ? -0x1234567L : 0x1_2345_6789L;
                h.x[11] = 3;
                h.x[12] = 5;
                h.x[17] = words ? -7 : 0x1_0000_0000L;
                h.pc = BASE;
            }
            Random budgets = new Random(words ? 1 : 2);
            for (long at : new long[] {20_000, 200_000, 1_000_000}) {
                TranslatorDifferentialTest.runTo(jit, at, budgets);
                TranslatorDifferentialTest.runTo(ref, at, budgets);
                assertEquals(ref.pc, jit.pc, "pc at " + at);
                assertArrayEquals(ref.x, jit.x, "registers at " + at);
            }
            CodeCache.Stats st = jit.translationStats();
            System.out.println("WordLocalsTest " + (words ? "words" : "x17 = 2^32") + ": " + st);
            assertTrue(st.promotions() > 0 && st.hotInstructionsRun() > 0, "the hot tier did not run: " + st);
            assertTrue(st.deferrals() < 10, "entries left for the interpreter: " + st.deferrals());
        }
    }
}
