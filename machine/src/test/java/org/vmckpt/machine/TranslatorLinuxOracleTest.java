package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.machine.cpu.CodeCache;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The deterministic Linux oracle for the translator: the default guest booted with {@code --deterministic} under
 * the translator and under the interpreter reaches the same state (equal {@link Machine#stateHash()}) at the same
 * instruction counts: early kernel init, while modules load, and after user processes have started.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class TranslatorLinuxOracleTest {
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void translatedAndInterpretedBootsAgreeAtEveryCheckpointCount() throws Exception {
        MachineConfig config = DeterminismTest.linuxConfig(DefaultGuest.ensureBuilt(System.err));
        StringBuilder console = new StringBuilder();
        Machine interp = new Machine(config, b -> { });
        Machine jit = new Machine(config, b -> console.append((char) b));
        interp.hart(0).setTranslation(false);
        jit.hart(0).setTranslation(true);
        try {
            interp.boot();
            jit.boot();
            // Counts that are not multiples of the batch size, so units must stop at exact counts.
            long[] points = {123_456_789, 555_555_555, 1_100_000_001};
            long done = 0;
            for (long p : points) {
                assertNull(interp.run(p - done), "interpreted guest ended early");
                assertNull(jit.run(p - done), "translated guest ended early");
                done = p;
                assertEquals(p, jit.hart(0).instret, "the translator stops at exactly the requested count");
                assertEquals(DeterminismTest.HEX.formatHex(interp.stateHash()), DeterminismTest.HEX.formatHex(jit.stateHash()),
                        "state after " + p + " instructions; console so far:\n" + console);
            }
            CodeCache.Stats s = jit.hart(0).translationStats();
            assertTrue(s.translatedInstructionsRun() > 100_000_000, "the translator ran a real share of the boot: " + s);
            assertTrue(s.invalidations() > 0, "code pages were rewritten during boot (module loading, exec): " + s);
            assertTrue(console.toString().contains("VMCKPT-READY"), "the boot reached the guest's /init marker (user space) by the last count:\n" + console);
        } finally {
            interp.virtio().close();
            jit.virtio().close();
        }
    }
}
