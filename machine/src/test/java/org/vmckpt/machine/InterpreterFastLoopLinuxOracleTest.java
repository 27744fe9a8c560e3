package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The interpreter's fast loop ({@code InterpreterFastLoop}) on a real guest: the default guest booted with
 * {@code --deterministic} in the interpreter alone, once with the fast loop and once with every instruction through
 * the general loop, reaches the same state (equal {@link Machine#stateHash()}) at the same instruction counts, through
 * the early kernel, module loading and into user space.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class InterpreterFastLoopLinuxOracleTest {
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void fastAndGeneralLoopsAgreeAtEveryCheckpointCount() throws Exception {
        MachineConfig config = DeterminismTest.linuxConfig(DefaultGuest.ensureBuilt(System.err));
        StringBuilder console = new StringBuilder();
        Machine general = new Machine(config, b -> { });
        Machine fast = new Machine(config, b -> console.append((char) b));
        general.hart(0).setTranslation(false);
        fast.hart(0).setTranslation(false);
        general.hart(0).setInterpreterFastLoop(false);
        fast.hart(0).setInterpreterFastLoop(true);
        try {
            general.boot();
            fast.boot();
            long[] points = {123_456_789, 555_555_555, 1_100_000_001};
            long done = 0;
            for (long p : points) {
                assertNull(general.run(p - done), "the general loop's guest ended early");
                assertNull(fast.run(p - done), "the fast loop's guest ended early");
                done = p;
                assertEquals(p, fast.hart(0).instret, "instret exact");
                assertEquals(DeterminismTest.HEX.formatHex(general.stateHash()), DeterminismTest.HEX.formatHex(fast.stateHash()),
                        "state after " + p + " instructions; console so far:\n" + console);
            }
            assertTrue(console.toString().contains("VMCKPT-READY"), "the boot reached the guest's /init marker by the last count:\n" + console);
        } finally {
            general.virtio().close();
            fast.virtio().close();
        }
    }
}
