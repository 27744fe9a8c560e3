package org.vmckpt.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.device.VmGenId;

/**
 * Round 77: a machine draws its VM generation ID when it is first needed, not in its constructor. A restore builds a
 * machine and gives it a new generation before the guest runs ({@code RestoreCommand}): one draw, where the
 * constructor's draw (never read by the restored guest) made two. A boot draws its ID in {@link Machine#boot}, before
 * the guest runs. Draws are counted by {@link GenIdUrandomTest}'s provider, put first for the test's time (with
 * {@code -Dvmckpt.genid.urandom=false}, every draw is a {@code new SecureRandom()}).
 */
class VmGenIdOneDrawTest {
    private final java.security.Provider counting = new GenIdUrandomTest.Counting();

    @BeforeEach
    void countDraws() {
        System.setProperty("vmckpt.genid.urandom", "false"); // every draw a SecureRandom, counted (on by default since round 78)
        java.security.Security.insertProviderAt(counting, 1);
        assertEquals("GenIdUrandomTestCounting", new java.security.SecureRandom().getProvider().getName(), "the counting provider is the default");
    }

    @AfterEach
    void stopCounting() {
        java.security.Security.removeProvider(counting.getName());
        System.clearProperty("vmckpt.genid.urandom");
    }

    private static int draws() {
        return GenIdUrandomTest.DRAWS.get();
    }

    @Test
    void aRestoredMachineDrawsOneIdForItsNewGeneration() throws Exception {
        int before = draws();
        Machine m = GenIdUrandomTest.machine();
        assertEquals(before, draws(), "the constructor draws no generation ID");
        assertTrue(m.newGeneration(), "a machine that is not deterministic gets a new generation");
        assertEquals(before + 1, draws(), "the new generation draws one ID");
        byte[] id = m.vmGenId().id();
        assertFalse(Arrays.equals(id, new byte[VmGenId.ID_BYTES]), "the ID is drawn, not zeros");
        long low = m.vmGenId().read(0, 8), high = m.vmGenId().read(8, 8);
        for (int i = 0; i < 8; i++) {
            assertEquals(id[i], (byte) (low >>> (8 * i)), "the guest reads the new generation's ID, byte " + i);
            assertEquals(id[8 + i], (byte) (high >>> (8 * i)), "the guest reads the new generation's ID, byte " + (8 + i));
        }
        assertEquals(before + 1, draws(), "reading the ID draws nothing more");
    }

    @Test
    void aBootDrawsItsIdBeforeTheGuestRuns() throws Exception {
        int before = draws();
        Machine m = GenIdUrandomTest.machine();
        m.boot();
        assertEquals(before + 1, draws(), "boot draws the first ID");
        byte[] id = m.vmGenId().id();
        assertFalse(Arrays.equals(id, new byte[VmGenId.ID_BYTES]), "the booted guest's ID is drawn, not zeros");
        assertArrayEquals(id, m.vmGenId().id(), "and it stays until a new generation");
        assertEquals(before + 1, draws(), "one draw in all");
    }

    @Test
    void aDeterministicMachineKeepsItsSeededIdAndDrawsNothing() throws Exception {
        int before = draws();
        Path elf = Path.of(VmGenIdOneDrawTest.class.getResource("/elf/selftest.elf").toURI());
        Machine m = new Machine(new MachineConfig(16 << 20, null, null, "", null, elf, List.of(), false, false, true),
                new ByteArrayOutputStream()::write);
        m.boot();
        byte[] seeded = new byte[VmGenId.ID_BYTES];
        new java.util.SplittableRandom(2).nextBytes(seeded);
        assertArrayEquals(seeded, m.vmGenId().id(), "the seeded ID, as before");
        assertFalse(m.newGeneration(), "no new generation for a deterministic machine");
        assertEquals(before, draws(), "no draw");
    }
}
