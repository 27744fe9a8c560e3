package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.cpu.Hart;

import static org.junit.jupiter.api.Assertions.*;

class IsaTest {
    @Test
    void namesAreTheOnesGuestsAndCheckpointsExpect() {
        assertEquals("rv64imafdc", Isa.LETTERS, "checkpoints record this as arch; changing it refuses every old checkpoint");
        assertEquals("rv64imafdc_zicntr_zicsr_zifencei", Isa.NAME);
    }

    @Test
    void misaHasExactlyTheSingleLetterExtensions() {
        for (char c = 'a'; c <= 'z'; c++) {
            boolean inMisa = (Hart.MISA_VALUE & (1L << (c - 'a'))) != 0;
            boolean named = Isa.EXTENSIONS.contains(String.valueOf(c));
            if (c == 's' || c == 'u') assertTrue(inMisa, "supervisor and user modes"); // privilege modes, not ISA letters
            else assertEquals(named, inMisa, "extension " + c);
        }
    }
}
