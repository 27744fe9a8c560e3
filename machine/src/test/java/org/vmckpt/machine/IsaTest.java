package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.cpu.Hart;

import static org.junit.jupiter.api.Assertions.*;

class IsaTest {
    @Test
    void namesAreTheOnesGuestsAndCheckpointsExpect() {
        assertEquals("rv64imafdc", Isa.LETTERS, "checkpoints record this as arch; changing it refuses every old checkpoint");
        assertEquals("rv64imafdc_zicntr_zicsr_zifencei" + (Isa.BITMANIP ? "_zba_zbb_zbs" : ""), Isa.NAME);
    }

    @Test
    void zicbozIsAMultiLetterExtensionOffByDefault() {
        assertFalse(Isa.ZICBOZ, "off by default (-Dvmckpt.isa.zicboz)");
        assertEquals(Isa.BITMANIP ? "zicntr_zicsr_zifencei_zba_zbb_zbs" : "zicntr_zicsr_zifencei", Isa.MULTI_LETTER);
        assertEquals(Isa.BASE_MULTI_LETTER, String.join("_", Isa.extensions(false, false).subList(6, 9)),
                "a checkpoint that records no extensions had these");
        assertEquals(java.util.List.of("i", "m", "a", "f", "d", "c", "zicboz", "zicntr", "zicsr", "zifencei"), Isa.extensions(true, false));
        assertEquals(java.util.List.of("i", "m", "a", "f", "d", "c", "zicboz", "zicntr", "zicsr", "zifencei", "zba", "zbb", "zbs"),
                Isa.extensions(true, true));
        assertNull(Isa.cbozRecord());
        assertThrows(IllegalArgumentException.class, () -> Isa.blockSize(96));
        assertThrows(IllegalArgumentException.class, () -> Isa.blockSize(8192));
        assertEquals(4096, Isa.blockSize(4096));
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

    @Test
    void theBitmanipSwitchAddsZbaZbbZbsAfterTheZiExtensions() {
        assertEquals(Isa.extensions(Isa.ZICBOZ, Isa.BITMANIP), Isa.EXTENSIONS, "EXTENSIONS follows -Dvmckpt.isa.bitmanip");
        assertEquals(java.util.List.of("i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei"), Isa.extensions(false, false));
        assertEquals(java.util.List.of("i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei", "zba", "zbb", "zbs"),
                Isa.extensions(false, true));
        assertEquals("rv64imafdc_zicntr_zicsr_zifencei_zba_zbb_zbs", Isa.name(Isa.extensions(false, true)));
        assertEquals(Isa.NAME, Isa.name(Isa.EXTENSIONS));
        assertEquals(Isa.BITMANIP, org.vmckpt.machine.cpu.Decode.bitmanip, "the engines start from the same switch");
    }
}
