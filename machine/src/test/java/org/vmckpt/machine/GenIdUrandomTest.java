package org.vmckpt.machine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.device.VmGenId;

/**
 * {@code -Dvmckpt.genid.urandom=true} (round 76): a machine's two generation IDs on a restore (its constructor's, and
 * {@link Machine#newGeneration}'s) are read from /dev/urandom, with no SecureRandom drawn; without the switch both are
 * a SecureRandom's. Either way each ID is fresh.
 */
class GenIdUrandomTest {
    private static Machine machine() throws Exception {
        Path elf = Path.of(GenIdUrandomTest.class.getResource("/elf/selftest.elf").toURI());
        // not deterministic: a deterministic machine's IDs come from a seeded generator and it gets no new generation
        return new Machine(new MachineConfig(16 << 20, null, null, "", null, elf, List.of(), false, false, false),
                new ByteArrayOutputStream()::write);
    }

    private static int[] drawsAndCheck(boolean urandom) throws Exception {
        if (urandom) System.setProperty("vmckpt.genid.urandom", "true"); else System.clearProperty("vmckpt.genid.urandom");
        try {
            int before = VmGenId.secureRandomDraws();
            Machine m = machine();
            byte[] first = m.vmGenId().id();
            assertTrue(m.newGeneration(), "a machine that is not deterministic gets a new generation");
            byte[] second = m.vmGenId().id();
            assertFalse(Arrays.equals(first, new byte[VmGenId.ID_BYTES]), "the constructor's ID is drawn");
            assertFalse(Arrays.equals(first, second), "the new generation's ID differs from the first");
            return new int[] {before, VmGenId.secureRandomDraws()};
        } finally {
            System.clearProperty("vmckpt.genid.urandom");
        }
    }

    @Test
    void underTheSwitchNeitherIdComesFromASecureRandom() throws Exception {
        int[] d = drawsAndCheck(true);
        assertEquals(d[0], d[1], "no SecureRandom drawn for the machine's two IDs");
    }

    @Test
    void withoutItBothDo() throws Exception {
        int[] d = drawsAndCheck(false);
        assertEquals(d[0] + 2, d[1], "the constructor's ID and the new generation's, each from a SecureRandom");
    }
}
