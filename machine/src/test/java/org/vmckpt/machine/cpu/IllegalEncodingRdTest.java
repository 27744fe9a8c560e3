package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * An illegal encoding under an integer ALU major opcode raises an illegal-instruction exception and changes no
 * register (an instruction that traps does not retire: its rd keeps its value), under both engines.
 *
 * <p>Found while writing the translator's differential tests (the translator agrees with the interpreter because it
 * runs these encodings through {@link Hart#execOne}): the interpreter wrote 0 to rd before taking the trap.
 */
class IllegalEncodingRdTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void illegalAluEncodingsLeaveRdAlone() {
        int[] illegal = {
                r(0x02, 3, 2, 0, 5, 0x33), // OP, funct7 2
                r(0x20, 3, 2, 1, 5, 0x33), // OP, funct7 0x20 with funct3 1
                r(0x00, 3, 2, 2, 5, 0x3b), // OP-32, funct3 2
                r(0x01, 3, 2, 1, 5, 0x3b), // OP-32, mul funct3 1
                i(7, 2, 2, 5, 0x1b),       // OP-IMM-32, funct3 2
        };
        for (boolean translate : new boolean[]{false, true}) {
            for (int insn : illegal) {
                GuestMemory mem = new GuestMemory(BASE, 1 << 20);
                Hart h = new Hart(0, new Bus(mem), () -> 0);
                h.setTranslation(translate);
                mem.write32(BASE, insn);
                mem.write32(BASE + 0x100, j(0, 0)); // trap vector: spin
                h.mtvec = BASE + 0x100;
                h.x[2] = 0x1234;
                h.x[3] = 7;
                h.x[5] = 0x5555;
                h.pc = BASE;
                h.run(1);
                assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, String.format("%08x is illegal", insn));
                assertEquals(BASE + 0x100, h.pc);
                assertEquals(0x5555, h.x[5], String.format("illegal %08x changed rd (translation %s)", insn, translate));
            }
        }
    }

    /**
     * An AMO-major encoding whose funct5 names no AMO is illegal even at a misaligned address (it reported the
     * misaligned cause), and an LR with rs2 != 0 likewise; neither touches memory.
     */
    @Test
    void illegalAtomicEncodingsAreIllegalWhateverTheAddress() {
        int[] illegal = {
                r(0x05 << 2, 3, 2, 3, 5, 0x2f), // funct5 0x05: no such AMO (.d)
                r(0x1e << 2, 3, 2, 2, 5, 0x2f), // funct5 0x1e (.w)
                r(0x02 << 2, 3, 2, 3, 5, 0x2f), // lr.d with rs2 = x3
        };
        for (long address : new long[] {BASE + 0x803, BASE + 0x800}) {
            for (int insn : illegal) {
                GuestMemory mem = new GuestMemory(BASE, 1 << 20);
                Hart h = new Hart(0, new Bus(mem), () -> 0);
                mem.write32(BASE, insn);
                mem.write32(BASE + 0x100, j(0, 0));
                h.mtvec = BASE + 0x100;
                h.x[2] = address;
                h.x[3] = 7;
                h.x[5] = 0x5555;
                h.pc = BASE;
                h.run(1);
                assertEquals(CAUSE_ILLEGAL_INSTRUCTION, h.mcause, String.format("%08x at %x is illegal", insn, address));
                assertEquals(0x5555, h.x[5]);
                assertEquals(0, mem.read64(BASE + 0x800), "memory untouched");
            }
        }
    }
}
