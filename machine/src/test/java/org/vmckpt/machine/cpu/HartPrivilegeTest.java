package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The hart's privileged architecture, against the RISC-V privileged specification: CSR access rules, the S-mode
 * views of M-mode registers, the FS state machine, xRET and MPRV, WFI and TW, Sv48 and superpages, interrupt
 * priority and delegation. Programs run from RAM at {@link #BASE}; M-mode traps land at {@link #M_TRAP}.
 */
class HartPrivilegeTest {
    static final long BASE = 0x8000_0000L;
    /** The M-mode trap vector: a test stops when the hart gets here. */
    static final long M_TRAP = BASE + 0x800;
    /** The S-mode trap vector. */
    static final long S_TRAP = BASE + 0x900;
    /** Where code entered through {@link #enter} starts. */
    static final long CODE = BASE + 0x200;
    static final long ROOT = BASE + 0x10000;
    /** Scratch data that x2 points at when code starts. */
    static final long DATA = BASE + 0x4000;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 8 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.pc = BASE;
    }

    // ------------------------------------------------------------------ helpers

    /**
     * Writes a prologue at BASE that sets the trap vectors, points x2 at scratch RAM ({@link #DATA}), runs
     * {@code machineSetup}, sets mstatus = {@code mstatus} | MPP=p and mret's to {@link #CODE} in privilege p;
     * then writes {@code code} at CODE. Returns the address just past the code. (The mret makes MIE = MPIE:
     * pass MPIE to start with machine interrupts on.)
     */
    long enter(int p, long mstatus, Asm machineSetup, Asm code) {
        Asm a = new Asm();
        a.li(1, M_TRAP).emit(csrrw(0, MTVEC, 1));
        a.li(1, S_TRAP).emit(csrrw(0, STVEC, 1));
        a.li(2, DATA);
        a.append(machineSetup);
        a.li(1, (mstatus & ~MPP) | ((long) p << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        a.li(1, CODE).emit(csrrw(0, MEPC, 1));
        a.emit(MRET);
        assertTrue(BASE + a.size() <= CODE);
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        mem.writeBytes(CODE, code.bytes(), 0, code.size());
        return CODE + code.size();
    }

    long enter(int p, long mstatus, Asm code) {
        return enter(p, mstatus, new Asm(), code);
    }

    /** Steps the hart until its pc is one of {@code stops} or it waits for an interrupt; returns the pc. */
    long runUntil(long... stops) {
        for (int k = 0; k < 10_000; k++) {
            for (long s : stops) if (hart.pc == s) return hart.pc;
            if (hart.isWaitingForInterrupt()) return hart.pc;
            hart.run(1);
        }
        fail("the hart did not stop; pc=" + Long.toHexString(hart.pc) + " mcause=" + hart.mcause);
        return 0;
    }

    /** Runs {@code code} in privilege p and returns true if it took an illegal-instruction trap to M. */
    boolean illegalIn(int p, long mstatus, int insn) {
        setUp();
        long end = enter(p, mstatus, new Asm().emit(insn));
        long pc = runUntil(end, M_TRAP, S_TRAP);
        if (pc != M_TRAP) return false;
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause, "trapped for another reason");
        assertEquals(insn & 0xffffffffL, hart.mtval, "mtval holds the instruction");
        assertEquals(CODE, hart.mepc);
        assertEquals(p, (int) ((hart.mstatus() & MPP) >>> MPP_SHIFT), "MPP records where the trap came from");
        return true;
    }

    static long mpp(long mstatus) {
        return (mstatus & MPP) >>> MPP_SHIFT;
    }

    // ------------------------------------------------------------------ CSR access rules

    @Test
    void machineCsrsAreIllegalFromSupervisorAndUser() {
        for (int csr : new int[]{MSTATUS, MIE, MTVEC, MEPC, MSCRATCH, MHARTID, MEDELEG, MIDELEG, MIP}) {
            assertTrue(illegalIn(Hart.PRIV_S, 0, csrr(5, csr)), "S-mode read of M CSR 0x" + Integer.toHexString(csr));
            assertTrue(illegalIn(Hart.PRIV_U, 0, csrr(5, csr)), "U-mode read of M CSR 0x" + Integer.toHexString(csr));
            assertFalse(illegalIn(Hart.PRIV_M, 0, csrr(5, csr)), "M-mode read of 0x" + Integer.toHexString(csr));
        }
        for (int csr : new int[]{SSTATUS, SIE, STVEC, SSCRATCH, SEPC, SCAUSE, STVAL, SIP, SATP}) {
            assertTrue(illegalIn(Hart.PRIV_U, 0, csrr(5, csr)), "U-mode read of S CSR 0x" + Integer.toHexString(csr));
            assertFalse(illegalIn(Hart.PRIV_S, 0, csrr(5, csr)), "S-mode read of S CSR 0x" + Integer.toHexString(csr));
        }
        // satp is M-only while TVM is set.
        assertTrue(illegalIn(Hart.PRIV_S, TVM, csrr(5, SATP)));
    }

    @Test
    void writesToReadOnlyCsrsAreIllegalButReadsAreNot() {
        assertTrue(illegalIn(Hart.PRIV_M, 0, csrrw(0, MHARTID, 1)));
        assertTrue(illegalIn(Hart.PRIV_M, 0, csrrwi(0, MVENDORID, 1)));
        assertTrue(illegalIn(Hart.PRIV_M, 0, csrrs(5, MARCHID, 1)), "csrrs with rs1 != x0 is a write");
        assertFalse(illegalIn(Hart.PRIV_M, 0, csrrs(5, MARCHID, 0)), "csrrs with rs1 = x0 only reads");
        assertTrue(illegalIn(Hart.PRIV_S, 0, csrrw(0, CYCLE, 0)), "cycle is read-only");
    }

    @Test
    void countersNeedTheirEnableBitsBelowMachineMode() {
        assertTrue(illegalIn(Hart.PRIV_S, 0, csrr(5, TIME)), "mcounteren.TM clear");
        assertTrue(illegalIn(Hart.PRIV_U, 0, csrr(5, CYCLE)));
        // mcounteren.CY set lets S read cycle; U also needs scounteren.CY.
        for (int p : new int[]{Hart.PRIV_S, Hart.PRIV_U}) {
            for (boolean sEnable : new boolean[]{false, true}) {
                setUp();
                Asm setup = new Asm();
                setup.li(1, M_TRAP).emit(csrrw(0, MTVEC, 1));
                setup.emit(csrrwi(0, MCOUNTEREN, 1)).emit(csrrwi(0, SCOUNTEREN, sEnable ? 1 : 0));
                setup.li(1, (long) p << MPP_SHIFT).emit(csrrw(0, MSTATUS, 1));
                setup.li(1, CODE).emit(csrrw(0, MEPC, 1)).emit(MRET);
                mem.writeBytes(BASE, setup.bytes(), 0, setup.size());
                mem.writeBytes(CODE, new Asm().emit(csrr(5, CYCLE)).bytes(), 0, 4);
                boolean allowed = p == Hart.PRIV_S || sEnable;
                assertEquals(allowed ? CODE + 4 : M_TRAP, runUntil(CODE + 4, M_TRAP), "priv " + p + " scounteren " + sEnable);
            }
        }
    }

    // ------------------------------------------------------------------ S-mode views of M registers

    @Test
    void sstatusIsARestrictedViewOfMstatus() {
        Asm a = new Asm();
        a.li(1, -1).emit(csrrw(0, MSTATUS, 1));
        a.emit(csrr(5, SSTATUS)).emit(csrr(6, MSTATUS));
        a.emit(csrrw(0, SSTATUS, 0)).emit(csrr(7, MSTATUS)).emit(csrr(8, SSTATUS));
        long end = enter(Hart.PRIV_M, 0, a);
        assertEquals(end, runUntil(end, M_TRAP));
        long all = hart.x[6], sview = hart.x[5];
        long mBits = MIE_BIT | MPIE | MPP | MPRV | TVM | TW | TSR;
        assertEquals(mBits, all & mBits, "M-mode bits were written");
        assertEquals(SD, all & SD, "FS dirty sets SD");
        assertEquals(all & SSTATUS_MASK, sview);
        assertEquals(0, sview & mBits, "sstatus shows no M-only bit");
        assertEquals(SIE_BIT | SPIE | SPP | SUM | MXR | FS | SD, sview & (SIE_BIT | SPIE | SPP | SUM | MXR | FS | SD));
        assertEquals(2L << 32, sview & UXL, "UXL reads 64-bit");
        // Writing sstatus = 0 clears the S bits and leaves the M bits alone.
        long after = hart.x[7];
        assertEquals(mBits, after & mBits);
        assertEquals(0, after & (SIE_BIT | SPIE | SPP | SUM | MXR | FS | SD));
        assertEquals(2L << 32, hart.x[8], "only UXL remains in sstatus");
    }

    @Test
    void sieAndSipShowOnlyDelegatedInterrupts() {
        Asm a = new Asm();
        a.li(1, STIP | SSIP).emit(csrrw(0, MIDELEG, 1));
        a.li(1, -1).emit(csrrw(0, MIE, 1));
        a.emit(csrr(5, SIE));                       // x5: delegated enables
        a.emit(csrrw(0, SIE, 0)).emit(csrr(6, MIE)); // x6: mie after clearing sie
        a.li(1, -1).emit(csrrw(0, SIP, 1));
        a.emit(csrr(7, MIP)).emit(csrr(8, SIP));     // sip writes reach SSIP only
        a.emit(csrrw(0, MIP, 1)).emit(csrr(9, MIP)); // mip writes reach SSIP and STIP only
        long end = enter(Hart.PRIV_M, 0, a);
        assertEquals(end, runUntil(end, M_TRAP));
        assertEquals(STIP | SSIP, hart.x[5]);
        assertEquals(ALL_INTERRUPTS & ~(STIP | SSIP), hart.x[6], "sie writes touch delegated bits only");
        assertEquals(SSIP, hart.x[7]);
        assertEquals(SSIP, hart.x[8]);
        assertEquals(SSIP | STIP, hart.x[9], "M-mode software cannot set MTIP, MSIP or MEIP");

        hart.setInterruptPending(MEIP | MTIP | SEIP, true);
        assertEquals(0, hart.csrRead(SIP, 0) & (MEIP | MTIP | SEIP), "undelegated pending bits are invisible in sip");
        assertEquals(SSIP | STIP, hart.csrRead(SIP, 0));
    }

    // ------------------------------------------------------------------ floating-point state (FS)

    static final int FMV_D_X_F1_X1 = r(0x79, 0, 1, 0, 1, 0x53);
    static final int FADD_D_F2 = r(0x01, 1, 1, 7, 2, 0x53);
    static final int FSD_F1_X2 = s(0, 1, 2, 3, 0x27);
    static final int FLD_F3_X2 = i(0, 2, 3, 3, 0x07);

    @Test
    void floatingPointIsIllegalWhileFsIsOff() {
        for (int insn : new int[]{FMV_D_X_F1_X1, FADD_D_F2, FSD_F1_X2, FLD_F3_X2, csrr(5, FCSR), csrr(5, FRM), csrr(5, FFLAGS)}) {
            assertTrue(illegalIn(Hart.PRIV_M, 0, insn), "FS=Off: " + Integer.toHexString(insn));
            assertTrue(illegalIn(Hart.PRIV_S, 0, insn), "FS=Off in S: " + Integer.toHexString(insn));
            assertFalse(illegalIn(Hart.PRIV_M, 1L << FS_SHIFT, insn), "FS=Initial: " + Integer.toHexString(insn));
        }
    }

    @Test
    void fpWritesMakeFsDirtyAndSetSdButStoresDoNot() {
        long initial = 1L << FS_SHIFT;
        // A store reads FP state only: FS stays Initial and SD clear.
        Asm a = new Asm().emit(FSD_F1_X2).emit(csrr(5, MSTATUS)).emit(csrr(6, SSTATUS));
        long end = enter(Hart.PRIV_M, initial, a);
        assertEquals(end, runUntil(end, M_TRAP));
        assertEquals(initial, hart.x[5] & FS);
        assertEquals(0, hart.x[5] & SD);
        // Each of these writes FP state (a register or fcsr): FS becomes Dirty, and SD shows it in both views.
        for (int insn : new int[]{FMV_D_X_F1_X1, FADD_D_F2, FLD_F3_X2, csrrwi(0, FRM, 1), csrrwi(0, FFLAGS, 1)}) {
            setUp();
            a = new Asm().emit(insn).emit(csrr(5, MSTATUS)).emit(csrr(6, SSTATUS));
            end = enter(Hart.PRIV_M, initial, a);
            assertEquals(end, runUntil(end, M_TRAP), Integer.toHexString(insn));
            assertEquals(FS, hart.x[5] & FS, "FS Dirty after " + Integer.toHexString(insn));
            assertEquals(SD, hart.x[5] & SD);
            assertEquals(SD, hart.x[6] & SD, "sstatus.SD");
        }
        // Software may clean the state (as a kernel does after saving it): SD clears with it.
        setUp();
        a = new Asm().emit(FMV_D_X_F1_X1).li(1, FS).emit(csrrc(0, MSTATUS, 1)).li(1, initial).emit(csrrs(0, MSTATUS, 1))
                .emit(csrr(5, MSTATUS));
        end = enter(Hart.PRIV_M, initial, a);
        assertEquals(end, runUntil(end, M_TRAP));
        assertEquals(initial, hart.x[5] & FS);
        assertEquals(0, hart.x[5] & SD);
    }

    // ------------------------------------------------------------------ xRET, MPRV

    /** Sv39 table at ROOT mapping the 4 KiB page at va to pa with the given leaf flags. */
    void sv39Map4k(long va, long pa, long flags) {
        long l1 = ROOT + 0x1000, l0 = ROOT + 0x2000;
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | flags);
    }

    static long satp(long mode) {
        return (mode << 60) | (ROOT >>> 12);
    }

    static final long RW_AD = 0xC7; // V R W A D

    @Test
    void mprvMakesMachineLoadsUseMppTranslation() {
        sv39Map4k(0x4000_0000L, BASE + 0x40000, RW_AD);
        mem.write64(BASE + 0x40008, 0x1234_5678L);
        Asm a = new Asm();
        a.li(1, satp(8)).emit(csrrw(0, SATP, 1));
        a.li(2, 0x4000_0000L);
        a.emit(ld(5, 2, 8));                                    // MPRV off: physical 0x4000_0008, outside RAM
        long firstFault = CODE + a.size() - 4;
        long end = enter(Hart.PRIV_M, 0, a);
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(firstFault, hart.mepc);

        setUp();
        sv39Map4k(0x4000_0000L, BASE + 0x40000, RW_AD);
        mem.write64(BASE + 0x40008, 0x1234_5678L);
        a = new Asm();
        a.li(1, satp(8)).emit(csrrw(0, SATP, 1));
        a.li(2, 0x4000_0000L);
        a.li(1, MPRV | ((long) Hart.PRIV_S << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        a.emit(ld(5, 2, 8));                                    // translated as S: reads BASE+0x40008
        a.li(1, MPP).emit(csrrs(0, MSTATUS, 1));                // MPP = M: MPRV now means untranslated
        a.emit(ld(6, 2, 8));
        long secondFault = CODE + a.size() - 4;
        end = enter(Hart.PRIV_M, 0, a);
        assertEquals(M_TRAP, runUntil(end, M_TRAP), "the load with MPP=M must fault");
        assertEquals(0x1234_5678L, hart.x[5]);
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(secondFault, hart.mepc);
        assertEquals(Hart.PRIV_M, hart.priv, "instruction fetch is never affected by MPRV");
    }

    @Test
    void mretRestoresInterruptEnableAndClearsMprvWhenLeavingMachineMode() {
        long end = enter(Hart.PRIV_S, MPRV | MPIE, new Asm().emit(addi(5, 0, 1)));
        assertEquals(end, runUntil(end, M_TRAP, S_TRAP));
        long ms = hart.mstatus();
        assertEquals(Hart.PRIV_S, hart.priv);
        assertEquals(0, ms & MPRV, "mret to S clears MPRV");
        assertEquals(MIE_BIT, ms & MIE_BIT, "MIE = old MPIE");
        assertEquals(MPIE, ms & MPIE, "MPIE = 1");
        assertEquals(Hart.PRIV_U, mpp(ms), "MPP = U (least privileged mode)");

        setUp();
        end = enter(Hart.PRIV_M, MPRV, new Asm().emit(addi(5, 0, 1)));
        assertEquals(end, runUntil(end, M_TRAP));
        assertEquals(Hart.PRIV_M, hart.priv);
        assertEquals(MPRV, hart.mstatus() & MPRV, "mret to M keeps MPRV");
        assertEquals(0, hart.mstatus() & MIE_BIT, "MPIE was 0");
    }

    @Test
    void sretReturnsToSppRestoresSieAndClearsMprv() {
        // sret executed in M-mode with MPRV set: goes to S (SPP=1) and clears MPRV.
        Asm a = new Asm();
        a.li(1, MPRV | SPP | SPIE).emit(csrrw(0, MSTATUS, 1));
        a.li(1, CODE + 0x100).emit(csrrw(0, SEPC, 1));
        a.emit(SRET);
        long end = enter(Hart.PRIV_M, 0, a);
        runUntil(CODE + 0x100, M_TRAP, end);
        assertEquals(CODE + 0x100, hart.pc);
        assertEquals(Hart.PRIV_S, hart.priv);
        long ms = hart.mstatus();
        assertEquals(0, ms & MPRV);
        assertEquals(SIE_BIT, ms & SIE_BIT, "SIE = old SPIE");
        assertEquals(SPIE, ms & SPIE);
        assertEquals(0, ms & SPP, "SPP = U");

        // From S with SPP = U: lands in U.
        setUp();
        a = new Asm();
        a.li(1, CODE + 0x100).emit(csrrw(0, SEPC, 1));
        a.emit(SRET);
        end = enter(Hart.PRIV_S, 0, a);
        runUntil(CODE + 0x100, M_TRAP, S_TRAP, end);
        assertEquals(CODE + 0x100, hart.pc);
        assertEquals(Hart.PRIV_U, hart.priv);
    }

    @Test
    void xretFromTooLowAPrivilegeIsIllegal() {
        assertTrue(illegalIn(Hart.PRIV_S, 0, MRET));
        assertTrue(illegalIn(Hart.PRIV_U, 0, MRET));
        assertTrue(illegalIn(Hart.PRIV_U, 0, SRET));
        assertTrue(illegalIn(Hart.PRIV_S, TSR, SRET), "TSR traps sret in S");
        // TSR does not apply to M: sret goes to U at sepc.
        setUp();
        Asm a = new Asm().li(1, CODE + 0x100).emit(csrrw(0, SEPC, 1)).emit(SRET);
        long end = enter(Hart.PRIV_M, TSR, a);
        assertEquals(CODE + 0x100, runUntil(CODE + 0x100, M_TRAP, end));
        assertEquals(Hart.PRIV_U, hart.priv);
        assertTrue(illegalIn(Hart.PRIV_S, TVM, SFENCE_VMA), "TVM traps sfence.vma in S");
        assertTrue(illegalIn(Hart.PRIV_U, 0, SFENCE_VMA));
    }

    // ------------------------------------------------------------------ WFI

    @Test
    void wfiWaitsUnlessTimeoutWaitTrapsIt() {
        assertTrue(illegalIn(Hart.PRIV_S, TW, WFI), "TW traps WFI in S");
        assertTrue(illegalIn(Hart.PRIV_U, 0, WFI), "WFI in U is illegal (the spec allows a bounded wait instead; this hart traps)");
        for (int p : new int[]{Hart.PRIV_S, Hart.PRIV_M}) {
            setUp();
            long end = enter(p, p == Hart.PRIV_M ? TW : 0, new Asm().emit(WFI).emit(addi(5, 0, 1)));
            runUntil(end, M_TRAP);
            assertTrue(hart.isWaitingForInterrupt(), "priv " + p);
            assertEquals(CODE + 4, hart.pc, "WFI retired");
            assertFalse(hart.checkInterrupts(), "nothing pending");
            assertTrue(hart.isWaitingForInterrupt());
        }
    }

    @Test
    void wfiWakesOnAPendingEnabledInterruptEvenWhenInterruptsAreGloballyOff() {
        Asm a = new Asm().li(1, MTIP).emit(csrrw(0, MIE, 1)).emit(WFI).emit(addi(5, 0, 1));
        long end = enter(Hart.PRIV_M, 0, a);  // M-mode with mstatus.MIE = 0
        runUntil(end, M_TRAP);
        assertTrue(hart.isWaitingForInterrupt());
        hart.setInterruptPending(MTIP, true);
        assertFalse(hart.checkInterrupts(), "not taken: MIE is off");
        assertFalse(hart.isWaitingForInterrupt(), "but the hart wakes up");
        assertEquals(end, runUntil(end, M_TRAP), "and continues after the WFI");
        assertEquals(1, hart.x[5]);
    }

    // ------------------------------------------------------------------ Sv48 and superpages

    /** Sv48 4-level table at ROOT mapping the 4 KiB page at va to pa. */
    void sv48Map4k(long va, long pa, long flags) {
        long l2 = ROOT + 0x1000, l1 = ROOT + 0x2000, l0 = ROOT + 0x3000;
        mem.write64(ROOT + ((va >>> 39) & 0x1ff) * 8, ((l2 >>> 12) << 10) | 1);
        mem.write64(l2 + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | flags);
    }

    /** Code that turns on translation with {@code satp} and loads x5 from va through MPRV with MPP = S. */
    Asm loadThroughMmu(long satp, long va) {
        Asm a = new Asm();
        a.li(1, satp).emit(csrrw(0, SATP, 1));
        a.li(2, va);
        a.li(1, MPRV | ((long) Hart.PRIV_S << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        a.emit(ld(5, 2, 0));
        a.li(3, 77).emit(sd(3, 2, 8));
        return a;
    }

    @Test
    void sv48WalksFourLevelsAndAcceptsAddressesBeyondSv39() {
        long va = 0x0000_7f80_1234_5000L;  // VPN[3] = 255: only Sv48 can map it
        long pteAddr = ROOT + 0x3000 + ((va >>> 12) & 0x1ff) * 8;
        sv48Map4k(va, BASE + 0x40000, 0x07);   // V R W, A and D clear
        mem.write64(BASE + 0x40000, 0xfeed_f00dL);
        long end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(9), va));
        assertEquals(end, runUntil(end, M_TRAP), "mcause " + hart.mcause);
        assertEquals(0xfeed_f00dL, hart.x[5]);
        assertEquals(77, mem.read64(BASE + 0x40008));
        assertEquals(0xC0, mem.read64(pteAddr) & 0xC0, "the walk set A and D");

        // The same address under Sv39 is not canonical: a page fault.
        setUp();
        sv48Map4k(va, BASE + 0x40000, RW_AD);
        end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(8), va));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_PAGE_FAULT, hart.mcause);
        assertEquals(va, hart.mtval);

        // Under Sv48, bits 63..48 must copy bit 47.
        setUp();
        long nonCanonical = 0x0000_8000_0000_0000L;
        end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(9), nonCanonical));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_PAGE_FAULT, hart.mcause);
        assertEquals(nonCanonical, hart.mtval);
    }

    @Test
    void superpagesMustBeAlignedToTheirSize() {
        long va = 0x4000_0000L + 0x20_0000L * 3 + 0x1238; // in the fourth 2 MiB page of the 1 GiB at 0x4000_0000
        long l1 = ROOT + 0x1000;
        // Aligned megapage (level-1 leaf) at BASE + 2 MiB.
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, (((BASE + 0x20_0000L) >>> 12) << 10) | RW_AD);
        mem.write64(BASE + 0x20_0000L + (va & 0x1f_ffff), 0xabcdL);
        long end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(8), va));
        assertEquals(end, runUntil(end, M_TRAP), "mcause " + hart.mcause);
        assertEquals(0xabcdL, hart.x[5], "offset within the megapage comes from the address");

        // The same megapage starting 4 KiB off a 2 MiB boundary: page fault.
        setUp();
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, (((BASE + 0x20_1000L) >>> 12) << 10) | RW_AD);
        end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(8), va));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_PAGE_FAULT, hart.mcause);
        assertEquals(va, hart.mtval);

        // A gigapage (root-level leaf) whose physical page is only 2 MiB aligned: page fault.
        setUp();
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, (((BASE + 0x20_0000L) >>> 12) << 10) | RW_AD);
        end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(8), va));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_PAGE_FAULT, hart.mcause);

        // And an aligned gigapage (RAM at BASE is 1 GiB aligned) works.
        setUp();
        long gva = 0x4000_0000L + 0x1238;
        mem.write64(ROOT + ((gva >>> 30) & 0x1ff) * 8, ((BASE >>> 12) << 10) | RW_AD);
        mem.write64(BASE + 0x1238, 0x4242L);
        end = enter(Hart.PRIV_M, 0, loadThroughMmu(satp(8), gva));
        assertEquals(end, runUntil(end, M_TRAP), "mcause " + hart.mcause);
        assertEquals(0x4242L, hart.x[5]);
    }

    // ------------------------------------------------------------------ interrupts: priority and delegation

    /** Puts the hart at CODE in privilege p with the given mstatus, mie = all and mideleg as given. */
    void parkIn(int p, long mstatus, long mideleg) {
        Asm setup = new Asm().li(1, mideleg).emit(csrrw(0, MIDELEG, 1)).li(1, -1).emit(csrrw(0, MIE, 1));
        enter(p, mstatus, setup, new Asm().emit(addi(0, 0, 0)));
        assertEquals(CODE, runUntil(CODE, M_TRAP, S_TRAP));
        assertEquals(p, hart.priv);
    }

    @Test
    void machineInterruptsAreTakenInPriorityOrder() {
        long[] order = {MEIP, MSIP, MTIP, SEIP, SSIP, STIP};
        int[] causes = {11, 3, 7, 9, 1, 5};
        for (int k = 0; k < order.length; k++) {
            setUp();
            parkIn(Hart.PRIV_M, MPIE, 0);
            long pending = 0;
            for (int j = k; j < order.length; j++) pending |= order[j];
            hart.setInterruptPending(pending, true);
            assertTrue(hart.checkInterrupts());
            assertEquals(INTERRUPT_FLAG | causes[k], hart.mcause, "highest of " + Long.toHexString(pending));
            assertEquals(M_TRAP, hart.pc);
            assertEquals(0, hart.mstatus() & MIE_BIT, "MIE cleared on entry");
            assertEquals(MPIE, hart.mstatus() & MPIE);
        }
    }

    @Test
    void machineModeTakesNothingWhileMieIsOff() {
        parkIn(Hart.PRIV_M, 0, 0);
        hart.setInterruptPending(MEIP | MTIP, true);
        assertFalse(hart.checkInterrupts());
        assertEquals(CODE, hart.pc);
        assertEquals(Hart.PRIV_M, hart.priv);
    }

    @Test
    void delegatedInterruptsGoToSupervisorWhenEnabledThere() {
        // S-mode, SIE on: a delegated timer interrupt traps to S.
        parkIn(Hart.PRIV_S, MPIE | SIE_BIT, S_INTERRUPTS);
        long interruptedPc = hart.pc;
        hart.setInterruptPending(STIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(INTERRUPT_FLAG | 5, hart.scause);
        assertEquals(interruptedPc, hart.sepc);
        assertEquals(S_TRAP, hart.pc);
        assertEquals(Hart.PRIV_S, hart.priv);
        long ms = hart.mstatus();
        assertEquals(SPP, ms & SPP, "came from S");
        assertEquals(SPIE, ms & SPIE);
        assertEquals(0, ms & SIE_BIT);
        assertEquals(0, hart.mcause, "M-mode saw nothing");

        // S-mode with SIE off: held.
        setUp();
        parkIn(Hart.PRIV_S, 0, S_INTERRUPTS);
        hart.setInterruptPending(STIP, true);
        assertFalse(hart.checkInterrupts());

        // U-mode: S-level interrupts are always enabled below S.
        setUp();
        parkIn(Hart.PRIV_U, 0, S_INTERRUPTS);
        hart.setInterruptPending(SSIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(INTERRUPT_FLAG | 1, hart.scause);
        assertEquals(0, hart.mstatus() & SPP, "came from U");
        assertEquals(Hart.PRIV_S, hart.priv);

        // M-mode: a delegated interrupt never preempts M, even with MIE on.
        setUp();
        parkIn(Hart.PRIV_M, MPIE | SIE_BIT, S_INTERRUPTS);
        hart.setInterruptPending(STIP | SEIP, true);
        assertFalse(hart.checkInterrupts());
    }

    @Test
    void machineLevelInterruptsPreemptLowerModesAndComeBeforeSupervisorOnes() {
        // S-mode with MIE off: an undelegated timer interrupt still traps to M.
        parkIn(Hart.PRIV_S, SIE_BIT, S_INTERRUPTS);
        hart.setInterruptPending(MTIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(INTERRUPT_FLAG | 7, hart.mcause);
        assertEquals(Hart.PRIV_M, hart.priv);
        assertEquals(Hart.PRIV_S, mpp(hart.mstatus()));

        // Both an M-level (MTIP) and a higher-numbered delegated S-level (SEIP) interrupt pending: M first.
        setUp();
        parkIn(Hart.PRIV_S, SIE_BIT, S_INTERRUPTS);
        hart.setInterruptPending(MTIP | SEIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(INTERRUPT_FLAG | 7, hart.mcause);
        assertEquals(0, hart.scause);

        // An undelegated S-level interrupt goes to M.
        setUp();
        parkIn(Hart.PRIV_S, SIE_BIT, 0);
        hart.setInterruptPending(STIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(INTERRUPT_FLAG | 5, hart.mcause);
        assertEquals(Hart.PRIV_M, hart.priv);
    }

    @Test
    void vectoredTrapVectorsOffsetInterruptsButNotExceptions() {
        Asm a = new Asm().li(1, M_TRAP | 1).emit(csrrw(0, MTVEC, 1)).li(1, -1).emit(csrrw(0, MIE, 1))
                .emit(csrrwi(0, MSTATUS, 8)).emit(addi(0, 0, 0));
        long end = enter(Hart.PRIV_M, 0, a);
        assertEquals(end - 4, runUntil(end - 4));
        hart.setInterruptPending(MTIP, true);
        assertTrue(hart.checkInterrupts());
        assertEquals(M_TRAP + 4 * 7, hart.pc);

        setUp();
        a = new Asm().li(1, M_TRAP | 1).emit(csrrw(0, MTVEC, 1)).emit(0xffffffff);
        end = enter(Hart.PRIV_M, 0, a);
        assertEquals(M_TRAP, runUntil(end, M_TRAP), "exceptions use the base address");
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause);
    }

    @Test
    void delegatedExceptionsStillTrapToMachineWhenRaisedInMachineMode() {
        Asm a = new Asm().li(1, 1L << CAUSE_ILLEGAL_INSTRUCTION).emit(csrrw(0, MEDELEG, 1)).emit(0xffffffff);
        long end = enter(Hart.PRIV_M, 0, a);
        assertEquals(M_TRAP, runUntil(end, M_TRAP, S_TRAP));
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause);

        // From S, the same delegated exception goes to S.
        setUp();
        Asm setup = new Asm().li(1, 1L << CAUSE_ILLEGAL_INSTRUCTION).emit(csrrw(0, MEDELEG, 1));
        end = enter(Hart.PRIV_S, 0, setup, new Asm().emit(0xffffffff));
        assertEquals(S_TRAP, runUntil(end, M_TRAP, S_TRAP));
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.scause);
        assertEquals(0xffffffffL, hart.stval);
        assertEquals(CODE, hart.sepc);
        assertEquals(SPP, hart.mstatus() & SPP);
    }
}
