package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The TLB's arrays null-checked once in a hot-tier unit's prologue ({@link Translator#hotTlbNonNull}, round 85, on by
 * default): the hot build of busybox's SHA-256 round loop (UnitCodeBench's {@code shaLoop}) gets one
 * {@code aload; arraylength; pop} for each of the four arrays, right after they are read from the Mmu, and is otherwise
 * the build without the switch instruction for instruction; a C1 build and a build without the switch get none; the
 * loop as a hot unit with the switch gives the interpreter's registers at budgets that cut anywhere.
 */
class HotTlbNonNullTest {
    @AfterEach
    void restore() {
        Translator.hotTlbNonNull = Translator.HOT_TLB_NON_NULL;
    }

    @Test
    void theHotBuildChecksTheFourArraysOnceAndIsOtherwiseUnchanged() {
        byte[] first = new byte[4096], second = new byte[4096];
        shaPages(first, second);
        Translator t = new Translator();
        Translator.hotTlbNonNull = false;
        assertNotNull(t.translate(first, 1, second, 2, 0xf56, true), "the loop was built");
        List<String> plain = instructions(t.lastClassBytes);
        Translator.hotTlbNonNull = true;
        assertNotNull(t.translate(first, 1, second, 2, 0xf56, true), "the loop was built with the switch");
        List<String> checked = instructions(t.lastClassBytes);

        List<Integer> at = checksAt(checked);
        assertEquals(4, at.size(), "one aload; arraylength; pop per TLB array: " + at);
        assertEquals(0, checksAt(plain).size(), "without the switch no such check");
        // Each check reads the local the Mmu's array was just stored into (GETFIELD Mmu.rTag etc.; ASTORE n).
        List<String> arraySlots = new ArrayList<>();
        for (int i = 0; i + 1 < checked.size(); i++) {
            String s = checked.get(i);
            if (s.startsWith("GETFIELD org/vmckpt/machine/cpu/Mmu.") && s.matches(".*\\.(rTag|rPage|wTag|wPage) .*")) {
                arraySlots.add(checked.get(i + 1).replace("ASTORE", "ALOAD"));
            }
        }
        assertEquals(4, arraySlots.size(), "the prologue reads the four arrays: " + arraySlots);
        List<String> checkedSlots = new ArrayList<>();
        for (int i : at) checkedSlots.add(checked.get(i));
        assertEquals(arraySlots, checkedSlots, "the checks are of the four arrays' locals, in their order");
        assertTrue(at.get(0) > checked.indexOf(arraySlots.get(3).replace("ALOAD", "ASTORE")),
                "the checks follow the four stores");
        // Everything else is the build without the switch, instruction for instruction.
        List<String> rest = new ArrayList<>(checked);
        for (int k = at.size() - 1; k >= 0; k--) {
            int i = at.get(k);
            rest.subList(i, i + 3).clear();
        }
        assertTrue(plain.equals(rest), "apart from the checks the build is the one without the switch (" + plain.size()
                + " instructions without, " + rest.size() + " with the checks taken out)");

        // A C1 build (not the hot tier) is unchanged by the switch.
        Translator.hotTlbNonNull = false;
        t.translate(first, 1, second, 2, 0xf56, false);
        List<String> c1 = instructions(t.lastClassBytes);
        Translator.hotTlbNonNull = true;
        t.translate(first, 1, second, 2, 0xf56, false);
        List<String> c1With = instructions(t.lastClassBytes);
        assertEquals(0, checksAt(c1With).size(), "a C1 build has no such check with the switch");
        assertTrue(c1.equals(c1With), "a C1 build is the same with the switch (" + c1.size() + " / " + c1With.size() + ")");
    }

    @Test
    void theLoopAsAHotUnitWithTheSwitchGivesTheInterpretersRegisters() {
        Translator.hotTlbNonNull = true;
        CrossOnceTest.shaLoopBesideTheInterpreter(85);
    }

    /** The SHA loop's two pages, as UnitCodeBench places them. */
    private static void shaPages(byte[] first, byte[] second) {
        byte[] ram = new byte[8192];
        Hart h = UnitCodeBench.shaLoop(false);
        h.bus().ram().readBytes(UnitCodeBench.BASE + 0x1000, ram, 0, 8192);
        System.arraycopy(ram, 0, first, 0, 4096);
        System.arraycopy(ram, 4096, second, 0, 4096);
    }

    /** Where in {@code insns} an ALOAD is followed by ARRAYLENGTH and POP. */
    private static List<Integer> checksAt(List<String> insns) {
        List<Integer> at = new ArrayList<>();
        for (int i = 0; i + 2 < insns.size(); i++) {
            if (insns.get(i).startsWith("ALOAD ") && insns.get(i + 1).equals("ARRAYLENGTH") && insns.get(i + 2).equals("POP")) {
                at.add(i);
            }
        }
        return at;
    }

    /** The run method's instructions as text (labels and frames left out: they carry no code of their own). */
    static List<String> instructions(byte[] classBytes) {
        List<String> out = new ArrayList<>();
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                if (!name.equals("run")) return null;
                return new MethodVisitor(Opcodes.ASM9) {
                    @Override
                    public void visitInsn(int op) {
                        out.add(name(op));
                    }

                    @Override
                    public void visitVarInsn(int op, int slot) {
                        out.add(name(op) + " " + slot);
                    }

                    @Override
                    public void visitIntInsn(int op, int v) {
                        out.add(name(op) + " " + v);
                    }

                    @Override
                    public void visitIincInsn(int slot, int k) {
                        out.add("IINC " + slot + " " + k);
                    }

                    @Override
                    public void visitLdcInsn(Object v) {
                        out.add("LDC " + v);
                    }

                    @Override
                    public void visitJumpInsn(int op, org.objectweb.asm.Label l) {
                        out.add(name(op));
                    }

                    @Override
                    public void visitFieldInsn(int op, String o, String n, String d) {
                        out.add(name(op) + " " + o + "." + n + " " + d);
                    }

                    @Override
                    public void visitMethodInsn(int op, String o, String n, String d, boolean itf) {
                        out.add(name(op) + " " + o + "." + n + d);
                    }

                    @Override
                    public void visitTableSwitchInsn(int min, int max, org.objectweb.asm.Label dflt, org.objectweb.asm.Label... ls) {
                        out.add("TABLESWITCH " + min + " " + max);
                    }

                    @Override
                    public void visitLookupSwitchInsn(org.objectweb.asm.Label dflt, int[] keys, org.objectweb.asm.Label[] ls) {
                        out.add("LOOKUPSWITCH " + Arrays.toString(keys));
                    }
                };
            }
        }, 0);
        return out;
    }

    private static String name(int op) {
        switch (op) {
            case Opcodes.ALOAD: return "ALOAD";
            case Opcodes.ASTORE: return "ASTORE";
            case Opcodes.ARRAYLENGTH: return "ARRAYLENGTH";
            case Opcodes.POP: return "POP";
            case Opcodes.GETFIELD: return "GETFIELD";
            default: return "OP" + op;
        }
    }
}
