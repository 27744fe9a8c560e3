package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

/**
 * {@link InterpreterStops}' account of why the fast loop stopped: two plain instructions, then one of each kind; the
 * fast loop runs the two and stops, and the kind named is that instruction's. And an instruction the fast loop does
 * run is never named as a stop (it runs past it).
 */
class InterpreterStopsTest {
    static final long BASE = 0x8000_0000L;
    static final int CODE = 0x1000, DATA = 0x8000;

    /** Runs the fast loop over nop, nop, {@code insn} (the data pointer in x2) and returns the kind it stopped at. */
    private static int stopAt(int insn, long dataPointer) {
        GuestMemory mem = new GuestMemory(BASE, 1 << 16);
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        Asm a = new Asm().emit(addi(0, 0, 0)).emit(addi(0, 0, 0)).emit(insn);
        mem.writeBytes(BASE + CODE, a.bytes(), 0, a.bytes().length);
        h.pc = BASE + CODE;
        h.x[2] = dataPointer;
        h.x[3] = 5;
        h.x[4] = 7;
        h.interpreter.interpret(1, false); // fills the fetch TLB (and runs the first nop)
        h.mmu.load64(BASE + DATA); // the data page in the read TLB
        h.mmu.store64(BASE + DATA, 0); // and in the write TLB
        int ran = new InterpreterFastLoop(h.interpreter).run(2, false, -1);
        assertEquals(1, ran, String.format("the fast loop ran the second nop and stopped before %08x", insn));
        assertEquals(BASE + CODE + 8, h.pc);
        return new InterpreterStops(h).stoppedBefore();
    }

    @Test
    void namesTheKindOfTheInstructionItStoppedBefore() {
        long data = BASE + DATA + 0x100;
        assertEquals(InterpreterStops.MUL, stopAt(r(1, 4, 3, 0, 5, 0x33), data));
        assertEquals(InterpreterStops.MUL, stopAt(r(1, 4, 3, 3, 5, 0x33), data));
        assertEquals(InterpreterStops.DIV, stopAt(r(1, 4, 3, 5, 5, 0x33), data));
        assertEquals(InterpreterStops.MULW, stopAt(r(1, 4, 3, 0, 5, 0x3b), data));
        assertEquals(InterpreterStops.DIVW, stopAt(r(1, 4, 3, 6, 5, 0x3b), data));
        assertEquals(InterpreterStops.AMO, stopAt(r(0x00, 4, 2, 3, 5, 0x2f), data + 4)); // misaligned
        assertEquals(InterpreterStops.SHIFT_W, stopAt(r(0x20, 4, 3, 5, 5, 0x3b), data));
        // (sscratch: the fast loop runs some sstatus reads and writes itself with -Dvmckpt.interp.fastStatus, round 74)
        assertEquals(InterpreterStops.CSR, stopAt(csrr(5, 0x140), data));
        assertEquals(InterpreterStops.ECALL, stopAt(ECALL, data));
        assertEquals(InterpreterStops.XRET, stopAt(SRET, data));
        assertEquals(InterpreterStops.WFI, stopAt(WFI, data));
        assertEquals(InterpreterStops.SFENCE, stopAt(SFENCE_VMA, data));
        assertEquals(InterpreterStops.LR, stopAt(r(0x08, 0, 2, 3, 5, 0x2f), data));
        assertEquals(InterpreterStops.SC, stopAt(r(0x0c, 4, 2, 3, 5, 0x2f), data));
        assertEquals(InterpreterStops.AMO, stopAt(r(0x00, 4, 2, 3, 5, 0x2f), data));
        assertEquals(InterpreterStops.FLOAT, stopAt(i(0, 2, 3, 1, 0x07), data)); // fld
        assertEquals(InterpreterStops.LOAD_TLB_MISS, stopAt(ld(5, 2, 0), BASE + 0x4000));
        assertEquals(InterpreterStops.LOAD_PAGE_END, stopAt(ld(5, 2, 0), BASE + DATA + 0xffc));
        assertEquals(InterpreterStops.STORE_TLB_MISS, stopAt(sd(4, 2, 0), BASE + 0x4000));
        assertEquals(InterpreterStops.STORE_PAGE_END, stopAt(sd(4, 2, 0), BASE + DATA + 0xffa));
        assertEquals(InterpreterStops.ILLEGAL, stopAt(0xffff_ffff, data)); // opcode 0x7f
    }

    @Test
    void aPageEndAndAnUnmappedPageAreFetchStops() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 16);
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        // nops up to the page's last word but one, then a 32-bit nop across the page end (from 0xffe)
        Asm a = new Asm();
        for (int k = 0; k < 0x3ff; k++) a.emit(addi(0, 0, 0));
        a.emit16(0x0001); // c.nop, at 0xffc: the fast loop runs it if expanded (the general loop expands it first)
        a.emit(addi(0, 0, 0));
        mem.writeBytes(BASE + CODE, a.bytes(), 0, a.bytes().length);
        h.pc = BASE + CODE + 0xff8;
        Compressed.expandCached(0x0001);
        h.interpreter.interpret(1, false);
        int ran = new InterpreterFastLoop(h.interpreter).run(100, false, -1);
        assertEquals(1, ran, "c.nop at 0xffc ran; the nop at 0xffe crosses the page end");
        assertEquals(BASE + CODE + 0xffe, h.pc);
        assertEquals(InterpreterStops.PAGE_END_32, new InterpreterStops(h).stoppedBefore());
        h.pc = BASE + CODE + 0x1000 + 0x800; // a page the fetch TLB has not mapped
        assertEquals(0, new InterpreterFastLoop(h.interpreter).run(100, false, -1));
        assertEquals(InterpreterStops.FETCH_TLB_MISS, new InterpreterStops(h).stoppedBefore());
    }

    /** sstatus writes are told apart by whether they may set SIE (csrrc never does; csrrs with SIE in the operand may). */
    @Test
    void statusWritesByWhetherTheyMayEnableInterrupts() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 16);
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        Asm a = new Asm().emit(addi(0, 0, 0)).emit(csrrc(5, 0x100, 3)).emit(csrrs(5, 0x100, 3)).emit(csrrs(5, 0x100, 4))
                .emit(csrr(5, 0x100));
        mem.writeBytes(BASE + CODE, a.bytes(), 0, a.bytes().length);
        h.x[3] = 2; // SIE
        h.x[4] = 1L << 18; // SUM
        InterpreterStops s = new InterpreterStops(h);
        h.pc = BASE + CODE;
        h.interpreter.interpret(1, false); // the nop (fills the fetch TLB; the CSRs are only looked at)
        for (int k = 1; k <= 4; k++) {
            h.pc = BASE + CODE + 4L * k;
            assertEquals(InterpreterStops.CSR, s.stoppedBefore());
        }
        assertEquals(2, s.statusWrites[0], "csrrc with SIE and csrrs with SUM cannot set SIE");
        assertEquals(1, s.statusWrites[1], "csrrs with SIE may");
        assertEquals(4, s.csrs[0x100]);
    }

    @Test
    void countsRunLengthsAndEndsByKind() {
        InterpreterStops s = new InterpreterStops(new Hart(0, new Bus(new GuestMemory(BASE, 1 << 16)), () -> 0));
        s.fastRun(0, InterpreterStops.END_BUDGET);
        s.fastRun(5, InterpreterStops.END_BLOCK);
        s.fastRun(5, InterpreterStops.END_BLOCK);
        s.fastRun(100, InterpreterStops.END_STOP_AT);
        assertEquals(1, s.runs[0]);
        assertEquals(2, s.runs[InterpreterStops.bucket(5)]);
        assertEquals(10, s.runInsns[InterpreterStops.bucket(7)]);
        assertEquals(100, s.runInsns[InterpreterStops.bucket(64)]);
        assertEquals(2, s.stops[InterpreterStops.END_BLOCK]);
        assertTrue(s.report().contains("4 runs, 110 instructions"), s.report());
    }
}
