package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The checkpoint oracle on the real guest: in deterministic mode, boot the Debian kernel with the virtio disk
 * attached, checkpoint at several instruction counts N during boot (while modules load and the disk is
 * probed and mounted, with interrupts pending), restore each checkpoint in a fresh machine and run to M:
 * the state hash (memory, harts, devices, disk overlay) equals that of one uninterrupted run to M.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class LinuxCheckpointOracleTest {
    @TempDir
    Path dir;

    static final long M = 700_000_000L;

    static MachineConfig config() throws Exception {
        DefaultGuest.Paths g = DefaultGuest.ensureBuilt(System.err);
        return new MachineConfig(256L << 20, g.kernel(), g.initrd(), g.cmdline(), null, null,
                List.of(new MachineConfig.DiskConfig(g.disk(), false)), true, false, true);
    }

    static String hash(Machine m) {
        return HexFormat.of().formatHex(m.stateHash());
    }

    @Test
    void restoredBootsReachTheSameStateAsAnUninterruptedBoot() throws Exception {
        MachineConfig config = config();
        StringBuilder reference = new StringBuilder();
        Machine ref = new Machine(config, b -> reference.append((char) b));
        ref.boot();
        ref.run(M);
        String expected = hash(ref);
        ref.virtio().close();

        Repository repo = Repository.open(dir.resolve("repo"), true);
        // Early boot, module loading, disk probing/mounting (the marker comes at about 0.7 G instructions).
        for (long n : new long[]{150_000_001L, 560_000_000L, 640_000_003L}) {
            Machine m = new Machine(config, b -> { });
            m.boot();
            m.run(n);
            CheckpointEngine engine = new CheckpointEngine(m, repo, null);
            String id = engine.checkpoint(CheckpointOptions.defaults().withLabel("n" + n), null).info().id();
            m.virtio().close();
            try (Checkpoint c = repo.open(id)) {
                Restorer.Restored r = Restorer.restore(c, null, b -> { }, n % 2 == 1, null);
                r.machine().run(M - n);
                assertEquals(expected, hash(r.machine()), "restore at " + n + " diverged from the uninterrupted boot");
                r.machine().virtio().close();
            }
        }
    }
}
