package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@code -Dvmckpt.interp.fastStatus} ({@link InterpreterFastLoop#STATUS}, round 74): CSR instructions on {@code sstatus}
 * that change nothing but SIE, and do not set it or set it while no interrupt is pending and enabled, run in the fast
 * loop, and neither loop ends the batch after them.
 * Random programs of integer instructions and {@code sstatus} reads and writes of every form (SIE, SUM, SPP, both, random
 * registers) on a hart with it against one without the fast loop at all: the same pc, registers, instret, mstatus, mcause
 * and memory after the same number of instructions (the batches end at different places by design, so each side runs
 * until the count is reached). And the fast loop alone: with it, a run goes through the SIE-clearing writes and stops
 * before the one that sets SIE while an interrupt is pending, or changes SUM; without it, before the first.
 */
class InterpreterFastStatusTest {
    static final long BASE = 0x8000_0000L;
    static final int CODE = 0x1000, CODE_BYTES = 0x2000, HANDLER = 0x3000, DATA = 0x8000;

    private static Hart hart(GuestMemory mem) {
        return new Hart(0, new Bus(mem), () -> 0);
    }

    private static final long[] OPERANDS = {Csr.SIE_BIT, Csr.SIE_BIT, Csr.SIE_BIT, Csr.SUM, Csr.SIE_BIT | Csr.SUM, Csr.SPP, 0};

    private static int randomInsn(SplittableRandom r) {
        int rd = r.nextInt(16), rs1 = r.nextInt(16), rs2 = r.nextInt(16);
        if (rd == 2) rd = 0;
        int f3 = r.nextInt(8);
        switch (r.nextInt(12)) {
            case 0: case 1: case 2: case 3: case 4: { // sstatus, every form; x1 holds an operand (set below)
                int form = 1 + r.nextInt(7); // 1-3 register, 5-7 immediate (4: funct3 4 is illegal)
                int src = (form & 4) != 0 ? r.nextInt(32) : r.nextInt(3) == 0 ? rs1 : 1;
                return i(Csr.SSTATUS, src, form, rd, 0x73);
            }
            case 5: return addi(1, 0, (int) OPERANDS[r.nextInt(OPERANDS.length)] & 0x7ff); // operand: SIE, SPP, 0 (imm fits)
            case 6: return lui(1, r.nextBoolean() ? (int) Csr.SUM : (int) (Csr.SUM | 0x1000)); // SUM (bit 18), with bit 12
            case 7: return i(r.nextInt(4096) - 2048, rs1, 0, rd, 0x13);
            case 8: return r(r.nextBoolean() ? 0 : 0x20, rs2, rs1, 0, rd, 0x33);
            case 9: return i(r.nextInt(512) - 256, 2, f3 & 3, rd, 0x03);
            case 10: return s(r.nextInt(512) - 256, rs2, 2, f3 & 3, 0x23);
            default: return b(2 * (r.nextInt(40) - 8), rs2, rs1, r.nextBoolean() ? 0 : 1);
        }
    }

    private static void start(Hart h, GuestMemory mem, long seed, boolean sMode) {
        SplittableRandom r = new SplittableRandom(seed);
        byte[] code = new byte[CODE_BYTES];
        for (int at = 0; at + 4 <= CODE_BYTES; at += 4) {
            int insn = randomInsn(r);
            for (int k = 0; k < 4; k++) code[at + k] = (byte) (insn >>> (8 * k));
        }
        mem.writeBytes(BASE + CODE, code, 0, code.length);
        // The trap handler skips the instruction that trapped (x31, which the programs do not use), in M mode.
        Asm handler = new Asm();
        handler.emit(csrr(31, 0x341)).emit(addi(31, 31, 4)).emit(csrrw(0, 0x341, 31)).emit(MRET);
        mem.writeBytes(BASE + HANDLER, handler.bytes(), 0, handler.size());
        h.pc = BASE + CODE;
        h.mtvec = BASE + HANDLER;
        h.x[2] = BASE + DATA + 0x800;
        h.mstatus |= Csr.SIE_BIT;
        if (seed % 2 == 0) h.mie = h.mip = SSIP; // half the programs with an interrupt pending and enabled (never taken here)
        if (sMode) h.setPriv(Hart.PRIV_S);
    }

    /** The supervisor software interrupt's bit in mip and mie. */
    static final long SSIP = 1L << 1;

    @Test
    void randomStatusProgramsRunAsWithoutTheSwitch() {
        for (boolean sMode : new boolean[] {false, true}) {
            for (int seed = 1; seed <= 30; seed++) {
                GuestMemory memOn = new GuestMemory(BASE, 1 << 16), memOff = new GuestMemory(BASE, 1 << 16);
                Hart on = hart(memOn), off = hart(memOff);
                on.interpreter.setFastStatus(true);
                off.interpreter.setFastLoop(false); // the general loop alone, as without the switch
                off.interpreter.statusNoStop = false;
                start(on, memOn, seed, sMode);
                start(off, memOff, seed, sMode);
                SplittableRandom r = new SplittableRandom(seed * 31L);
                long target = 0;
                int batchesOn = 0, batchesOff = 0;
                for (int slice = 0; slice < 40; slice++) {
                    target += 1 + r.nextInt(300);
                    // Each side runs batches until the count is reached (an attempt that trapped retires nothing).
                    for (int guard = 0; on.instret < target && guard < 1_000; guard++, batchesOn++) on.run((int) (target - on.instret));
                    for (int guard = 0; off.instret < target && guard < 1_000; guard++, batchesOff++) off.run((int) (target - off.instret));
                    String where = "seed " + seed + (sMode ? " (S mode)" : " (M mode)") + ", slice " + slice;
                    assertEquals(off.instret, on.instret, "instret, " + where);
                    assertEquals(off.pc, on.pc, "pc, " + where);
                    assertArrayEquals(off.x, on.x, "registers, " + where);
                    assertEquals(off.mstatus, on.mstatus, "mstatus, " + where);
                    assertEquals(off.mcause, on.mcause, "mcause, " + where);
                }
                assertTrue(batchesOn <= batchesOff, "the switch ends no more batches: " + batchesOn + " against " + batchesOff);
                byte[] ma = new byte[1 << 16], mb = new byte[1 << 16];
                memOn.readBytes(BASE, ma, 0, ma.length);
                memOff.readBytes(BASE, mb, 0, mb.length);
                assertTrue(Arrays.equals(mb, ma), "memory, seed " + seed);
            }
        }
    }

    /** The program of {@link #theFastLoopRunsSieOnlyWritesAndStopsBeforeOthers}: its instructions' index in comments. */
    private static byte[] program() {
        Asm a = new Asm();
        a.emit(addi(6, 0, (int) Csr.SIE_BIT)); // 0
        a.emit(csrrc(5, Csr.SSTATUS, 6));      // 1: local_irq_save: x5 = old, SIE cleared
        a.emit(addi(7, 0, 1));                 // 2
        a.emit(csrr(8, Csr.SSTATUS));          // 3: a read
        a.emit(csrrc(0, Csr.SSTATUS, 0));      // 4: csrrc with x0: no write
        a.emit(csrrw(9, Csr.SSTATUS, 8));      // 5: writes back what it read (SIE stays 0)
        a.emit(i(Csr.SSTATUS, 2, 7, 0, 0x73)); // 6: csrrci sstatus, SIE (it is 0 already)
        a.emit(addi(7, 7, 1));                 // 7
        a.emit(csrrs(0, Csr.SSTATUS, 5));      // 8: local_irq_restore: sets SIE again
        a.emit(addi(7, 7, 1));                 // 9
        a.emit(addi(7, 7, 1));                 // 10
        return a.bytes();
    }

    @Test
    void theFastLoopRunsSieOnlyWritesAndStopsBeforeOthers() {
        for (boolean status : new boolean[] {true, false}) for (boolean pending : new boolean[] {true, false}) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 16);
            Hart h = hart(mem);
            byte[] p = program();
            mem.writeBytes(BASE + CODE, p, 0, p.length);
            h.pc = BASE + CODE;
            h.mstatus |= Csr.SIE_BIT;
            if (pending) h.mie = h.mip = SSIP;
            h.setPriv(Hart.PRIV_S);
            h.interpreter.setFastStatus(status);
            // Fill the fetch TLB (the fast loop stops at a miss): the general loop runs the first instruction.
            assertEquals(1, h.run(1));
            InterpreterFastLoop fl = new InterpreterFastLoop(h.interpreter, false, false, false, status);
            h.events = 0;
            int ran = fl.run(100, false, -1);
            if (status && !pending) {
                assertEquals(10, ran, "with no interrupt pending the write setting SIE runs here too (then the zero word stops it)");
                assertEquals(Csr.SIE_BIT, h.mstatus & Csr.SIE_BIT, "SIE set again");
            } else if (status) {
                assertEquals(7, ran, "the fast loop runs the SIE-only writes and reads and stops before the write setting SIE");
                assertEquals(0, h.mstatus & Csr.SIE_BIT, "SIE cleared");
                assertEquals(Csr.SIE_BIT, h.x[5] & Csr.SIE_BIT, "csrrc read SIE set");
                assertEquals(0, h.x[8] & Csr.SIE_BIT, "the read after it saw SIE clear");
                assertEquals(h.x[8], h.x[9], "csrrw read what it wrote back");
                assertEquals(BASE + CODE + 8 * 4, h.pc);
            } else {
                assertEquals(0, ran, "without the switch the fast loop stops before the first CSR instruction");
            }
        }
    }

    @Test
    void onlyAWriteThatSetsSieOrChangesAnotherBitEndsTheBatch() {
        for (boolean status : new boolean[] {true, false}) for (boolean pending : new boolean[] {true, false}) {
            GuestMemory mem = new GuestMemory(BASE, 1 << 16);
            Hart h = hart(mem);
            byte[] p = program();
            mem.writeBytes(BASE + CODE, p, 0, p.length);
            h.pc = BASE + CODE;
            h.mstatus |= Csr.SIE_BIT;
            if (pending) h.mie = h.mip = SSIP;
            h.setPriv(Hart.PRIV_S);
            h.interpreter.setFastStatus(status);
            h.interpreter.setFastLoop(false); // the general loop's rule
            h.interpreter.statusNoStop = status;
            int ran = h.run(11);
            // With the switch the batch ends after instruction 8 (SIE set again) if an interrupt is pending, else not at
            // all in these 11; without it, after instruction 1.
            assertEquals(!status ? 2 : pending ? 9 : 11, ran, "the batch ends after the first write that may enable a pending interrupt");
        }
        // A SUM change ends the batch with the switch too (it changes the data context).
        GuestMemory mem = new GuestMemory(BASE, 1 << 16);
        Hart h = hart(mem);
        Asm a = new Asm();
        a.emit(lui(6, (int) Csr.SUM));
        a.emit(csrrs(0, Csr.SSTATUS, 6));
        a.emit(addi(7, 0, 1));
        mem.writeBytes(BASE + CODE, a.bytes(), 0, a.size());
        h.pc = BASE + CODE;
        h.setPriv(Hart.PRIV_S);
        h.interpreter.setFastStatus(true);
        assertEquals(2, h.run(100), "a write setting SUM ends the batch");
        assertEquals(Csr.SUM, h.mstatus & Csr.SUM);
    }
}
