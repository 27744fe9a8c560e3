package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Deterministic mode: fresh machines run to the same retired-instruction count are in the same state (equal
 * {@link Machine#stateHash()}), whether the run was one call or split at an arbitrary count (as a checkpoint
 * splits it); runs to different counts differ.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class DeterminismTest {
    static final HexFormat HEX = HexFormat.of();

    /** Fresh machine, booted, run for each count in turn (null: not ended by the guest); returns the state hash. */
    static String runAndHash(MachineConfig config, long... counts) throws Exception {
        Machine m = new Machine(config, b -> { });
        try {
            m.boot();
            long total = 0;
            for (long n : counts) {
                Integer status = m.run(n);
                assertNull(status, "the guest ended the run early with status " + status);
                total += n;
                assertEquals(total, m.hart(0).instret, "run(n) must stop at exactly n retired instructions");
            }
            return HEX.formatHex(m.stateHash());
        } finally {
            m.virtio().close();
        }
    }

    static MachineConfig linuxConfig(DefaultGuest.Paths g) {
        // 256 MiB is plenty for the early boot and halves the time spent hashing RAM.
        return new MachineConfig(256L << 20, g.kernel(), g.initrd(), g.cmdline(), null, null,
                List.of(new MachineConfig.DiskConfig(g.disk(), false)), true, false, true);
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void linuxBootReachesTheSameStateAtTheSameInstructionCount() throws Exception {
        MachineConfig config = linuxConfig(DefaultGuest.ensureBuilt(System.err));
        long t0 = System.nanoTime();
        String a150 = runAndHash(config, 150_000_000);
        String b150 = runAndHash(config, 150_000_000);
        assertEquals(a150, b150, "two boots to 150M instructions");

        // Split at a count that is not a multiple of Machine.BATCH, as a checkpoint at any instruction would.
        String split300 = runAndHash(config, 77_777_777, 222_222_223);
        String whole300 = runAndHash(config, 300_000_000);
        assertEquals(whole300, split300, "a run to 300M split at 77,777,777 equals an uninterrupted one");
        assertNotEquals(a150, whole300, "the state at 150M and at 300M instructions");
        System.out.printf("DeterminismTest: four Linux runs (900M instructions) in %.1f s%n", (System.nanoTime() - t0) / 1e9);
    }

    static MachineConfig elfConfig() throws Exception {
        Path elf = Path.of(DeterminismTest.class.getResource("/elf/selftest.elf").toURI());
        return new MachineConfig(16 << 20, null, null, "", null, elf, List.of(), false, false, true);
    }

    /** Retired instructions of a whole run of the self test (it ends through HTIF). */
    static long selfTestLength() throws Exception {
        Machine m = new Machine(elfConfig(), new ByteArrayOutputStream()::write);
        m.boot();
        assertEquals(0, m.run(50_000_000), "the self test passes in deterministic mode");
        return m.hart(0).instret;
    }

    @Test
    void bareMetalSelfTestReachesTheSameStateAtTheSameInstructionCount() throws Exception {
        long length = selfTestLength();
        assertTrue(length > 10_000, "self test too short to split: " + length);
        long half = length / 2, late = length - 1000;
        MachineConfig config = elfConfig();
        String a = runAndHash(config, half);
        assertEquals(a, runAndHash(config, half));
        // Split points at, next to and between the counts where the machine looks at devices (multiples of BATCH).
        int batch = Machine.BATCH;
        for (long split : new long[]{1, batch - 1, batch, batch + 1, 3L * batch, half / 3, half - 1}) {
            assertEquals(a, runAndHash(config, split, half - split), "split at " + split);
        }
        assertEquals(a, runAndHash(config, 999, 1, 4097, 12_345, 7, half - 999 - 1 - 4097 - 12_345 - 7), "split in six");
        String b = runAndHash(config, late);
        assertEquals(b, runAndHash(config, half, late - half));
        assertNotEquals(a, b);
    }
}
