package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.*;
import static org.vmckpt.machine.cpu.Csr.*;

/**
 * The hart's state record, version 2: PMP entries and the counters' offsets and frozen values survive a save and a
 * load (into a fresh hart: the restored guest sees the same CSRs and the same protection), and version 1 records
 * (which end where version 2 adds its fields) still load, with PMP off and the counters continuing from instret.
 */
class HartStateTest {
    static final long BASE = 0x8000_0000L;
    static final long M_TRAP = BASE + 0x800;
    static final long DATA = BASE + 0x10000;
    static final int PMPCFG0 = 0x3A0, PMPCFG2 = 0x3A2, PMPADDR0 = 0x3B0;
    /** What version 2 appends to a version 1 record: 4 counter longs, 16 cfg bytes, 16 address longs. */
    static final int V2_TAIL = 4 * 8 + 16 + 16 * 8;

    GuestMemory mem;
    Hart hart;

    @BeforeEach
    void setUp() {
        mem = new GuestMemory(BASE, 8 << 20);
        hart = new Hart(0, new Bus(mem), () -> 0);
        hart.pc = BASE;
    }

    static Hart fresh() {
        return new Hart(0, new Bus(new GuestMemory(BASE, 8 << 20)), () -> 0);
    }

    static byte[] save(Hart h) {
        StateWriter w = new StateWriter();
        h.saveState(w);
        return w.toByteArray();
    }

    /**
     * Runs, in M-mode: PMP entry 0 (locked TOR up to DATA, read-execute), entry 9 (NAPOT over DATA, read-only),
     * minstret = 1000, mcycle = 2000, then inhibits mcycle.
     */
    void configure() {
        Asm a = new Asm().li(1, M_TRAP).emit(csrrw(0, MTVEC, 1));
        a.li(1, DATA >>> 2).emit(csrrw(0, PMPADDR0, 1));
        a.li(1, (DATA >>> 2) | 0x1ff).emit(csrrw(0, PMPADDR0 + 9, 1));
        a.li(1, (3 << 3 | 1) << 8).emit(csrrw(0, PMPCFG2, 1));
        a.li(1, 0x80 | 1 << 3 | 1 | 4).emit(csrrw(0, PMPCFG0, 1));
        a.li(1, 1000).emit(csrrw(0, MINSTRET, 1));
        a.li(1, 2000).emit(csrrw(0, MCYCLE, 1));
        a.emit(csrrwi(0, MCOUNTINHIBIT, 1));
        mem.writeBytes(BASE, a.bytes(), 0, a.size());
        long end = BASE + a.size();
        for (int k = 0; k < 1000 && hart.pc != end && hart.pc != M_TRAP; k++) hart.run(1);
        assertEquals(end, hart.pc, () -> "mcause " + hart.mcause);
    }

    @Test
    void pmpAndCountersSurviveARoundTrip() throws StateFormatException {
        configure();
        byte[] saved = save(hart);
        Hart other = fresh();
        other.loadState(new StateReader("hart0", saved), hart.stateVersion());
        assertArrayEquals(saved, save(other));
        for (int csr : new int[]{PMPCFG0, PMPCFG2, PMPADDR0, PMPADDR0 + 9, MINSTRET, MCYCLE, INSTRET, CYCLE, MCOUNTINHIBIT}) {
            assertEquals(hart.csrRead(csr, 0), other.csrRead(csr, 0), "CSR 0x" + Integer.toHexString(csr));
        }
        assertEquals(2000 + 1, other.csrRead(MCYCLE, 0), "mcycle held by mcountinhibit");
        // The entry is still locked in the restored hart, and still binds M-mode.
        other.csrWrite(PMPADDR0, 0, 0);
        assertEquals(DATA >>> 2, other.csrRead(PMPADDR0, 0));
        other.csrWrite(MSTATUS, 0, 0);
        assertEquals(BASE + 4, other.translate(BASE + 4, Hart.ACCESS_EXEC));
        assertFalse(other.trap);
        other.translate(BASE + 4, Hart.ACCESS_WRITE);
        assertTrue(other.trap, "the locked read-execute entry forbids M-mode writes");
        assertEquals(CAUSE_STORE_ACCESS, other.trapCause);
    }

    @Test
    void versionOneRecordsLoadWithPmpOffAndCountersFromInstret() throws StateFormatException {
        configure();
        byte[] v2 = save(hart);
        byte[] v1 = Arrays.copyOf(v2, v2.length - V2_TAIL);
        Hart other = fresh();
        other.loadState(new StateReader("hart0", v1), 1);
        assertEquals(hart.pc, other.pc);
        assertEquals(hart.instret, other.instret);
        assertEquals(0, other.csrRead(PMPCFG0, 0));
        assertEquals(0, other.csrRead(PMPADDR0, 0));
        assertEquals(other.instret, other.csrRead(MINSTRET, 0));
        assertEquals(other.instret, other.csrRead(MCYCLE, 0), "held (the record has mcountinhibit.CY) at instret");
        assertEquals(1, other.csrRead(MCOUNTINHIBIT, 0));
        other.setPriv(Hart.PRIV_S);
        other.translate(DATA + 0x8000, Hart.ACCESS_WRITE);
        assertFalse(other.trap, "no PMP: S has full access");

        // Each version reads exactly its own layout.
        assertThrows(StateFormatException.class, () -> fresh().loadState(new StateReader("hart0", v1), 2));
        assertThrows(StateFormatException.class, () -> fresh().loadState(new StateReader("hart0", v2), 1));
    }
}
