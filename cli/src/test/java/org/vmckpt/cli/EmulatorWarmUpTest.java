package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.DefaultGuest;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A destination's emulator warm-up boots its configuration and then makes cold starts: the scratch machine's TLB and
 * translations are dropped again and again, so that the JVM compiles the paths a migrated guest runs on a fresh
 * machine (TLB misses, the interpreter before the translator has rebuilt a unit), not only those of a boot.
 */
class EmulatorWarmUpTest {
    @Test
    void theWarmUpMakesColdStartsAfterTheBoot() throws Exception {
        DefaultGuest.Paths g = DefaultGuest.ensureBuilt(System.err);
        MachineConfig config = new MachineConfig(128L << 20, g.kernel(), g.initrd(), g.cmdline(), null, null,
                List.of(new MachineConfig.DiskConfig(g.disk(), false)), true, false, false);
        EmulatorWarmUp.Done done = EmulatorWarmUp.run(config, 300, 5, 20, 300_000);
        assertNotNull(done, "the scratch machine booted");
        assertEquals(5, done.coldStarts());
        assertTrue(done.flushes() >= 5, "each cold start dropped the machine's translations: " + done.flushes() + " flushes");
    }
}
