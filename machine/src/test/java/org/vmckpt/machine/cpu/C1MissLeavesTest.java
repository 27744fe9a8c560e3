package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link Translator#c1MissLeaves}: C1 units get the compact code and leave before a missing access (no call of the
 * hart's access in them); hot-tier units are built exactly as without the switch. The differential test's
 * {@code c1MissLeavesInBothTiers} compares whole random programs.
 */
class C1MissLeavesTest {
    static final long BASE = 0x8000_0000L, LOOP = BASE + 0x100, DATA = BASE + 0x10000;

    /** These tests count a unit's leaves: the rebuild of units that leave often (on by default) would replace it. */
    @BeforeEach
    void noRebuild() {
        CodeCache.c1MissRebuild = 0;
    }

    @AfterEach
    void asBefore() {
        CodeCache.c1MissRebuild = CodeCache.C1_MISS_REBUILD;
        Translator.c1MissLeaves = Translator.C1_MISS_LEAVES;
    }

    /**
     * (Round 64's CompactEmitTest's, kept when its switch was retired in round 83.) A loop whose loads and stores of every size straddle the end of a page by one byte or more (x9 points 2 bytes
     * before it): every one must read and write the two pages as the interpreter does.
     */
    static Hart straddler(boolean translated) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translated);
        h.setTranslationThreshold(16);
        GuestMemory mem = h.bus().ram();
        long at = LOOP;
        int[] body = {
                addi(15, 15, 3),               // (so that a unit that leaves at its first access has retired something)
                ld(10, 9, 0),                  // ld a0, 0(s1): bytes 0xffe..0x1005
                lw(11, 9, -1),                 // lw a1, -1(s1): 0xffd..0x1000
                i(1, 9, 1, 12, 0x03),          // lh a2, 1(s1): 0xfff..0x1000
                lw(13, 9, -2),                 // lw a3, -2(s1): 0xffc..0xfff, inside the page
                add(14, 14, 10), add(14, 14, 11), add(14, 14, 12), add(14, 14, 13),
                sd(14, 9, -4),                 // sd a4, -4(s1): 0xffa..0x1001
                sw(14, 9, 1),                  // sw a4, 1(s1): 0xfff..0x1002
                s(0, 14, 9, 1, 0x23),          // sh a4, 0(s1): 0xffe..0xfff, inside
                s(1, 14, 9, 1, 0x23),          // sh a4, 1(s1): 0xfff..0x1000
                addi(14, 14, 7),
        };
        for (int insn : body) { mem.write32(at, insn); at += 4; }
        mem.write32(at, j((int) (LOOP - at), 0));                 // j loop
        for (int k = 0; k < 1024; k++) mem.write64(DATA + 8L * k, k * 0x9e3779b97f4a7c15L);
        h.x[9] = DATA + 0x1000 - 2;
        h.pc = LOOP;
        return h;
    }

    static void sameState(Hart ref, Hart jit) {
        while (ref.instret < jit.instret) ref.run((int) Math.min(4096, jit.instret - ref.instret));
        assertEquals(ref.instret, jit.instret, "instret");
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 1; r < 32; r++) assertEquals(ref.x[r], jit.x[r], "x" + r);
        for (int k = 0; k < 1024; k++) {
            assertEquals(ref.bus().ram().read64(DATA + 8L * k), jit.bus().ram().read64(DATA + 8L * k), "doubleword " + k);
        }
    }

    /** A loop of 12 loads, adds and stores through x9, at 0x100 of a page. */
    static byte[] accessLoop() {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        for (int k = 0; k < 12; k++) {
            b.putInt(at, ld(10, 9, 8 * k)); at += 4;
            b.putInt(at, add(12, 12, 10)); at += 4;
            b.putInt(at, sw(12, 9, 8 * k + 4)); at += 4;
        }
        b.putInt(at, addi(9, 9, 8)); at += 4;
        b.putInt(at, Asm.b(0x100 - at, 0, 9, 1)); at += 4; // bne s1, x0, head
        b.putInt(at, i(0, 1, 0, 0, 0x67));                  // ret
        return page;
    }

    /** The methods of Mmu a class's code calls, by name. */
    static List<String> mmuCalls(byte[] classBytes) {
        List<String> calls = new ArrayList<>();
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                        if (owner.equals("org/vmckpt/machine/cpu/Mmu")) calls.add(n);
                    }
                };
            }
        }, 0);
        return calls;
    }

    static boolean callsAnAccess(List<String> calls) {
        return calls.stream().anyMatch(n -> n.startsWith("load") || n.startsWith("store"));
    }

    @Test
    void c1UnitsCallNoAccessAndHotUnitsAreBuiltAsWithout() {
        byte[] page = accessLoop();
        Translator t = new Translator();
        Translator.c1MissLeaves = false;
        TranslatedUnit c1Off = t.translate(page, 7, 0x100);
        byte[] c1OffBytes = t.lastClassBytes;
        int c1OffSize = t.lastBytecodeSize;
        TranslatedUnit hotOff = t.translate(page, 7, null, -1, 0x100, true);
        byte[] hotOffBytes = t.lastClassBytes;
        Translator.c1MissLeaves = true;
        TranslatedUnit c1On = t.translate(page, 7, 0x100);
        byte[] c1OnBytes = t.lastClassBytes;
        int c1OnSize = t.lastBytecodeSize;
        TranslatedUnit hotOn = t.translate(page, 7, null, -1, 0x100, true);
        byte[] hotOnBytes = t.lastClassBytes;

        assertEquals(c1Off.instructionCount, c1On.instructionCount, "the same region");
        assertTrue(callsAnAccess(mmuCalls(c1OffBytes)), "without the switch the slow paths call the hart's access: " + mmuCalls(c1OffBytes));
        assertFalse(callsAnAccess(mmuCalls(c1OnBytes)), "a C1 unit with the switch calls no access: " + mmuCalls(c1OnBytes));
        assertTrue(c1OnSize < c1OffSize - 24 * 10, "C1 unit " + c1OnSize + " bytes against " + c1OffSize);
        assertEquals(hotOff.instructionCount, hotOn.instructionCount);
        assertTrue(callsAnAccess(mmuCalls(hotOnBytes)), "a hot-tier unit keeps its slow paths: " + mmuCalls(hotOnBytes));
        assertArrayEquals(hotOffBytes, hotOnBytes, "a hot-tier unit is built as without the switch");
    }

    /**
     * straddler's loop, whose accesses straddle a page end: with the switch every such access leaves its C1 unit
     * before it (the dispatcher's deferral, the interpreter runs it), and the state is the interpreter's throughout.
     */
    @Test
    void accessesThatMissLeaveTheC1UnitAndGiveTheInterpretersState() {
        Translator.c1MissLeaves = true;
        Hart jit = straddler(true), ref = straddler(false);
        UnitWarmUp.runTranslated(jit, 5_000);
        assertTrue(jit.translationStats().translatedInstructionsRun() >= 5_000, "translated: " + jit.translationStats());
        assertTrue(jit.translationStats().deferrals() > 1_000, "the misses left the units: " + jit.translationStats());
        sameState(ref, jit);
        for (int budget = 1; budget <= 30; budget++) {
            jit.run(budget);
            sameState(ref, jit);
        }
        for (int k = 0; k < 20; k++) jit.run(4096);
        sameState(ref, jit);
    }
}
