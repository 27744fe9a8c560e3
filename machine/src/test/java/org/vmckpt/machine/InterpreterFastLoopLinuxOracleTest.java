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
    /**
     * The reference: the general loop alone, booted once per test JVM (LinuxTwins#REFERENCE_HASHES, round 78). (Until
     * round 83 three more methods booted the fast loop with its switches fastAtomics and fastMul, compressedParts and
     * fastStatus, the last with a reference of its own; the switches were retired.)
     */
    static final String GENERAL_LOOP = "the interpreter's general loop";

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void fastAndGeneralLoopsAgreeAtEveryCheckpointCount() throws Exception {
        LinuxTwins.bootAndCompare("the fast loop", GENERAL_LOOP, general -> {
            general.hart(0).setTranslation(false);
            general.hart(0).setInterpreterFastLoop(false);
        }, fast -> {
            fast.hart(0).setTranslation(false);
            fast.hart(0).setInterpreterFastLoop(true);
        }, fast -> { });
    }
}
