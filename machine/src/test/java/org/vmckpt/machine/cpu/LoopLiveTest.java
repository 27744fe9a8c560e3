package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * A hot-tier unit's loops hold only the registers they use ({@link Translator#loopLive}, round 86). A hand-written
 * loop (x10-x14: a load, a store, a CSR read the interpreter runs, a count) between code that writes and reads other
 * registers (x1, x5-x9, x15, x28): (1) in the hot build with the switch no local of those registers is live anywhere on a
 * cycle of the method's control flow (the guest loop, its slow paths and helper call), while without the switch they
 * all are; (2) run as a hot unit with the switch, with a store and a load that fault inside the loop every 16 rounds
 * (a handler moves the pointer back and retries), the hart is the interpreter's (pc, every register, the count) at
 * budgets that cut anywhere.
 */
class LoopLiveTest {
    static final long BASE = 0x8000_0000L;
    /** The registers the loop does not use, which the region keeps in locals. */
    static final int[] OUTSIDE = {1, 5, 6, 7, 8, 9, 15, 28};
    static final int[] INSIDE = {10, 11, 12, 13, 14};

    @AfterEach
    void restore() {
        Translator.loopLive = Translator.LOOP_LIVE;
    }

    static int[] program() {
        return new int[] {
            u(0, 28, 0x17),              // 0x00 auipc x28, 0 (BASE)
            addi(29, 28, 0x700),         // 0x04 the handler
            csrrw(0, 0x305, 29),         // 0x08 mtvec
            addi(5, 0, 5),               // 0x0c
            addi(6, 0, 6),               // 0x10
            addi(7, 0, 7),               // 0x14
            lui(9, 0x8000),              // 0x18
            add(13, 28, 9),              // 0x1c x13: the data at BASE + 0x8000
            addi(11, 0, 0),              // 0x20
            csrrw(0, 0x340, 5),          // 0x24 mscratch = 5
            addi(1, 28, 0x2c),           // 0x28 x1: OUTER
            addi(15, 15, 1),             // 0x2c OUTER: x15 += 1 (written before the loop, in the same unit)
            addi(10, 0, 50),             // 0x30 x10 = 50
            ld(12, 13, 0),               // 0x34 LOOP
            add(11, 11, 12),             // 0x38
            sd(11, 13, 8),               // 0x3c
            csrrs(14, 0x340, 0),         // 0x40 (the interpreter runs it)
            add(11, 11, 14),             // 0x44
            addi(13, 13, 8),             // 0x48
            addi(10, 10, -1),            // 0x4c
            b(-0x1c, 0, 10, 1),          // 0x50 bne x10, x0, LOOP
            add(5, 5, 11),               // 0x54
            add(6, 6, 5),                // 0x58
            addi(7, 7, 1),               // 0x5c
            i(15, 7, 7, 8, 0x13),        // 0x60 andi x8, x7, 15
            b(0x14, 0, 8, 1),            // 0x64 bne x8, x0, 0x78
            lui(9, 0x100000),            // 0x68
            add(13, 28, 9),              // 0x6c
            addi(13, 13, -160),          // 0x70 x13 near RAM's end: the store, then the load fault in the loop
            i(0, 1, 0, 0, 0x67),         // 0x74 jr x1
            lui(9, 0x8000),              // 0x78
            add(13, 28, 9),              // 0x7c
            i(0, 1, 0, 0, 0x67),         // 0x80 jr x1
        };
    }

    static int[] handler() {
        return new int[] {
            u(0, 30, 0x17),              // 0x700 auipc x30, 0
            lui(29, 0x8000),
            add(13, 30, 29),
            addi(13, 13, -0x700),        // x13 back to the data
            addi(31, 31, 1),             // traps taken
            MRET,                        // retries the access
        };
    }

    @Test
    void theLoopsOwnRegistersAloneAreLiveOnItsCycle() {
        byte[] page = new byte[4096];
        int[] code = program();
        for (int k = 0; k < code.length; k++) put(page, 4 * k, code[k]);
        Translator t = new Translator();
        Translator.loopLive = false;
        assertNotNull(t.translate(page, 1, null, -1, 0x2c, true), "built");
        BitSet without = liveOnCycles(t.lastClassBytes);
        Translator.loopLive = true;
        assertNotNull(t.translate(page, 1, null, -1, 0x2c, true), "built with the switch");
        BitSet with = liveOnCycles(t.lastClassBytes);
        for (int r : OUTSIDE) {
            assertTrue(without.get(Translator.slot(r)), "without the switch x" + r + " is live in the loop: " + without);
            assertFalse(with.get(Translator.slot(r)), "with the switch x" + r + " is dead in the loop: " + with);
        }
        for (int r : INSIDE) assertTrue(with.get(Translator.slot(r)), "x" + r + " live in the loop");

        // A C1 build is the same with and without the switch.
        Translator.loopLive = false;
        t.translate(page, 1, null, -1, 0x2c, false);
        List<String> c1 = HotTlbNonNullTest.instructions(t.lastClassBytes);
        Translator.loopLive = true;
        t.translate(page, 1, null, -1, 0x2c, false);
        assertEquals(c1, HotTlbNonNullTest.instructions(t.lastClassBytes), "a C1 build is unchanged by the switch");
    }

    @Test
    void theLoopAsAHotUnitGivesTheInterpretersStateThroughTrapsInTheLoop() {
        Translator.loopLive = true;
        Hart jit = hart(true), ref = hart(false);
        Random budgets = new Random(86);
        long target = 0;
        while (target < 3_000_000) {
            target += 50_000 + budgets.nextInt(50_000);
            TranslatorDifferentialTest.runTo(jit, target, budgets);
            while (ref.instret < target) ref.run((int) Math.min(4096, target - ref.instret));
            assertEquals(ref.pc, jit.pc, "pc at " + target);
            assertArrayEquals(ref.x, jit.x, "registers at " + target);
        }
        assertTrue(jit.translationStats().promotions() > 0, "the loop was promoted: " + jit.translationStats());
        assertTrue(jit.translationStats().hotInstructionsRun() > 1_000_000, "hot units ran: " + jit.translationStats());
        assertTrue(ref.x[31] > 100, "traps taken in the loop: " + ref.x[31]);
    }

    static Hart hart(boolean translate) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        h.setPromotionThreshold(20_000);
        if (translate) {
            h.codeCache.hotMinRun = 0;
            h.codeCache.promoteUncompiled = true; // synchronous builds installed at the next look
            h.codeCache.hotRecheck = 2_000;
        }
        GuestMemory ram = h.bus().ram();
        int[] code = program(), trap = handler();
        for (int k = 0; k < code.length; k++) ram.write32(BASE + 4L * k, code[k]);
        for (int k = 0; k < trap.length; k++) ram.write32(BASE + 0x700 + 4L * k, trap[k]);
        h.pc = BASE;
        return h;
    }

    private static void put(byte[] page, int at, int insn) {
        for (int k = 0; k < 4; k++) page[at + k] = (byte) (insn >>> 8 * k);
    }

    /**
     * The long locals live (read before written on some path) at some instruction of the run method that lies on a
     * cycle of its control flow.
     */
    static BitSet liveOnCycles(byte[] classBytes) {
        List<int[]> insns = new ArrayList<>(); // {opcode, var or -1}
        List<List<Label>> jumps = new ArrayList<>();
        Map<Label, Integer> at = new HashMap<>();
        new ClassReader(classBytes).accept(new ClassVisitor(Opcodes.ASM9) {
            @Override
            public MethodVisitor visitMethod(int access, String name, String desc, String sig, String[] ex) {
                if (!name.equals("run")) return null;
                return new MethodVisitor(Opcodes.ASM9) {
                    void add(int op, int var, Label... to) {
                        insns.add(new int[] {op, var});
                        jumps.add(List.of(to));
                    }

                    @Override public void visitLabel(Label l) { at.put(l, insns.size()); }
                    @Override public void visitInsn(int op) { add(op, -1); }
                    @Override public void visitVarInsn(int op, int var) { add(op, var); }
                    @Override public void visitIntInsn(int op, int v) { add(op, -1); }
                    @Override public void visitIincInsn(int var, int k) { add(Opcodes.IINC, -1); }
                    @Override public void visitLdcInsn(Object v) { add(Opcodes.LDC, -1); }
                    @Override public void visitTypeInsn(int op, String t) { add(op, -1); }
                    @Override public void visitFieldInsn(int op, String o, String n, String d) { add(op, -1); }
                    @Override public void visitMethodInsn(int op, String o, String n, String d, boolean itf) { add(op, -1); }
                    @Override public void visitJumpInsn(int op, Label l) { add(op, -1, l); }
                    @Override public void visitTableSwitchInsn(int min, int max, Label dflt, Label... ls) {
                        List<Label> all = new ArrayList<>(List.of(ls));
                        all.add(dflt);
                        add(Opcodes.TABLESWITCH, -1, all.toArray(new Label[0]));
                    }
                    @Override public void visitLookupSwitchInsn(Label dflt, int[] keys, Label[] ls) {
                        List<Label> all = new ArrayList<>(List.of(ls));
                        all.add(dflt);
                        add(Opcodes.LOOKUPSWITCH, -1, all.toArray(new Label[0]));
                    }
                };
            }
        }, 0);
        int n = insns.size();
        int[][] succ = new int[n][];
        for (int k = 0; k < n; k++) {
            int op = insns.get(k)[0];
            List<Integer> s = new ArrayList<>();
            for (Label l : jumps.get(k)) s.add(at.get(l));
            boolean ends = op == Opcodes.GOTO || op == Opcodes.IRETURN || op == Opcodes.RETURN || op == Opcodes.ATHROW
                    || op == Opcodes.TABLESWITCH || op == Opcodes.LOOKUPSWITCH;
            if (!ends && k + 1 < n) s.add(k + 1);
            succ[k] = s.stream().mapToInt(Integer::intValue).toArray();
        }
        // Liveness of the long locals, backwards to a fixed point.
        BitSet[] live = new BitSet[n];
        for (int k = 0; k < n; k++) live[k] = new BitSet();
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int k = n - 1; k >= 0; k--) {
                BitSet out = new BitSet();
                for (int s : succ[k]) out.or(live[s]);
                int[] in = insns.get(k);
                if (in[0] == Opcodes.LSTORE) out.clear(in[1]);
                if (in[0] == Opcodes.LLOAD) out.set(in[1]);
                if (!out.equals(live[k])) {
                    live[k] = out;
                    changed = true;
                }
            }
        }
        TranslatorLoops cycles = TranslatorLoops.of(succ, new int[n]);
        BitSet onCycles = new BitSet();
        for (int k = 0; k < n; k++) if (cycles.loopOf[k] >= 0) onCycles.or(live[k]);
        assertTrue(cycles.loops() > 0, "the method has a cycle");
        return onCycles;
    }
}
