package org.vmckpt.machine;

import org.vmckpt.machine.cpu.CodeCache;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * One deterministic run of a bare-metal ELF with the translator on or off, for the tests that compare the two
 * engines: the state hash at each of a list of instruction counts, then the exit status, final instret, s0 and the
 * console output of a run to the end.
 */
public final class EngineRun {
    final boolean translate;
    final List<String> hashes = new ArrayList<>();
    /** The translator's counters at each count (null entries when it is off). */
    final List<CodeCache.Stats> statsAt = new ArrayList<>();
    Integer exit;
    long instret;
    long s0;
    /** The integer registers at the exit. */
    long[] x;
    String console;
    CodeCache.Stats stats;

    private EngineRun(boolean translate) {
        this.translate = translate;
    }

    static Path elf(String name) throws Exception {
        return Path.of(EngineRun.class.getResource("/elf/" + name).toURI());
    }

    /** Runs {@code elf} deterministically, hashing the state at each of {@code counts} (ascending), then to the end. */
    static EngineRun run(String elf, boolean translate, long maxInstructions, long... counts) throws Exception {
        MachineConfig config = new MachineConfig(16 << 20, null, null, "", null, elf(elf), List.of(), false, false, true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Machine m = new Machine(config, out::write);
        EngineRun r = new EngineRun(translate);
        try {
            m.hart(0).setTranslation(translate);
            m.hart(0).setTranslationThreshold(2); // translate almost everything: invalidate and retranslate often
            m.boot();
            assertEquals(translate, m.hart(0).translationEnabled());
            long done = 0;
            for (long c : counts) {
                assertNull(m.run(c - done), "the program ended before instruction " + c);
                done = c;
                assertEquals(c, m.hart(0).instret);
                r.hashes.add(HexFormat.of().formatHex(m.stateHash()));
                r.statsAt.add(m.hart(0).translationStats());
            }
            r.exit = m.run(maxInstructions - done);
            r.instret = m.hart(0).instret;
            r.s0 = m.hart(0).x[8];
            r.x = m.hart(0).x.clone();
            r.hashes.add(HexFormat.of().formatHex(m.stateHash()));
            r.console = out.toString();
            r.stats = m.hart(0).translationStats();
            return r;
        } finally {
            m.virtio().close();
        }
    }

    /** The translator's run equals the interpreter's at every count and at the end. */
    static void assertSameRun(EngineRun interp, EngineRun jit, long... counts) {
        for (int k = 0; k < counts.length; k++) {
            assertEquals(interp.hashes.get(k), jit.hashes.get(k), "state hash at instruction " + counts[k] + " (interpreter vs translator)");
        }
        assertEquals(interp.exit, jit.exit, "exit status");
        assertEquals(interp.instret, jit.instret, "instructions retired to the exit");
        assertEquals(interp.s0, jit.s0, "s0 at the exit");
        assertEquals(interp.console, jit.console, "console output");
        assertEquals(interp.hashes.get(counts.length), jit.hashes.get(counts.length), "state hash at the exit");
        assertNotNull(jit.stats);
        assertTrue(jit.stats.translatedInstructionsRun() > 0, "the translator never ran code: " + jit.stats);
    }
}
