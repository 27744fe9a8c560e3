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
     * The reference of the first three methods: the general loop alone, booted once per test JVM for them
     * (LinuxTwins#REFERENCE_HASHES, round 78). The fourth's reference has fastStatus's batch rule: its own boot.
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

    /** The same with the fast loop's atomics and multiplications on ({@code -Dvmckpt.interp.fastAtomics}, {@code fastMul}). */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void fastLoopWithAtomicsAndMultiplicationsAgreesAtEveryCheckpointCount() throws Exception {
        LinuxTwins.bootAndCompare("the fast loop with atomics and multiplications", GENERAL_LOOP, general -> {
            general.hart(0).setTranslation(false);
            general.hart(0).setInterpreterFastLoop(false);
        }, fast -> {
            fast.hart(0).setTranslation(false);
            fast.hart(0).setInterpreterFastLoop(true, true);
        }, fast -> { });
    }

    /** The same with the fast loop's 16-bit expansion from CompressedParts' two tables ({@code -Dvmckpt.interp.compressedParts}). */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void fastLoopWithCompressedPartsAgreesAtEveryCheckpointCount() throws Exception {
        LinuxTwins.bootAndCompare("the fast loop with compressed parts", GENERAL_LOOP, general -> {
            general.hart(0).setTranslation(false);
            general.hart(0).setInterpreterFastLoop(false);
        }, fast -> {
            fast.hart(0).setTranslation(false);
            fast.hart(0).setInterpreterFastLoop(false, false, true);
        }, fast -> { });
    }

    /**
     * The same with sstatus's SIE-only writes in the fast loop ({@code -Dvmckpt.interp.fastStatus}): the general loop with
     * the same batch rule (such a write ends no batch in either), so that both make their timer decisions at the same counts.
     */
    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void fastLoopWithStatusWritesAgreesAtEveryCheckpointCount() throws Exception {
        LinuxTwins.bootAndCompare("the fast loop with sstatus writes", general -> {
            general.hart(0).setTranslation(false);
            general.hart(0).setInterpreterFastStatus(true, false);
        }, fast -> {
            fast.hart(0).setTranslation(false);
            fast.hart(0).setInterpreterFastStatus(true, true);
        }, fast -> { });
    }
}
