package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;

class HartTest {
    static final long BASE = 0x8000_0000L;
    GuestMemory mem;
    Hart hart;
    long[] time = {0};

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 8 << 20);
        hart = new Hart(0, new Bus(mem), () -> time[0]);
        hart.pc = BASE;
    }

    void load(Asm a) {
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
    }

    /** Runs until the hart reaches {@code stopPc} or n instructions pass. */
    void runTo(long stopPc, int max) {
        for (int k = 0; k < max && hart.pc != stopPc; k++) hart.run(1);
        assertEquals(stopPc, hart.pc, "did not reach stop pc; mcause=" + hart.mcause + " mtval=" + Long.toHexString(hart.mtval));
    }

    void runAll(Asm a) {
        load(a);
        runTo(BASE + a.size(), 10_000);
    }

    @Test
    void integerArithmetic() {
        Asm a = new Asm();
        a.li(1, 0x1234_5678_9abc_def0L).li(2, -3);
        a.emit(add(3, 1, 2));
        a.emit(r(1, 2, 1, 0, 4, 0x33));   // mul x4 = x1 * x2
        a.emit(r(1, 2, 1, 4, 5, 0x33));   // div x5 = x1 / x2
        a.emit(r(1, 2, 1, 6, 6, 0x33));   // rem
        a.emit(r(1, 0, 1, 4, 7, 0x33));   // div by zero -> -1
        a.emit(r(1, 0, 1, 7, 8, 0x33));   // remu by zero -> dividend
        a.emit(r(1, 2, 1, 3, 9, 0x33));   // mulhu
        a.emit(r(1, 2, 1, 2, 10, 0x33));  // mulhsu
        a.emit(r(1, 2, 1, 1, 11, 0x33));  // mulh
        a.emit(i(0x400 | 4, 1, 5, 12, 0x13)); // srai 4
        a.emit(i(4, 1, 5, 13, 0x13));        // srli 4
        a.emit(i(-1, 1, 0, 14, 0x1b));       // addiw -1
        a.emit(r(0x20, 2, 1, 0, 15, 0x3b));  // subw
        a.emit(r(1, 2, 1, 4, 16, 0x3b));     // divw
        a.emit(i(0, 2, 3, 17, 0x13));        // sltiu x17 = x2 <u 0
        a.emit(r(0, 2, 1, 2, 18, 0x33));     // slt x18 = x1 < x2
        runAll(a);
        long x1 = 0x1234_5678_9abc_def0L, x2 = -3;
        long[] x = hart.x;
        assertEquals(x1 + x2, x[3]);
        assertEquals(x1 * x2, x[4]);
        assertEquals(x1 / x2, x[5]);
        assertEquals(x1 % x2, x[6]);
        assertEquals(-1, x[7]);
        assertEquals(x1, x[8]);
        assertEquals(new java.math.BigInteger(Long.toUnsignedString(x1)).multiply(new java.math.BigInteger(Long.toUnsignedString(x2))).shiftRight(64).longValue(), x[9]);
        assertEquals(java.math.BigInteger.valueOf(x1).multiply(new java.math.BigInteger(Long.toUnsignedString(x2))).shiftRight(64).longValue(), x[10]);
        assertEquals(Math.multiplyHigh(x1, x2), x[11]);
        assertEquals(x1 >> 4, x[12]);
        assertEquals(x1 >>> 4, x[13]);
        assertEquals((long) ((int) x1 - 1), x[14]);
        assertEquals((long) ((int) x1 - (int) x2), x[15]);
        assertEquals((long) ((int) x1 / (int) x2), x[16]);
        assertEquals(0, x[17]);
        assertEquals(0, x[18]);
    }

    @Test
    void divisionOverflowEdgeCases() {
        Asm a = new Asm();
        a.li(1, Long.MIN_VALUE).li(2, -1);
        a.emit(r(1, 2, 1, 4, 3, 0x33)); // div -> MIN
        a.emit(r(1, 2, 1, 6, 4, 0x33)); // rem -> 0
        a.li(5, 0xffff_ffff_8000_0000L);
        a.emit(r(1, 2, 5, 4, 6, 0x3b)); // divw MIN/-1 -> MIN
        a.emit(r(1, 2, 5, 6, 7, 0x3b)); // remw -> 0
        runAll(a);
        assertEquals(Long.MIN_VALUE, hart.x[3]);
        assertEquals(0, hart.x[4]);
        assertEquals(0xffff_ffff_8000_0000L, hart.x[6]);
        assertEquals(0, hart.x[7]);
    }

    @Test
    void compressedInstructions() {
        Asm a = new Asm();
        a.emit16(0x4505);  // c.li a0, 1
        a.emit16(0x0505);  // c.addi a0, 1
        a.emit16(0x852a);  // c.mv a0?  (c.mv a0, a0 is 0x852a) -> a0
        a.emit16(0x95aa);  // c.add a1, a0
        a.emit16(0x0586);  // c.slli a1, 1
        runAll(a);
        assertEquals(2, hart.x[10]);
        assertEquals(4, hart.x[11]);
    }

    @Test
    void branchesAndJumps() {
        Asm a = new Asm();
        a.emit(addi(1, 0, 5));         // 0
        a.emit(addi(2, 0, 0));         // 4
        a.emit(addi(2, 2, 1));         // 8: loop
        a.emit(b(-4, 1, 2, 4));        // 12: blt x2, x1, -4
        a.emit(j(8, 3));               // 16: jal x3, +8
        a.emit(addi(4, 0, 99));        // 20: skipped
        a.emit(addi(5, 0, 7));         // 24
        runAll(a);
        assertEquals(5, hart.x[2]);
        assertEquals(BASE + 20, hart.x[3]);
        assertEquals(0, hart.x[4]);
        assertEquals(7, hart.x[5]);
    }

    @Test
    void loadsAndStoresIncludingMisalignedAcrossPages() {
        Asm a = new Asm();
        a.li(1, BASE + 0x1ffd);               // 3 bytes before a page boundary
        a.li(2, 0x1122_3344_5566_7788L);
        a.emit(sd(2, 1, 0));
        a.emit(ld(3, 1, 0));
        a.emit(lw(4, 1, 1));
        a.emit(lbu(5, 1, 7));
        runAll(a);
        assertEquals(0x1122_3344_5566_7788L, hart.x[3]);
        assertEquals(0x4455_6677L, hart.x[4]);
        assertEquals(0x11, hart.x[5]);
        assertEquals(0x88, mem.read8(BASE + 0x1ffd));
        assertEquals(0x11, mem.read8(BASE + 0x2004));
    }

    @Test
    void illegalInstructionTrapsToMachineModeWithTval() {
        Asm a = new Asm();
        a.li(1, BASE + 0x100);
        a.emit(csrrw(0, Csr.MTVEC, 1));
        a.emit(0xffffffff);
        load(a);
        runTo(BASE + 0x100, 100);
        assertEquals(2, hart.mcause);
        assertEquals(0xffffffffL, hart.mtval);
        assertEquals(BASE + a.size() - 4, hart.mepc);
    }

    @Test
    void accessOutsideRamIsAnAccessFaultNotACrash() {
        Asm a = new Asm();
        a.li(1, BASE + 0x100);
        a.emit(csrrw(0, Csr.MTVEC, 1));
        a.li(2, 0x4000_0000L);
        a.emit(ld(3, 2, 0));
        load(a);
        runTo(BASE + 0x100, 100);
        assertEquals(Csr.CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(0x4000_0000L, hart.mtval);
    }

    /** Builds an Sv39 table at BASE+0x10000 mapping VA 0x4000_0000.. to RAM with the given leaf flags. */
    long sv39Map(long va, long pa, long flags) {
        long root = BASE + 0x10000, l1 = BASE + 0x11000, l0 = BASE + 0x12000;
        mem.write64(root + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        long pteAddr = l0 + ((va >>> 12) & 0x1ff) * 8;
        mem.write64(pteAddr, ((pa >>> 12) << 10) | flags);
        return pteAddr;
    }

    /** Enters S-mode with Sv39 on at {@code sPc}; the trap handler for M is at BASE+0x800. */
    Asm enterSupervisor(Asm a, long sPc, boolean sum, boolean mxr) {
        long satp = (8L << 60) | ((BASE + 0x10000) >>> 12);
        a.li(1, BASE + 0x800).emit(csrrw(0, Csr.MTVEC, 1));
        a.li(1, satp).emit(csrrw(0, Csr.SATP, 1));
        a.li(1, (1L << 11) | (sum ? Csr.SUM : 0) | (mxr ? Csr.MXR : 0)).emit(csrrw(0, Csr.MSTATUS, 1)); // MPP = S
        a.li(1, sPc).emit(csrrw(0, Csr.MEPC, 1));
        a.emit(MRET);
        return a;
    }

    @Test
    void sv39TranslationSetsAccessedAndDirtyBits() {
        // Code page identity-mapped as a 4K page at BASE (executable, supervisor).
        long codeVa = BASE;
        sv39MapMulti(codeVa, BASE, 0xCF & ~0x10);  // V R W X A D, not U
        long dataPte = sv39Map(0x4000_0000L, BASE + 0x40000, 0x7);  // V R W, A and D clear
        Asm a = new Asm();
        enterSupervisor(a, BASE + 0x200, false, false);
        load(a);
        Asm s = new Asm();
        s.li(2, 0x4000_0000L).li(3, 42).emit(sd(3, 2, 8)).emit(ld(4, 2, 8));
        mem.writeBytes(BASE + 0x200, s.bytes(), 0, s.size());
        runTo(BASE + 0x200 + s.size(), 200);
        assertEquals(1, hart.priv);
        assertEquals(42, hart.x[4]);
        assertEquals(42, mem.read64(BASE + 0x40008));
        long pte = mem.read64(dataPte);
        assertEquals(0xC0, pte & 0xC0, "A and D set by the walk");
    }

    /** Like sv39Map but for a code page, using a different second-level table slot when needed. */
    void sv39MapMulti(long va, long pa, long flags) {
        long root = BASE + 0x10000, l1 = BASE + 0x13000, l0 = BASE + 0x14000;
        mem.write64(root + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | flags);
    }

    @Test
    void supervisorAccessToUserPageFaultsWithoutSumAndWorksWithSum() {
        for (boolean sum : new boolean[]{false, true}) {
            setUp();
            sv39MapMulti(BASE, BASE, 0xCF);
            sv39Map(0x4000_0000L, BASE + 0x40000, 0xD7);  // user page, R W, A D set
            Asm a = new Asm();
            enterSupervisor(a, BASE + 0x200, sum, false);
            load(a);
            Asm s = new Asm();
            s.li(2, 0x4000_0000L).emit(ld(4, 2, 0));
            mem.writeBytes(BASE + 0x200, s.bytes(), 0, s.size());
            if (sum) {
                runTo(BASE + 0x200 + s.size(), 200);
            } else {
                runTo(BASE + 0x800, 200);
                assertEquals(Csr.CAUSE_LOAD_PAGE_FAULT, hart.mcause);
                assertEquals(0x4000_0000L, hart.mtval);
            }
        }
    }

    @Test
    void storeToReadOnlyPageIsStorePageFaultAndMxrAllowsLoadsFromExecuteOnly() {
        sv39MapMulti(BASE, BASE, 0xCF);
        sv39Map(0x4000_0000L, BASE + 0x40000, 0x4B); // V R X A: read-only
        Asm a = new Asm();
        enterSupervisor(a, BASE + 0x200, false, false);
        load(a);
        Asm s = new Asm();
        s.li(2, 0x4000_0000L).emit(ld(4, 2, 0)).emit(sd(4, 2, 0));
        mem.writeBytes(BASE + 0x200, s.bytes(), 0, s.size());
        runTo(BASE + 0x800, 200);
        assertEquals(Csr.CAUSE_STORE_PAGE_FAULT, hart.mcause);

        setUp();
        sv39MapMulti(BASE, BASE, 0xCF);
        sv39Map(0x4000_0000L, BASE + 0x40000, 0x49); // V X A: execute-only
        for (boolean mxr : new boolean[]{false, true}) {
            setUp();
            sv39MapMulti(BASE, BASE, 0xCF);
            sv39Map(0x4000_0000L, BASE + 0x40000, 0x49);
            a = new Asm();
            enterSupervisor(a, BASE + 0x200, false, mxr);
            load(a);
            mem.writeBytes(BASE + 0x200, s.bytes(), 0, s.size() - 4);
            if (mxr) runTo(BASE + 0x200 + s.size() - 4, 200);
            else {
                runTo(BASE + 0x800, 200);
                assertEquals(Csr.CAUSE_LOAD_PAGE_FAULT, hart.mcause);
            }
        }
    }

    @Test
    void nonCanonicalAddressIsPageFault() {
        sv39MapMulti(BASE, BASE, 0xCF);
        Asm a = new Asm();
        enterSupervisor(a, BASE + 0x200, false, false);
        load(a);
        Asm s = new Asm();
        s.li(2, 0x0000_0040_0000_0000L).emit(ld(4, 2, 0)); // bit 38 set but upper bits clear
        mem.writeBytes(BASE + 0x200, s.bytes(), 0, s.size());
        runTo(BASE + 0x800, 200);
        assertEquals(Csr.CAUSE_LOAD_PAGE_FAULT, hart.mcause);
    }

    @Test
    void userEcallDelegatedToSupervisor() {
        Asm a = new Asm();
        a.li(1, 1L << Csr.CAUSE_USER_ECALL).emit(csrrw(0, Csr.MEDELEG, 1));
        a.li(1, BASE + 0x300).emit(csrrw(0, Csr.STVEC, 1));
        a.li(1, 0).emit(csrrw(0, Csr.MSTATUS, 1));          // MPP = U
        a.li(1, BASE + 0x200).emit(csrrw(0, Csr.MEPC, 1));
        a.emit(MRET);
        load(a);
        mem.writeBytes(BASE + 0x200, new Asm().emit(ECALL).bytes(), 0, 4);
        runTo(BASE + 0x300, 200);
        assertEquals(Hart.PRIV_S, hart.priv);
        assertEquals(Csr.CAUSE_USER_ECALL, hart.scause);
        assertEquals(BASE + 0x200, hart.sepc);
        assertEquals(0, hart.mstatus() & Csr.SPP);
    }

    @Test
    void timerInterruptIsTakenWhenEnabled() {
        Asm a = new Asm();
        a.li(1, BASE + 0x400).emit(csrrw(0, Csr.MTVEC, 1));
        a.li(1, Csr.MTIP).emit(csrrw(0, Csr.MIE, 1));
        a.emit(csrrwi(0, Csr.MSTATUS, 8)); // MIE
        a.emit(addi(5, 0, 1));
        load(a);
        runTo(BASE + a.size(), 100);
        hart.setInterruptPending(Csr.MTIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(BASE + 0x400, hart.pc);
        assertEquals(Csr.INTERRUPT_FLAG | 7, hart.mcause);
    }

    @Test
    void amoAndLrSc() {
        Asm a = new Asm();
        a.li(1, BASE + 0x3000).li(2, 5);
        a.emit(sd(2, 1, 0));
        a.emit(r(0, 2, 1, 3, 3, 0x2f));              // amoadd.d x3, x2, (x1)
        a.emit(r(0x02 << 2, 0, 1, 3, 4, 0x2f));      // lr.d x4, (x1)
        a.emit(r(0x03 << 2, 2, 1, 3, 5, 0x2f));      // sc.d x5, x2, (x1) -> 0
        a.emit(r(0x03 << 2, 2, 1, 3, 6, 0x2f));      // sc.d again -> 1 (no reservation)
        a.li(7, -1);
        a.emit(r(0x1c << 2, 7, 1, 2, 8, 0x2f));      // amomaxu.w x8, x7, (x1)
        runAll(a);
        assertEquals(5, hart.x[3]);
        assertEquals(10, hart.x[4]);
        assertEquals(0, hart.x[5]);
        assertEquals(1, hart.x[6]);
        assertEquals(5, hart.x[8]);
        assertEquals(0xffffffffL, mem.read32(BASE + 0x3000) & 0xffffffffL);
    }

    @Test
    void writesToAFrozenPageGoToACopy() {
        Asm a = new Asm();
        a.li(1, BASE + 0x5000).li(2, 1).emit(sd(2, 1, 0));
        int firstPart = a.size();
        a.li(2, 2).emit(sd(2, 1, 0)).emit(ld(3, 1, 0));
        load(a);
        runTo(BASE + firstPart, 100);
        var frozen = mem.freeze();
        runTo(BASE + a.size(), 100);
        assertEquals(2, hart.x[3]);
        assertEquals(1, java.nio.ByteBuffer.wrap(frozen.page(5)).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(0));
        assertEquals(2, mem.read64(BASE + 0x5000));
        frozen.release();
    }

    @Test
    void stateRoundTrip() throws StateFormatException {
        Asm a = new Asm();
        a.li(1, 0x55).li(2, BASE + 0x100).emit(csrrw(0, Csr.MSCRATCH, 2));
        runAll(a);
        StateWriter w = new StateWriter();
        hart.saveState(w);
        byte[] saved = w.toByteArray();
        Hart other = new Hart(0, new Bus(new GuestMemory(BASE, 8 << 20)), () -> 0);
        other.loadState(new StateReader("hart0", saved), hart.stateVersion());
        StateWriter w2 = new StateWriter();
        other.saveState(w2);
        assertArrayEquals(saved, w2.toByteArray());
        assertEquals(0x55, other.x[1]);
        assertEquals(hart.pc, other.pc);

        byte[] truncated = java.util.Arrays.copyOf(saved, saved.length - 3);
        assertThrows(StateFormatException.class, () -> other.loadState(new StateReader("hart0", truncated), hart.stateVersion()));
        assertThrows(StateFormatException.class, () -> other.loadState(new StateReader("hart0", saved), hart.stateVersion() + 1));
    }
}
