package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Device accesses inside hot translated code (src/test/baremetal/devloop.S: CLINT mtime loads, the time CSR, UART
 * LSR loads, UART THR and mtimecmp stores in a loop) behave exactly as interpreted in deterministic mode: equal
 * state hashes at equal instruction counts, equal console output and exit status. The translator must have run code
 * and handed device accesses to the interpreter (deferrals).
 */
class TranslatorDeviceAccessTest {
    static final long MAX = 50_000_000;
    static final long[] COUNTS = {4096, 100_001, 1_234_567, 3_000_000, 4_096_000, 6_000_011};

    @Test
    void deviceAccessesInHotCodeMatchTheInterpreter() throws Exception {
        EngineRun interp = EngineRun.run("devloop.elf", false, MAX, COUNTS);
        assertNotNull(interp.exit, "the program did not end");
        assertNotEquals(1, interp.exit, "the UART never reported its transmitter empty");
        assertTrue(interp.console.length() > 300, "the loop wrote to the UART: " + interp.console.length());
        EngineRun jit = EngineRun.run("devloop.elf", true, MAX, COUNTS);
        System.out.println("TranslatorDeviceAccessTest: " + interp.instret + " instructions; translator " + jit.stats);
        EngineRun.assertSameRun(interp, jit, COUNTS);
        assertTrue(jit.stats.deferrals() > 0, "no device access was handed from a unit to the interpreter: " + jit.stats);
    }

    static final long[] TIMER_COUNTS = {4095, 4096, 4097, 777_777, 2_000_000, 3_333_333};

    /**
     * Timer interrupts taken in the middle of hot code (src/test/baremetal/timerloop.S: a CLINT timer re-armed by
     * its handler, wfi in the loop): taken at the same instruction under both engines, so equal state hashes at
     * equal counts and an equal result.
     */
    @Test
    void timerInterruptsInHotCodeMatchTheInterpreter() throws Exception {
        EngineRun interp = EngineRun.run("timerloop.elf", false, MAX, TIMER_COUNTS);
        assertNotNull(interp.exit, "the program did not end");
        assertTrue(interp.x[22] > 300, "timer interrupts taken (s6): " + interp.x[22]);
        EngineRun jit = EngineRun.run("timerloop.elf", true, MAX, TIMER_COUNTS);
        System.out.println("TranslatorDeviceAccessTest timer: " + interp.instret + " instructions; translator " + jit.stats);
        EngineRun.assertSameRun(interp, jit, TIMER_COUNTS);
    }
}
