package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The machine counters (mcycle, minstret, their unprivileged shadows and mcountinhibit) and the trigger module's
 * answer "no triggers". Programs run in M-mode from {@link #BASE}; a trap lands at {@link #M_TRAP}.
 */
class HartCounterTriggerTest {
    static final long BASE = 0x8000_0000L;
    static final long M_TRAP = BASE + 0x800;
    static final int TCONTROL = 0x7A5;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 8 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.pc = BASE;
    }

    static final int NOP = addi(0, 0, 0);

    /** Runs {@code code} (mtvec = M_TRAP first) to its end; fails if it traps. */
    void run(Asm code) {
        Asm a = new Asm().li(1, M_TRAP).emit(csrrw(0, MTVEC, 1)).append(code);
        assertTrue(BASE + a.size() <= M_TRAP);
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        long end = BASE + a.size();
        for (int k = 0; k < 10_000 && hart.pc != end && hart.pc != M_TRAP; k++) hart.run(1);
        assertEquals(end, hart.pc, () -> "trapped: mcause " + hart.mcause + " mepc " + Long.toHexString(hart.mepc));
    }

    // ------------------------------------------------------------------ counters

    @Test
    void aValueWrittenToMinstretIsWhatTheNextInstructionReads() {
        run(new Asm().emit(csrrwi(0, MINSTRET, 0)).emit(csrr(5, MINSTRET))   // riscv-tests instret_overflow
                .li(1, 1000).emit(csrrw(0, MINSTRET, 1)).emit(NOP).emit(NOP).emit(csrr(6, MINSTRET)).emit(csrr(7, INSTRET)));
        assertEquals(0, hart.x[5]);
        assertEquals(1002, hart.x[6], "then it counts retired instructions");
        assertEquals(1003, hart.x[7], "instret shows minstret");
    }

    @Test
    void aValueWrittenToMcycleIsWhatTheNextInstructionReads() {
        run(new Asm().li(1, 5000).emit(csrrw(0, MCYCLE, 1)).emit(csrr(5, MCYCLE)).emit(NOP).emit(csrr(6, CYCLE)));
        assertEquals(5000, hart.x[5]);
        assertEquals(5002, hart.x[6], "cycle shows mcycle, one cycle per instruction");
    }

    @Test
    void countersWrapAround() {
        run(new Asm().li(1, -2).emit(csrrw(0, MINSTRET, 1)).emit(csrr(5, MINSTRET)).emit(csrr(6, MINSTRET)).emit(csrr(7, MINSTRET))
                .emit(csrrw(0, MCYCLE, 1)).emit(csrr(8, MCYCLE)).emit(csrr(9, MCYCLE)).emit(csrr(10, MCYCLE)));
        assertEquals(-2, hart.x[5]);
        assertEquals(-1, hart.x[6]);
        assertEquals(0, hart.x[7]);
        assertEquals(-2, hart.x[8]);
        assertEquals(-1, hart.x[9]);
        assertEquals(0, hart.x[10]);
    }

    @Test
    void writesDoNotDisturbTheHartsOwnInstructionCount() {
        Asm code = new Asm().li(1, 123_456_789L).emit(csrrw(0, MINSTRET, 1)).emit(csrrw(0, MCYCLE, 1))
                .emit(csrrwi(0, MCOUNTINHIBIT, 5)).emit(NOP).emit(csrrwi(0, MCOUNTINHIBIT, 0));
        run(code);
        int instructions = (int) (hart.pc - BASE) / 4;
        assertEquals(instructions, hart.instret, "instret (determinism, --max-instructions) counts every instruction");
    }

    @Test
    void mcountinhibitStopsEachCounterAndCountingResumesFromWhereItStopped() {
        run(new Asm().emit(csrrwi(0, MINSTRET, 10)).emit(csrrwi(0, MCYCLE, 20))
                .emit(csrrwi(0, MCOUNTINHIBIT, 4))                     // IR: minstret stops after this instruction
                .emit(csrr(5, MINSTRET)).emit(NOP).emit(csrr(6, MINSTRET)).emit(csrr(7, MCYCLE))
                .emit(csrrwi(0, MCOUNTINHIBIT, 1))                     // CY stops, IR runs again
                .emit(csrr(8, MINSTRET)).emit(csrr(9, MCYCLE)).emit(NOP).emit(csrr(10, MCYCLE)).emit(csrr(11, MINSTRET))
                .emit(csrrwi(0, MCYCLE, 7)).emit(csrr(12, MCYCLE)).emit(csrr(13, MCOUNTINHIBIT))
                .emit(csrrwi(0, MCOUNTINHIBIT, 0)).emit(csrr(14, MCYCLE)));
        // minstret: 10 at the instruction after the write (mcycle's write), 11 at the inhibit write, which still
        // counts: 12 from then on.
        assertEquals(12, hart.x[5]);
        assertEquals(12, hart.x[6], "held while inhibited");
        assertEquals(20 + 4, hart.x[7], "mcycle kept counting");
        assertEquals(12, hart.x[8], "the instruction that clears IR does not count");
        assertEquals(20 + 6, hart.x[9], "mcycle held at its value after the write that inhibits it");
        assertEquals(20 + 6, hart.x[10]);
        assertEquals(12 + 4, hart.x[11], "minstret counts again");
        assertEquals(7, hart.x[12], "a write while inhibited is held");
        assertEquals(1, hart.x[13]);
        assertEquals(7, hart.x[14], "and counting resumes from it after the clearing instruction");
    }

    @Test
    void mcountinhibitKeepsOnlyTheCycleAndInstretBits() {
        run(new Asm().li(1, -1).emit(csrrw(0, MCOUNTINHIBIT, 1)).emit(csrr(5, MCOUNTINHIBIT)));
        assertEquals(5, hart.x[5]);
    }

    // ------------------------------------------------------------------ triggers

    @Test
    void theTriggerModuleReportsNoTriggers() {
        Asm a = new Asm();
        a.emit(csrrwi(0, TSELECT, 0)).emit(csrr(5, TSELECT));          // tselect = 0 sticks: enumeration starts
        a.emit(csrr(6, TINFO));                                         // 1: "this trigger does not exist"
        a.li(1, (2L << 60) | (1 << 6) | (1 << 2)).emit(csrrw(0, TDATA1, 1)).emit(csrr(7, TDATA1)); // mcontrol, M, execute
        a.li(1, BASE).emit(csrrw(0, TDATA2, 1)).emit(csrr(8, TDATA2));
        a.emit(csrrw(0, TDATA3, 1)).emit(csrr(9, TDATA3));
        a.emit(csrrwi(0, TSELECT, 1)).emit(csrr(10, TSELECT));          // no trigger 1: tselect does not take it
        run(a);
        assertEquals(0, hart.x[5]);
        assertEquals(1, hart.x[6]);
        assertEquals(0, hart.x[7], "tdata1 type 0: no trigger at this tselect; the mcontrol write is not taken");
        assertEquals(0, hart.x[8]);
        assertEquals(0, hart.x[9]);
        assertEquals(0, hart.x[10]);
    }

    @Test
    void tcontrolIsAbsentAndTriggerCsrsAreMachineOnly() {
        Asm a = new Asm().li(1, M_TRAP).emit(csrrw(0, MTVEC, 1)).emit(csrr(5, TCONTROL));
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        for (int k = 0; k < 100 && hart.pc != M_TRAP; k++) hart.run(1);
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause, "tcontrol (optional) is not implemented");
        assertEquals(BASE + a.size() - 4, hart.mepc);

        for (int csr : new int[]{TSELECT, TDATA1, TDATA2, TDATA3, TINFO}) {
            setUp();
            Asm s = new Asm().li(1, M_TRAP).emit(csrrw(0, MTVEC, 1))
                    .li(1, (long) Hart.PRIV_S << MPP_SHIFT).emit(csrrw(0, MSTATUS, 1))
                    .li(1, BASE + 0x100).emit(csrrw(0, MEPC, 1)).emit(MRET);
            mem.writeBytes(BASE, s.bytes(), 0, s.size());
            mem.writeBytes(BASE + 0x100, new Asm().emit(csrr(5, csr)).bytes(), 0, 4);
            for (int k = 0; k < 100 && hart.pc != M_TRAP; k++) hart.run(1);
            assertEquals(M_TRAP, hart.pc, "0x" + Integer.toHexString(csr) + " from S");
            assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause);
            assertEquals(BASE + 0x100, hart.mepc);
        }
    }
}
