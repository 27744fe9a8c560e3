package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * TLB indices masked by the arrays' own lengths in hot-tier units ({@link Translator#tlbMasks}, off by default, round
 * 67). What C2 makes of the masks (a bounds check {@code (x & (len - 1)) <u len} becomes {@code len >u 0}, which the
 * prologue's read of each array has already made) is not something a test can hold; the bytecode shape C2 needs is:
 * every index into a TLB tag or page array of a hot unit is masked by a local that holds that array's own
 * {@code length - 1}, the prologue reads each array once through its mask, and no constant mask is left. C1 units keep
 * the constant mask. And a hot loop with the masks runs as the interpreter does.
 */
class TlbMasksTest {
    @AfterEach
    void asBefore() {
        Translator.tlbMasks = Boolean.getBoolean("vmckpt.jit.tlbMasks");
    }

    /** The rTag, rPage, wTag, wPage locals of a unit's run method (Translator's L_RTAG..L_WPAGE), and L_IDX. */
    static final int RTAG = 12, WPAGE = 15, IDX = 18;

    /** A loop with a grouped pair of loads, a load and a store each alone: lw a0, 0(s1); lw a1, 4(s1); lbu a2, 5(s2); sd a0, 8(s3); steps; bne. */
    static byte[] loop() {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        int[] code = {lw(10, 9, 0), lw(11, 9, 4), lbu(12, 18, 5), sd(10, 19, 8), addi(9, 9, 4), addi(18, 18, 1), addi(19, 19, 8)};
        for (int c : code) { b.putInt(at, c); at += 4; }
        b.putInt(at, b(0x100 - at, 20, 9, 1)); at += 4; // bne s1, s4, loop
        b.putInt(at, i(0, 1, 0, 0, 0x67));                // ret
        return page;
    }

    /** The run method's instructions, each as its opcode and operand (-1: none); SIPUSH/BIPUSH keep their value. */
    static List<int[]> runInstructions(byte[] classBytes) {
        List<int[]> insns = new ArrayList<>();
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                if (!name.equals("run")) return null;
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override public void visitInsn(int opcode) { insns.add(new int[] {opcode, -1}); }
                    @Override public void visitIntInsn(int opcode, int operand) { insns.add(new int[] {opcode, operand}); }
                    @Override public void visitVarInsn(int opcode, int var) { insns.add(new int[] {opcode, var}); }
                    @Override public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                        insns.add(new int[] {opcode, n.endsWith("IndexOf") ? 1 : 0});
                    }
                    @Override public void visitFieldInsn(int opcode, String owner, String n, String d) { insns.add(new int[] {opcode, -1}); }
                    @Override public void visitJumpInsn(int opcode, org.objectweb.asm.Label label) { insns.add(new int[] {opcode, -1}); }
                    @Override public void visitLdcInsn(Object value) { insns.add(new int[] {Opcodes.LDC, -1}); }
                    @Override public void visitIincInsn(int var, int increment) { insns.add(new int[] {Opcodes.IINC, var}); }
                };
            }
        }, ClassReader.SKIP_DEBUG | ClassReader.SKIP_FRAMES);
        return insns;
    }

    static boolean is(List<int[]> l, int k, int opcode, int operand) {
        return k >= 0 && k < l.size() && l.get(k)[0] == opcode && (operand == Integer.MIN_VALUE || l.get(k)[1] == operand);
    }

    static final int ANY = Integer.MIN_VALUE;

    /** Whether instructions k.. are {@code ALOAD a; ARRAYLENGTH; ICONST_M1; IADD; IAND}: a mask by array a's own length. */
    static boolean maskedBy(List<int[]> l, int k, int a) {
        return is(l, k, Opcodes.ALOAD, a) && is(l, k + 1, Opcodes.ARRAYLENGTH, ANY) && is(l, k + 2, Opcodes.ICONST_M1, ANY)
                && is(l, k + 3, Opcodes.IADD, ANY) && is(l, k + 4, Opcodes.IAND, ANY);
    }

    /**
     * The masks' shape in {@code l}: fails unless the prologue reads each of the four TLB arrays once through its own
     * mask, every page-array read's index is L_IDX masked by that array's own length, every L_IDX computed inline is
     * masked by a tag array's own length (one computed by the groups' index check, a call, is not), and no TLB_MASK
     * constant is left. Returns the number of TLB array reads of the accesses.
     */
    static int assertMasked(List<int[]> l) {
        int prologue = 0, reads = 0;
        for (int k = 0; k < l.size(); k++) {
            int op = l.get(k)[0];
            assertFalse(is(l, k, Opcodes.SIPUSH, Hart.TLB_MASK), "a constant TLB mask at instruction " + k);
            if (op != Opcodes.AALOAD && op != Opcodes.LALOAD && !(op == Opcodes.ISTORE && l.get(k)[1] == IDX)) continue;
            if (op == Opcodes.ISTORE) { // L_IDX
                boolean fromCall = is(l, k - 1, Opcodes.DUP, ANY) && is(l, k - 2, Opcodes.INVOKEVIRTUAL, 1); // (readIndexOf/writeIndexOf)
                boolean masked = maskedBy(l, k - 5, RTAG) || maskedBy(l, k - 5, RTAG + 2);
                assertTrue(fromCall || masked || is(l, k - 1, Opcodes.ICONST_0, ANY),
                        "L_IDX stored at " + k + " masked by a tag array's length or from the index check's call");
                continue;
            }
            if (is(l, k - 7, Opcodes.ALOAD, ANY) && l.get(k - 7)[1] >= RTAG && l.get(k - 7)[1] <= WPAGE && is(l, k - 6, Opcodes.ILOAD, 2)) {
                assertTrue(maskedBy(l, k - 5, l.get(k - 7)[1]), "the prologue's read at " + k + " masked by its array's length");
                prologue++;
                continue;
            }
            if (is(l, k - 2, Opcodes.ALOAD, ANY) && (l.get(k - 2)[1] == RTAG || l.get(k - 2)[1] == RTAG + 2) && is(l, k - 1, Opcodes.ILOAD, IDX)) {
                assertEquals(Opcodes.LALOAD, op, "a tag read at " + k);
                reads++; // (its index masked where L_IDX was stored)
                continue;
            }
            if (op == Opcodes.AALOAD && is(l, k - 7, Opcodes.ALOAD, ANY) && is(l, k - 6, Opcodes.ILOAD, IDX)) {
                int page = l.get(k - 7)[1];
                assertTrue(page == RTAG + 1 || page == WPAGE, "a page array at " + k);
                assertTrue(maskedBy(l, k - 5, page), "page array read at " + k + " masked by its own length");
                reads++;
                continue;
            }
            assertFalse(is(l, k - 1, Opcodes.ILOAD, IDX), "a TLB read at " + k + " without the mask");
        }
        assertEquals(4, prologue, "the prologue reads each TLB array once");
        return reads;
    }

    @Test
    void hotUnitsIndexTheTlbThroughTheArraysOwnMasks() {
        byte[] page = loop();
        for (boolean groups : new boolean[] {true, false}) {
            boolean was = Translator.accessGroups;
            Translator.accessGroups = groups;
            try {
                Translator.tlbMasks = true;
                Translator t = new Translator();
                long before = Translator.tlbMaskUnits.get();
                assertNotNull(t.translate(page, 7, null, -1, 0x100, true), "hot-tier unit");
                assertEquals(before + 1, Translator.tlbMaskUnits.get(), "built with the masks");
                int reads = assertMasked(runInstructions(t.lastClassBytes));
                assertTrue(reads >= 4, "groups " + groups + ": the accesses' TLB reads checked: " + reads);
                // C1 units keep the constant mask.
                assertNotNull(t.translate(page, 7, null, -1, 0x100, false), "C1 unit");
                assertTrue(runInstructions(t.lastClassBytes).stream().anyMatch(x -> x[0] == Opcodes.SIPUSH && x[1] == Hart.TLB_MASK),
                        "a C1 unit masks with TLB_MASK");
                assertEquals(before + 1, Translator.tlbMaskUnits.get(), "no C1 unit with the masks");
            } finally {
                Translator.accessGroups = was;
            }
        }
    }

    /**
     * A loop of {@code n} byte loads 64 bytes apart (no two in a group) through s1 and s2, both stepped, then
     * {@code bne s1, s4}: ~120 bytes of bytecode a load, so that around n = 56 the loop is at the bytecode bound.
     */
    static byte[] loads(int n) {
        byte[] page = new byte[4096];
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        int at = 0x100;
        for (int k = 0; k < n; k++) { b.putInt(at, lbu(10 + k % 8, k < 64 ? 9 : 18, (k % 64 - 32) * 64)); at += 4; }
        b.putInt(at, addi(9, 9, 1)); at += 4;
        b.putInt(at, addi(18, 18, 1)); at += 4;
        b.putInt(at, b(0x100 - at, 20, 9, 1)); at += 4; // bne s1, s4, loop
        b.putInt(at, i(0, 1, 0, 0, 0x67));                // ret
        return page;
    }

    /**
     * The masks never cost a region instructions: loops from well under to over the bytecode bound are built as hot
     * units with the same region with the masks as without (near the bound with the tag arrays' masks only, then none).
     */
    @Test
    void theMasksNeverCutARegion() {
        long tagOnly = Translator.tlbTagMaskUnits.get(), masked = Translator.tlbMaskUnits.get();
        int fullLoops = 0;
        for (int n = 40; n <= 60; n += 2) { // (-Dvmckpt.mmu.twoWay: ~11 bytes more a hot stub since round 74; the bound still falls in the series, round 74 with it: 54 and 56 loads)
            byte[] page = loads(n);
            Translator.tlbMasks = false;
            TranslatedUnit without = new Translator().translate(page, 7, null, -1, 0x100, true);
            Translator.tlbMasks = true;
            TranslatedUnit with = new Translator().translate(page, 7, null, -1, 0x100, true);
            System.out.printf("TlbMasksTest %d loads: %d instructions, %d bytes without the masks, %d instructions, %d bytes with%n",
                    n, without.instructionCount, without.bytecodeSize, with.instructionCount, with.bytecodeSize);
            assertEquals(without.instructionCount, with.instructionCount, n + " loads: the region's instructions with the masks");
            if (without.instructionCount >= n + 3) fullLoops++; // (the loop, whole)
        }
        assertTrue(fullLoops > 0, "some loops are whole units");
        assertTrue(Translator.tlbTagMaskUnits.get() > tagOnly, "a loop near the bound built with the tag masks only");
        assertTrue(Translator.tlbMaskUnits.get() > masked, "loops built with the masks");
    }

    @Test
    void withoutTheSwitchHotUnitsKeepTheConstantMask() {
        Translator.tlbMasks = false;
        Translator t = new Translator();
        t.translate(loop(), 7, null, -1, 0x100, true);
        assertThrows(AssertionError.class, () -> assertMasked(runInstructions(t.lastClassBytes)));
    }

    /** AccessGroupsTest's walker (groups that cross pages, a store after each pair) in a hot unit with the masks, against the interpreter at every small budget. */
    @Test
    void aHotLoopWithTheMasksGivesTheInterpretersState() {
        Translator.tlbMasks = true;
        long before = Translator.tlbMaskUnits.get();
        Hart jit = AccessGroupsTest.hot(AccessGroupsTest.walker(true)), ref = AccessGroupsTest.walker(false);
        for (long to = 100_000; to <= 1_000_000; to += 100_000) {
            HotTierTest.runTo(jit, to);
            AccessGroupsTest.sameState(ref, jit);
        }
        assertTrue(Translator.tlbMaskUnits.get() > before, "a hot unit with the masks ran: " + jit.translationStats());
        for (int budget = 1; budget <= 40; budget++) {
            jit.run(budget);
            AccessGroupsTest.sameState(ref, jit);
        }
    }
}
