package org.vmckpt.example;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

// BEGIN EXAMPLE imports
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Path;
import java.util.List;
// END EXAMPLE imports

import java.nio.file.Files;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/EMBEDDING.md's example, compiled and run: boot a machine, checkpoint it, restore it, from Java, with
 * the libraries only (this package is outside the libraries', so only their public API is used). The
 * document must show exactly the code between the EXAMPLE markers.
 */
class EmbeddingExampleTest {
    @TempDir
    Path temp;

    // BEGIN EXAMPLE code
    /** Boots a bare-metal program, checkpoints it, restores the checkpoint into a second machine; returns both. */
    static Machine[] bootCheckpointRestore(Path program, Path repositoryDir) throws Exception {
        // 32 MiB, no kernel or initrd, no firmware file, the ELF, no disks, no balloon, no rng, deterministic time.
        MachineConfig config = new MachineConfig(32L << 20, null, null, "", null, program, List.of(), false, false, true);
        Machine machine = new Machine(config, b -> System.out.write(b));  // the serial console goes to stdout
        machine.boot();
        machine.run(2_000_000);                                            // run two million instructions

        Repository repo = Repository.open(repositoryDir, true);            // created if missing
        CheckpointEngine engine = new CheckpointEngine(machine, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLabel("example"), null).info().id();

        try (Checkpoint checkpoint = repo.open("example")) {               // by label, id or id prefix
            Machine restored = Restorer.restore(checkpoint, null, b -> System.out.write(b), false, null).machine();
            System.out.println("restored " + id);
            return new Machine[]{machine, restored};
        }
    }
    // END EXAMPLE code

    @Test
    void theDocumentedExampleBootsCheckpointsAndRestores() throws Exception {
        Path elf = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
        Machine[] m = bootCheckpointRestore(elf, temp.resolve("repo"));
        // The restored machine is the checkpointed one: same state, same instruction count; and it runs on alike.
        assertArrayEquals(m[0].stateHash(), m[1].stateHash());
        m[0].run(500_000);
        m[1].run(500_000);
        assertEquals(m[0].hart(0).instret, m[1].hart(0).instret);
        assertArrayEquals(m[0].stateHash(), m[1].stateHash());
    }

    @Test
    void theDocumentShowsExactlyThisCode() throws Exception {
        String source = Files.readString(Path.of("src", "test", "java", "org", "vmckpt", "example", "EmbeddingExampleTest.java"));
        String doc = Files.readString(Path.of("..", "docs", "EMBEDDING.md"));
        for (String part : new String[]{"imports", "code"}) {
            String code = dedent(between(source, "// BEGIN EXAMPLE " + part + "\n", "    // END EXAMPLE " + part + "\n", "// END EXAMPLE " + part + "\n"));
            assertTrue(doc.contains(code), "docs/EMBEDDING.md must show the example's " + part + " exactly as EmbeddingExampleTest has them:\n" + code);
        }
    }

    private static String between(String s, String begin, String... ends) {
        int a = s.indexOf(begin) + begin.length();
        for (String end : ends) {
            int b = s.indexOf(end, a);
            if (b >= 0) return s.substring(a, b);
        }
        throw new AssertionError("no end marker after " + begin);
    }

    private static String dedent(String code) {
        String[] lines = code.split("\n", -1);
        int indent = Arrays.stream(lines).filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length()).min().orElse(0);
        StringBuilder sb = new StringBuilder();
        for (String l : lines) sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
        return sb.toString().stripTrailing() + "\n";
    }
}
