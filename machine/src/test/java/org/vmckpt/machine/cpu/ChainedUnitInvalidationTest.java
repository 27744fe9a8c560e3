package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * Chained units (the dispatcher runs the unit remembered in the previous unit's exit slot without looking it up)
 * never run stale code: two units in two pages (two virtual pages apart, so that no unit spans both) jump to each
 * other until they run chained; then the code of the second changes under them (a write to its page, a remap with
 * sfence.vma, a satp switch, a restore) and the translated hart must go on exactly as the interpreter does, at the
 * same instruction counts. {@link CrossPageUnitInvalidationTest} runs the same with the pages adjacent, where one
 * unit holds the code of both.
 */
class ChainedUnitInvalidationTest {
    static final long BASE = 0x8000_0000L;
    static final long ROOT = BASE + 0x10000, ROOT2 = BASE + 0x13000;
    /** Pages from A to B, virtually and physically ({@link #gap()}). B2, B's replacement, lies at BASE + 0x4000. */
    final int gap;

    int gap() {
        return 2;
    }

    final long CODE_A = BASE, CODE_B, CODE_B2 = BASE + 0x4000;
    // A: x5 += 1, jump to B. B: x6 += x5, jump back. B2, the replacement: x7 += x5, jump back.
    final int[] A, B, B2;

    ChainedUnitInvalidationTest() {
        this.gap = gap();
        CODE_B = BASE + gap * 0x1000L;
        A = new int[] {addi(5, 5, 1), j(gap * 0x1000 - 4, 0)};
        B = new int[] {add(6, 6, 5), j(-gap * 0x1000 - 4, 0)};
        B2 = new int[] {r(0, 5, 7, 0, 7, 0x33), j(-gap * 0x1000 - 4, 0)};
    }

    static void put(GuestMemory mem, long pa, int[] code) {
        for (int k = 0; k < code.length; k++) mem.write32(pa + 4L * k, code[k]);
    }

    static GuestMemory mem(Hart h) {
        return h.bus().ram();
    }

    Hart hart(boolean translate) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(translate);
        h.setTranslationThreshold(1);
        put(mem(h), CODE_A, A);
        put(mem(h), CODE_B, B);
        put(mem(h), CODE_B2, B2);
        h.pc = CODE_A;
        return h;
    }

    /** Sv39 tables: virtual page 0 maps A; virtual page {@link #gap} maps {@code b}. */
    void pageTables(GuestMemory m, long root, long b) {
        long l1 = root + 0x1000, l0 = root + 0x2000;
        m.write64(root, (l1 >>> 12) << 10 | 1);
        m.write64(l1, (l0 >>> 12) << 10 | 1);
        m.write64(l0, leaf(CODE_A));
        m.write64(l0 + 8L * gap, leaf(b));
    }

    static long leaf(long pa) {
        return (pa >>> 12) << 10 | 1 | 2 | 8 | 64 | 128; // V R X A D
    }

    /** How often A's and B's code ran linked: here, units run through a chain slot. */
    long linkedRuns(Hart h) {
        return h.translationStats().chainedRuns();
    }

    /** Runs the translated hart until A's and B's code runs linked, then the reference to the same count. */
    void warmUp(Hart jit, Hart ref) {
        for (int k = 0; k < 50_000 && linkedRuns(jit) < 20_000; k++) jit.run(4096);
        assertTrue(linkedRuns(jit) >= 20_000, "the code of the two pages never ran linked: " + jit.translationStats());
        runTo(ref, jit.instret);
        assertSame(jit, ref);
    }

    static void runTo(Hart h, long target) {
        while (h.instret < target) h.run((int) Math.min(4096, target - h.instret));
        assertEquals(target, h.instret);
    }

    /** Applies {@code change} to both harts, runs both {@code n} more instructions, and compares them. */
    static void step(Hart jit, Hart ref, Consumer<Hart> change, long n) {
        change.accept(jit);
        change.accept(ref);
        long target = jit.instret + n;
        runTo(jit, target);
        runTo(ref, target);
        assertSame(jit, ref);
    }

    static void assertSame(Hart jit, Hart ref) {
        assertEquals(ref.pc, jit.pc, "pc");
        for (int r = 5; r <= 7; r++) assertEquals(ref.x[r], jit.x[r], "x" + r + " at instret " + ref.instret);
    }

    @Test
    void chainedUnitsRetireExactlyTheirBudget() {
        Hart jit = hart(true), ref = hart(false);
        warmUp(jit, ref);
        long chained = linkedRuns(jit);
        int[] budgets = {1, 2, 3, 5, 7, 100, 1001, 4095, 4096};
        for (int round = 0; round < 20; round++) {
            for (int budget : budgets) {
                long before = jit.instret;
                jit.run(budget);
                assertEquals(before + budget, jit.instret, "budget " + budget);
            }
        }
        assertTrue(linkedRuns(jit) > chained, "units ran linked: " + jit.translationStats());
        runTo(ref, jit.instret);
        assertSame(jit, ref);
    }

    @Test
    void aCodeWriteStopsTheChainIntoThatPage() {
        Hart jit = hart(true), ref = hart(false);
        warmUp(jit, ref);
        long x7 = jit.x[7];
        step(jit, ref, h -> put(mem(h), CODE_B, B2), 2_000_000);
        assertNotEquals(x7, jit.x[7], "the new code ran");
        long chained = linkedRuns(jit);
        step(jit, ref, h -> put(mem(h), CODE_B, B), 2_000_000);
        assertTrue(linkedRuns(jit) > chained, "units link again after the write: " + jit.translationStats());
    }

    @Test
    void aRemapWithSfenceOrASatpSwitchStopsTheChain() {
        Hart jit = hart(true), ref = hart(false);
        for (Hart h : new Hart[] {jit, ref}) {
            pageTables(mem(h), ROOT, CODE_B);
            pageTables(mem(h), ROOT2, CODE_B2);
            h.enterSupervisor(0, 0, 0);
            h.csrWrite(Csr.SATP, 8L << 60 | ROOT >>> 12, 0);
        }
        warmUp(jit, ref);
        long x7 = jit.x[7];
        // Virtual page gap now maps B2; sfence.vma of that page (the page-table page itself holds no code).
        step(jit, ref, h -> {
            mem(h).write64(ROOT + 0x2000 + 8L * gap, leaf(CODE_B2));
            h.mmu.flushTlbPage(gap * 0x1000L);
        }, 2_000_000);
        assertNotEquals(x7, jit.x[7], "the remapped code ran");
        long x6 = jit.x[6];
        step(jit, ref, h -> {
            mem(h).write64(ROOT + 0x2000 + 8L * gap, leaf(CODE_B));
            h.mmu.flushTlb(); // sfence.vma with no address
        }, 2_000_000);
        assertNotEquals(x6, jit.x[6], "B ran again");
        x7 = jit.x[7];
        // Another address space: ASID 1 where the hart keeps ASIDs (-Dvmckpt.mmu.asids; a switch of tables under the
        // same ASID without a fence may use the old entries there, as the privileged spec allows), 0 where it does not.
        step(jit, ref, h -> h.csrWrite(Csr.SATP, 8L << 60 | 1L << 44 | ROOT2 >>> 12, 0), 2_000_000);
        assertNotEquals(x7, jit.x[7], "the other address space's code ran");
    }

    @Test
    void aRestoreNeverRunsAChainedUnitOfTheCodeItReplaced() {
        Hart jit = hart(true), ref = hart(false);
        warmUp(jit, ref);
        StateWriter w = new StateWriter();
        jit.saveState(w);
        byte[] saved = w.toByteArray();
        step(jit, ref, h -> put(mem(h), CODE_B, B2), 1_000_000);
        // Restore: memory as it was (B), registers as saved; then the new code is written back into the restored
        // machine while its units may be chained again.
        for (Hart h : new Hart[] {jit, ref}) {
            put(mem(h), CODE_B, B);
            try {
                h.loadState(new StateReader("hart0", saved), h.stateVersion());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        }
        assertSame(jit, ref);
        long target = jit.instret + 1_000_000;
        runTo(jit, target);
        runTo(ref, target);
        assertSame(jit, ref);
        step(jit, ref, h -> put(mem(h), CODE_B, B2), 1_000_000);
    }
}
