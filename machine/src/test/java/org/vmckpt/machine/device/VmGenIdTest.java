package org.vmckpt.machine.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The VM generation ID device: 16 bytes, and an interrupt raised until the guest reads the new ID. */
class VmGenIdTest {
    @Test
    void aNewGenerationRaisesTheLineUntilTheGuestReadsTheId() {
        boolean[] line = {false};
        byte[] first = new byte[16];
        for (int i = 0; i < 16; i++) first[i] = (byte) i;
        VmGenId dev = new VmGenId(level -> line[0] = level, first);
        assertEquals(0x0706050403020100L, dev.read(0, 8));
        assertEquals(0x0f0e0d0c0b0a0908L, dev.read(8, 8));
        assertEquals(0, dev.read(16, 8), "beyond the ID reads as zero");
        assertFalse(line[0]);
        byte[] next = new byte[16];
        next[0] = 42;
        dev.newGeneration(next);
        assertTrue(line[0], "the guest is told");
        assertEquals(42, dev.read(0, 1));
        assertFalse(line[0], "reading the ID acknowledges it");
    }
}
