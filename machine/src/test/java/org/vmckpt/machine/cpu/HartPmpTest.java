package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * Physical memory protection against the privileged specification (3.7) and QEMU virt's shape: 16 entries, 4-byte
 * granularity, WARL read-back, locking, TOR/NA4/NAPOT matching from S and U with the right access-fault causes, M-mode
 * bound only by locked entries, the page-table walk checked as S-mode reads and writes, and the software TLB never
 * letting an access skip a check. Programs start in M-mode at {@link #BASE}; any trap lands at {@link #M_TRAP}.
 */
class HartPmpTest {
    static final long BASE = 0x8000_0000L;
    static final long M_TRAP = BASE + 0x800;
    /** Where the code under test starts (after the M-mode prologue). */
    static final long CODE = BASE + 0x400;
    /** Read-only for S/U through a TOR entry that ends in the middle of the page. */
    static final long DATA_R = BASE + 0x10000;
    /** Read-write for S/U through a NAPOT entry of one page. */
    static final long DATA_RW = BASE + 0x20000;
    /** Covered by no entry. */
    static final long UNCOVERED = BASE + 0x30000;
    static final long ROOT = BASE + 0x40000;

    static final int PMPCFG0 = 0x3A0, PMPCFG2 = 0x3A2, PMPADDR0 = 0x3B0;
    static final int R = 1, W = 2, X = 4, L = 0x80;
    static final int OFF = 0, TOR = 1 << 3, NA4 = 2 << 3, NAPOT = 3 << 3;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 8 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.pc = BASE;
        mem.write64(DATA_R, 0x1111L);
        mem.write64(DATA_R + 0x7f8, 0x2222L);
        mem.write64(DATA_R + 0x800, 0x3333L);
        mem.write64(DATA_RW, 0x4444L);
        mem.write64(UNCOVERED, 0x5555L);
    }

    // ------------------------------------------------------------------ helpers

    static int jalr(int rd, int rs1, int imm) {
        return i(imm, rs1, 0, rd, 0x67);
    }

    /** pmpaddr value of a naturally aligned power-of-two region of at least 8 bytes. */
    static long napot(long base, long size) {
        return (base >>> 2) | ((size >>> 3) - 1);
    }

    /** Code that writes {@code value} to a CSR (clobbers x1). */
    static Asm csrw(Asm a, int csr, long value) {
        return a.li(1, value).emit(csrrw(0, csr, 1));
    }

    /**
     * The usual layout: entry 0 (OFF) is the bottom of entry 1, a TOR read-only range over the first half of the
     * DATA_R page; entry 2 lets S/U execute and read the code page; entry 3 makes the DATA_RW page read-write.
     */
    static Asm usualEntries() {
        Asm a = new Asm();
        csrw(a, PMPADDR0, DATA_R >>> 2);
        csrw(a, PMPADDR0 + 1, (DATA_R + 0x800) >>> 2);
        csrw(a, PMPADDR0 + 2, napot(BASE, 0x1000));
        csrw(a, PMPADDR0 + 3, napot(DATA_RW, 0x1000));
        csrw(a, PMPCFG0, (long) OFF | (long) (TOR | R) << 8 | (long) (NAPOT | R | X) << 16 | (long) (NAPOT | R | W) << 24);
        return a;
    }

    /**
     * Writes an M-mode prologue at BASE (mtvec = M_TRAP, x2 = DATA_R, x3 = DATA_RW, x4 = UNCOVERED, then
     * {@code setup}) that mret's to {@link #CODE} in privilege p with {@code mstatus}; then {@code code} at CODE.
     * Returns the address just past the code.
     */
    long enter(int p, long mstatus, Asm setup, Asm code) {
        Asm a = new Asm();
        a.li(1, M_TRAP).emit(csrrw(0, MTVEC, 1));
        a.li(2, DATA_R).li(3, DATA_RW).li(4, UNCOVERED);
        a.append(setup);
        a.li(1, (mstatus & ~MPP) | ((long) p << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        a.li(1, CODE).emit(csrrw(0, MEPC, 1));
        a.emit(MRET);
        assertTrue(BASE + a.size() <= CODE, "prologue too long");
        assertTrue(CODE + code.size() <= M_TRAP, "code too long");
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        mem.writeBytes(CODE, code.bytes(), 0, code.size());
        return CODE + code.size();
    }

    long runUntil(long... stops) {
        for (int k = 0; k < 10_000; k++) {
            for (long s : stops) if (hart.pc == s) return hart.pc;
            hart.run(1);
        }
        fail("the hart did not stop; pc=" + Long.toHexString(hart.pc) + " mcause=" + hart.mcause);
        return 0;
    }

    /** Runs code in privilege p after {@code setup}; returns true if it ran to its end, false if it trapped. */
    boolean runs(int p, Asm setup, Asm code) {
        long end = enter(p, 0, setup, code);
        return runUntil(end, M_TRAP) == end;
    }

    /** Runs code in privilege p that must take an access fault: checks cause, mtval and where it came from. */
    void assertFault(int p, Asm setup, Asm code, int cause, long tval) {
        long end = enter(p, 0, setup, code);
        assertEquals(M_TRAP, runUntil(end, M_TRAP), "expected cause " + cause + " in privilege " + p);
        assertEquals(cause, hart.mcause, "privilege " + p);
        assertEquals(tval, hart.mtval, "mtval: the faulting address");
        assertEquals(p, (int) ((hart.mstatus() & MPP) >>> MPP_SHIFT), "MPP");
    }

    // ------------------------------------------------------------------ the CSRs

    @Test
    void csrsAreMachineOnlyAndRv64HasNoOddPmpcfg() {
        long end = enter(Hart.PRIV_S, 0, new Asm(), new Asm().emit(csrr(5, PMPADDR0)));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause, "pmpaddr0 from S");
        setUp();
        end = enter(Hart.PRIV_S, 0, new Asm(), new Asm().emit(csrr(5, PMPCFG0)));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause, "pmpcfg0 from S");
        setUp();
        end = enter(Hart.PRIV_M, 0, new Asm(), new Asm().emit(csrr(5, 0x3A1)));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_ILLEGAL_INSTRUCTION, hart.mcause, "pmpcfg1 does not exist on RV64");
    }

    @Test
    void sixteenEntriesWithFourByteGranularity() {
        Asm a = new Asm();
        a.li(5, -1);
        a.emit(csrrw(0, PMPCFG0, 0)).emit(csrrw(0, PMPADDR0, 5)).emit(csrr(6, PMPADDR0));   // the spec's probe for G
        a.emit(csrrw(0, PMPADDR0 + 15, 5)).emit(csrr(7, PMPADDR0 + 15));
        a.emit(csrrw(0, PMPADDR0 + 16, 5)).emit(csrr(8, PMPADDR0 + 16));
        a.emit(csrrw(0, PMPADDR0 + 63, 5)).emit(csrr(9, PMPADDR0 + 63));
        a.emit(csrrw(0, 0x3A4, 5)).emit(csrr(10, 0x3A4));                                   // pmpcfg4: entries 16..23
        a.emit(csrrw(0, 0x3AE, 5)).emit(csrr(11, 0x3AE));
        long end = enter(Hart.PRIV_M, 0, new Asm(), a);
        assertEquals(end, runUntil(end, M_TRAP), "no PMP CSR traps in M-mode");
        long all = (1L << 54) - 1;
        assertEquals(all, hart.x[6], "pmpaddr holds physical address bits 55..2; bit 0 writable: G = 0");
        assertEquals(all, hart.x[7], "entry 15 exists");
        assertEquals(0, hart.x[8], "entry 16 does not");
        assertEquals(0, hart.x[9]);
        assertEquals(0, hart.x[10]);
        assertEquals(0, hart.x[11]);
    }

    @Test
    void everyAddressMatchingModeReadsBackAsWritten() {
        long cfg0 = 0, cfg2 = 0;
        int[] modes = {OFF, TOR, NA4, NAPOT};
        for (int k = 0; k < 8; k++) {
            cfg0 |= (long) (modes[k & 3] | R | (k >= 4 ? W | X : 0)) << (8 * k);
            cfg2 |= (long) (modes[(k + 1) & 3] | R | X) << (8 * k);
        }
        Asm a = new Asm();
        csrw(a, PMPCFG0, cfg0).emit(csrr(5, PMPCFG0));
        csrw(a, PMPCFG2, cfg2).emit(csrr(6, PMPCFG2));
        // WARL: bits 5 and 6 are reserved (read 0), and so is W without R (stored without W).
        csrw(a, PMPCFG0, 0x60L | (NAPOT | W | X) | (long) (0x60 | TOR | R | W) << 8).emit(csrr(7, PMPCFG0));
        long end = enter(Hart.PRIV_M, 0, new Asm(), a);
        assertEquals(end, runUntil(end, M_TRAP));
        assertEquals(cfg0, hart.x[5]);
        assertEquals(cfg2, hart.x[6]);
        assertEquals((NAPOT | X) | (long) (TOR | R | W) << 8, hart.x[7]);
    }

    @Test
    void lockedEntriesIgnoreWritesToTheirConfigTheirAddressAndTheAddressBelowATor() {
        Asm a = new Asm();
        csrw(a, PMPADDR0, 0x100);
        csrw(a, PMPADDR0 + 1, 0x200);
        csrw(a, PMPADDR0 + 2, 0x300);
        csrw(a, PMPADDR0 + 3, 0x400);
        // entry 1: locked TOR; entry 3: locked NAPOT; entries 0 and 2 unlocked.
        csrw(a, PMPCFG0, (long) (L | TOR | R) << 8 | (long) (L | NAPOT | X) << 24);
        csrw(a, PMPADDR0, 0x111);        // below a locked TOR: ignored
        csrw(a, PMPADDR0 + 1, 0x222);    // locked: ignored
        csrw(a, PMPADDR0 + 2, 0x333);    // below a locked NAPOT: writable
        csrw(a, PMPADDR0 + 3, 0x444);    // locked: ignored
        csrw(a, PMPCFG0, R | (long) (NAPOT | R | W | X) << 16);  // only entries 0 and 2 change
        a.emit(csrr(5, PMPADDR0)).emit(csrr(6, PMPADDR0 + 1)).emit(csrr(7, PMPADDR0 + 2)).emit(csrr(8, PMPADDR0 + 3));
        a.emit(csrr(9, PMPCFG0));
        long end = enter(Hart.PRIV_M, 0, new Asm(), a);
        assertEquals(end, runUntil(end, M_TRAP));
        assertEquals(0x100, hart.x[5]);
        assertEquals(0x200, hart.x[6]);
        assertEquals(0x333, hart.x[7]);
        assertEquals(0x400, hart.x[8]);
        assertEquals(R | (long) (L | TOR | R) << 8 | (long) (NAPOT | R | W | X) << 16 | (long) (L | NAPOT | X) << 24, hart.x[9]);
    }

    // ------------------------------------------------------------------ checks from S and U

    @Test
    void withNoEntryEnabledSupervisorAndUserHaveFullAccess() {
        for (int p : new int[]{Hart.PRIV_S, Hart.PRIV_U}) {
            setUp();
            Asm code = new Asm().emit(ld(5, 4, 0)).emit(sd(5, 4, 8)).emit(ld(6, 2, 0x7f8));
            assertTrue(runs(p, new Asm(), code), "privilege " + p + " mcause " + hart.mcause);
            assertEquals(0x5555L, hart.x[5]);
            assertEquals(0x5555L, mem.read64(UNCOVERED + 8));
            assertEquals(0x2222L, hart.x[6]);
        }
    }

    @Test
    void torAndNapotEntriesGrantWhatTheySayFromSupervisorAndUser() {
        for (int p : new int[]{Hart.PRIV_S, Hart.PRIV_U}) {
            setUp();
            Asm code = new Asm().emit(ld(5, 2, 0)).emit(ld(6, 2, 0x7f8))    // TOR, read-only: readable
                    .emit(ld(7, 3, 0)).li(8, 0x77).emit(sd(8, 3, 8));         // NAPOT, read-write
            assertTrue(runs(p, usualEntries(), code), "privilege " + p + " mcause " + hart.mcause);
            assertEquals(0x1111L, hart.x[5]);
            assertEquals(0x2222L, hart.x[6]);
            assertEquals(0x4444L, hart.x[7]);
            assertEquals(0x77L, mem.read64(DATA_RW + 8));

            setUp();
            assertFault(p, usualEntries(), new Asm().li(8, 1).emit(sd(8, 2, 0)), CAUSE_STORE_ACCESS, DATA_R);
            setUp();
            assertFault(p, usualEntries(), new Asm().emit(jalr(0, 3, 0)), CAUSE_FETCH_ACCESS, DATA_RW);
            setUp();
            assertFault(p, usualEntries(), new Asm().emit(ld(5, 4, 0)), CAUSE_LOAD_ACCESS, UNCOVERED);
            assertEquals(0, hart.x[5], "the faulting load wrote nothing");
            setUp();
            assertFault(p, usualEntries(), new Asm().emit(sd(0, 4, 0)), CAUSE_STORE_ACCESS, UNCOVERED);
            assertEquals(0x5555L, mem.read64(UNCOVERED), "the faulting store wrote nothing");
        }
    }

    @Test
    void aPagePmpSplitsIsCheckedOnEveryAccessNotJustTheFirst() {
        // The first loads fill the TLB for DATA_R's page from its readable half; the next one, in the page's other
        // half, must still fault.
        Asm code = new Asm().emit(ld(5, 2, 0)).emit(ld(6, 2, 0x7f8)).emit(ld(7, 2, 0x7f8))
                .emit(addi(2, 2, 0x400)).emit(ld(9, 2, 0x400));   // DATA_R + 0x800
        assertFault(Hart.PRIV_S, usualEntries(), code, CAUSE_LOAD_ACCESS, DATA_R + 0x800);
        assertEquals(0x1111L, hart.x[5]);
        assertEquals(0x2222L, hart.x[7]);
        assertEquals(0, hart.x[9]);

        // The same for writes and fetches: a read-write NA4 word and an executable NA4 word in pages no other entry
        // covers.
        setUp();
        mem.write64(UNCOVERED, 0x6666_0000_5555L);
        Asm setup = usualEntries();
        csrw(setup, PMPADDR0 + 4, UNCOVERED >>> 2);
        csrw(setup, PMPCFG0, (long) OFF | (long) (TOR | R) << 8 | (long) (NAPOT | R | X) << 16
                | (long) (NAPOT | R | W) << 24 | (long) (NA4 | R | W) << 32);
        code = new Asm().emit(sw(0, 4, 0)).emit(sw(0, 4, 0)).emit(sw(0, 4, 4));
        assertFault(Hart.PRIV_U, setup, code, CAUSE_STORE_ACCESS, UNCOVERED + 4);
        assertEquals(0x6666_0000_0000L, mem.read64(UNCOVERED), "the NA4 word was written, its neighbour not");

        setUp();
        long fetchPage = BASE + 0x50000;
        mem.write32(fetchPage, addi(5, 5, 1));   // executable: one NA4 word
        mem.write32(fetchPage + 4, addi(5, 5, 1));
        setup = usualEntries();
        csrw(setup, PMPADDR0 + 4, fetchPage >>> 2);
        csrw(setup, PMPCFG0, (long) OFF | (long) (TOR | R) << 8 | (long) (NAPOT | R | X) << 16
                | (long) (NAPOT | R | W) << 24 | (long) (NA4 | X) << 32);
        assertFault(Hart.PRIV_S, setup, new Asm().li(6, fetchPage).emit(jalr(0, 6, 0)), CAUSE_FETCH_ACCESS, fetchPage + 4);
        assertEquals(1, hart.x[5], "the first instruction ran");
    }

    @Test
    void writingAPmpCsrTakesEffectForPagesAlreadyInTheTlb() {
        Asm code = new Asm().emit(ld(5, 3, 0)).emit(addi(0, 0, 0)).emit(ld(6, 3, 0));
        long end = enter(Hart.PRIV_S, 0, usualEntries(), code);
        assertEquals(CODE + 4, runUntil(CODE + 4, M_TRAP, end));
        assertEquals(0x4444L, hart.x[5], "DATA_RW read, and cached");
        // M-mode turns entry 3 off (as if from a trap handler); S's next read of the page must fault.
        hart.csrWrite(PMPCFG0, (long) OFF | (long) (TOR | R) << 8 | (long) (NAPOT | R | X) << 16, 0);
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(CODE + 8, hart.mepc);
    }

    @Test
    void bareSupervisorDoesNotReuseMachineModeTranslations() {
        // M-mode reads UNCOVERED (allowed: no locked entry), filling the TLB; then S reads it: must fault.
        Asm setup = usualEntries().emit(ld(5, 4, 0));
        assertFault(Hart.PRIV_S, setup, new Asm().emit(ld(6, 4, 0)), CAUSE_LOAD_ACCESS, UNCOVERED);
        assertEquals(0x5555L, hart.x[5], "M read it");
    }

    // ------------------------------------------------------------------ M-mode and locked entries

    @Test
    void machineModeIsBoundOnlyByLockedEntries() {
        Asm unlocked = new Asm();
        csrw(unlocked, PMPADDR0, napot(DATA_RW, 0x1000));
        csrw(unlocked, PMPCFG0, NAPOT | R);
        Asm code = new Asm().li(8, 0x99).emit(sd(8, 3, 0)).emit(ld(5, 4, 0));
        assertTrue(runs(Hart.PRIV_M, unlocked, code), "unlocked entries do not bind M: mcause " + hart.mcause);
        assertEquals(0x99L, mem.read64(DATA_RW));
        assertEquals(0x5555L, hart.x[5]);

        setUp();
        Asm locked = new Asm();
        csrw(locked, PMPADDR0, napot(DATA_RW, 0x1000));
        csrw(locked, PMPCFG0, L | NAPOT | R);
        code = new Asm().emit(ld(5, 3, 0)).emit(ld(6, 4, 0)).li(8, 0x99).emit(sd(8, 3, 0));
        long end = enter(Hart.PRIV_M, 0, locked, code);
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_STORE_ACCESS, hart.mcause, "a locked read-only entry stops M's store");
        assertEquals(DATA_RW, hart.mtval);
        assertEquals(0x4444L, hart.x[5], "M reads through it");
        assertEquals(0x5555L, hart.x[6], "and M still has what no entry matches");
        assertEquals(0x4444L, mem.read64(DATA_RW));
    }

    // ------------------------------------------------------------------ the page-table walk

    static final long RWX_AD = 0xCF;

    /** Sv39 table at ROOT mapping va to pa (4 KiB) with the given leaf flags. */
    void sv39Map4k(long va, long pa, long flags) {
        long l1 = ROOT + 0x1000, l0 = ROOT + 0x2000;
        mem.write64(ROOT + ((va >>> 30) & 0x1ff) * 8, ((l1 >>> 12) << 10) | 1);
        mem.write64(l1 + ((va >>> 21) & 0x1ff) * 8, ((l0 >>> 12) << 10) | 1);
        mem.write64(l0 + ((va >>> 12) & 0x1ff) * 8, ((pa >>> 12) << 10) | flags);
    }

    /** M-mode code that loads x5 from va translated as S (MPRV with MPP = S). */
    static Asm loadAsSupervisor(long va) {
        Asm a = new Asm();
        a.li(1, (8L << 60) | (ROOT >>> 12)).emit(csrrw(0, SATP, 1));
        a.li(6, va);
        a.li(1, MPRV | ((long) Hart.PRIV_S << MPP_SHIFT)).emit(csrrw(0, MSTATUS, 1));
        a.emit(ld(5, 6, 0));
        return a;
    }

    /** Entry 0 gives the page tables {@code tablePerms}; entry 1 gives S everything else. */
    static Asm tablesAnd(int tablePerms) {
        Asm a = new Asm();
        csrw(a, PMPADDR0, napot(ROOT, 0x4000));
        csrw(a, PMPADDR0 + 1, napot(0, 1L << 56));
        csrw(a, PMPCFG0, (NAPOT | tablePerms) | (long) (NAPOT | R | W | X) << 8);
        return a;
    }

    @Test
    void pageTableReadsAreCheckedAsSupervisorReads() {
        long va = 0x4000_0000L;
        sv39Map4k(va, DATA_RW, RWX_AD);
        long end = enter(Hart.PRIV_M, 0, tablesAnd(R), loadAsSupervisor(va));
        assertEquals(end, runUntil(end, M_TRAP), "readable tables: mcause " + hart.mcause);
        assertEquals(0x4444L, hart.x[5]);

        setUp();
        sv39Map4k(va, DATA_RW, RWX_AD);
        end = enter(Hart.PRIV_M, 0, tablesAnd(0), loadAsSupervisor(va));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause, "an access fault of the original kind, not a page fault");
        assertEquals(va, hart.mtval);
    }

    @Test
    void settingAccessedAndDirtyBitsNeedsWritePermissionOnTheTable() {
        long va = 0x4000_0000L;
        sv39Map4k(va, DATA_RW, 0x0F);   // V R W X, A clear: the walk must write the PTE
        long end = enter(Hart.PRIV_M, 0, tablesAnd(R), loadAsSupervisor(va));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(va, hart.mtval);
        assertEquals(0, mem.read64(ROOT + 0x2000 + ((va >>> 12) & 0x1ff) * 8) & 0x40, "A not set");

        setUp();
        sv39Map4k(va, DATA_RW, 0x0F);
        end = enter(Hart.PRIV_M, 0, tablesAnd(R | W), loadAsSupervisor(va));
        assertEquals(end, runUntil(end, M_TRAP), "mcause " + hart.mcause);
        assertEquals(0x4444L, hart.x[5]);
        assertEquals(0x40, mem.read64(ROOT + 0x2000 + ((va >>> 12) & 0x1ff) * 8) & 0x40, "A set");
    }

    @Test
    void translatedAccessesAreCheckedAtTheirPhysicalAddress() {
        long va = 0x4000_0000L;
        sv39Map4k(va, UNCOVERED, RWX_AD);
        Asm setup = new Asm();
        csrw(setup, PMPADDR0, napot(ROOT, 0x4000));
        csrw(setup, PMPCFG0, NAPOT | R);   // tables readable; UNCOVERED matched by nothing
        long end = enter(Hart.PRIV_M, 0, setup, loadAsSupervisor(va));
        assertEquals(M_TRAP, runUntil(end, M_TRAP));
        assertEquals(CAUSE_LOAD_ACCESS, hart.mcause);
        assertEquals(va, hart.mtval, "mtval is the virtual address");
    }
}
