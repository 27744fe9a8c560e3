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
 * {@code -Dvmckpt.genid.urandom=true} (round 76): a machine's generation IDs (two {@link Machine#newGeneration}s; the
 * constructor draws none since round 77, {@link VmGenIdOneDrawTest}) are read from /dev/urandom, with no SecureRandom drawn; without the switch both are
 * a SecureRandom's. Either way each ID is fresh. The SecureRandoms are counted by a security provider put first in the
 * list for the test's time, whose generator every {@code new SecureRandom()} then is.
 */
class GenIdUrandomTest {
    static final java.util.concurrent.atomic.AtomicInteger DRAWS = new java.util.concurrent.atomic.AtomicInteger();

    /** The counting provider's generator (a SplittableRandom's bytes: the test needs fresh IDs, not good ones). */
    public static final class CountingSpi extends java.security.SecureRandomSpi {
        private final java.util.SplittableRandom r = new java.util.SplittableRandom();

        @Override
        protected void engineSetSeed(byte[] seed) { }

        @Override
        protected void engineNextBytes(byte[] bytes) {
            DRAWS.incrementAndGet();
            r.nextBytes(bytes);
        }

        @Override
        protected byte[] engineGenerateSeed(int n) {
            return new byte[n];
        }
    }

    static final class Counting extends java.security.Provider {
        Counting() {
            super("GenIdUrandomTestCounting", "1", "counts SecureRandom draws");
            put("SecureRandom.Counting", CountingSpi.class.getName());
        }
    }

    static Machine machine() throws Exception {
        Path elf = Path.of(GenIdUrandomTest.class.getResource("/elf/selftest.elf").toURI());
        // not deterministic: a deterministic machine's IDs come from a seeded generator and it gets no new generation
        return new Machine(new MachineConfig(16 << 20, null, null, "", null, elf, List.of(), false, false, false),
                new ByteArrayOutputStream()::write);
    }

    private static int[] drawsAndCheck(boolean urandom) throws Exception {
        System.setProperty("vmckpt.genid.urandom", Boolean.toString(urandom)); // on by default since round 78
        java.security.Provider counting = new Counting();
        java.security.Security.insertProviderAt(counting, 1);
        try {
            assertEquals("GenIdUrandomTestCounting", new java.security.SecureRandom().getProvider().getName(), "the counting provider is the default");
            int before = DRAWS.get();
            Machine m = machine(); // draws no ID (round 77): a restore's first comes from its new generation
            assertTrue(m.newGeneration(), "a machine that is not deterministic gets a new generation");
            byte[] first = m.vmGenId().id();
            assertTrue(m.newGeneration(), "and another");
            byte[] second = m.vmGenId().id();
            assertFalse(Arrays.equals(first, new byte[VmGenId.ID_BYTES]), "the first new generation's ID is drawn");
            assertFalse(Arrays.equals(first, second), "the new generation's ID differs from the first");
            return new int[] {before, DRAWS.get()};
        } finally {
            java.security.Security.removeProvider(counting.getName());
            System.clearProperty("vmckpt.genid.urandom");
        }
    }

    @Test
    void underTheSwitchNeitherIdComesFromASecureRandom() throws Exception {
        int[] d = drawsAndCheck(true);
        assertEquals(d[0], d[1], "no SecureRandom drawn for the machine's two new generations");
    }

    @Test
    void withoutItBothDo() throws Exception {
        int[] d = drawsAndCheck(false);
        assertEquals(d[0] + 2, d[1], "two new generations' IDs, each from a SecureRandom");
    }
}
