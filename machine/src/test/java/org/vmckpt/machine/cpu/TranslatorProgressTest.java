package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * {@code Hart.run(1)} always makes progress (retires an instruction or takes a trap), also where a translated
 * unit starts with an access the unit must leave to the interpreter (a device or an address outside RAM).
 *
 * <p>Found by the soak of {@link TranslatorDifferentialTest} (a seed hung in {@code runTo}): the unit leaves before
 * its first instruction (retired 0, unitExit, no trap), the dispatcher counts that as one instruction of the budget
 * ({@code n += Math.max(retired, 1)}) and, the budget of 1 being used up, returns without running the instruction
 * in the interpreter. Every further run(1) does the same: the hart is stuck. The machine asks for budgets of 1 (the
 * last instruction before a multiple of BATCH in deterministic mode, or before the target of Machine.run), so a
 * guest whose hot code starts a block with a device access can hang.
 */
class TranslatorProgressTest {
    static final long BASE = 0x8000_0000L;
    static final long HANDLER = BASE + 0x1000;
    /** Not RAM, and no device on a bare Bus: an access fault when interpreted; a unit must leave it to the interpreter. */
    static final long NOT_RAM = 0x4000_0000L;

    @Test
    void runOfOneInstructionProgressesAtAUnitStartingWithANonRamLoad() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        h.setTranslation(true);
        h.setTranslationThreshold(2);
        h.codeCache.runUncompiled = true; // (round 78: every unit runs as soon as it is built, HotSpot interpreting it until compiled, with the same effects: what runs where depends on the instructions alone, not on HotSpot's compile queue)
        Asm a = new Asm();
        a.li(1, HANDLER).emit(csrrw(0, MTVEC, 1));
        a.li(6, NOT_RAM).li(8, 0);
        long l0 = BASE + a.size();
        a.emit(lw(5, 6, 0));                       // L0: lw x5, 0(x6): faults, the handler skips it
        long l1 = BASE + a.size();
        a.emit(addi(7, 7, 1));                     // L1: addi x7, x7, 1
        a.emit(b((int) (l1 - (BASE + a.size())), 8, 7, 4)); // blt x7, x8, L1 (never taken: makes L1 a leader, so L0's block is the load alone)
        a.emit(j((int) (l0 - (BASE + a.size())), 0));      // j L0
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        Asm hd = new Asm();
        hd.emit(csrrs(31, MEPC, 0)).emit(addi(31, 31, 4)).emit(csrrw(0, MEPC, 31)).emit(MRET);
        mem.writeBytes(HANDLER, hd.bytes(), 0, hd.size());
        h.pc = BASE;

        // Hot: translated and compiled (the dispatcher runs units only once HotSpot compiled them).
        for (int k = 0; k < 4000 && h.translationStats().unitRuns() < 1000; k++) h.run(5000);
        assertTrue(h.translationStats().unitRuns() > 0, "the loop never ran translated: " + h.translationStats());

        // Now single steps, as the machine's last instruction before a batch boundary.
        for (int k = 0; k < 20_000; k++) {
            long pc = h.pc, instret = h.instret, mcause = h.mcause, mepc = h.mepc;
            h.run(1);
            boolean progressed = h.pc != pc || h.instret != instret || h.mcause != mcause || h.mepc != mepc;
            assertTrue(progressed, String.format("run(1) at pc %x (L0 = %x) neither retired nor trapped; translator %s",
                    pc, l0, h.translationStats()));
        }
    }
}
