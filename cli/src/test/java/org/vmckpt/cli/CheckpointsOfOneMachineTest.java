package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.CheckpointRequest;
import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpException;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.GuestMemory;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints of one real machine (the bare-metal memwalk program) through its real controller: labels are
 * unique in a repository; the VM's name is saved; `vmckpt diff` finds exactly the pages in which two
 * restored machines differ.
 */
class CheckpointsOfOneMachineTest {
    @TempDir
    Path temp;

    private static Machine memwalk() throws Exception {
        Path elf = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
        Machine m = new Machine(new MachineConfig(32L << 20, null, null, "", null, elf, List.of(), false, false, true), b -> { });
        m.boot();
        return m;
    }

    private static CheckpointRequest labelled(String label) {
        return new CheckpointRequest(label, true, false, false, Map.of());
    }

    @Test
    void aLabelAlreadyUsedInTheRepositoryIsRefusedBeforeAnythingIsTaken() throws Exception {
        Machine m = memwalk();
        Repository repo = Repository.open(temp.resolve("repo"), true);
        MachineController c = new MachineController(m, new CheckpointEngine(m, repo, null), "vm1");
        m.run(100_000);
        c.checkpoint(labelled("first"), null);
        m.run(100_000);
        QmpException e = assertThrows(QmpException.class, () -> c.checkpoint(labelled("first"), null));
        assertTrue(e.description().contains("the label 'first' is already used"), e.description());
        assertEquals(1, repo.list().size(), "nothing was taken");
        // Another VM checkpointing into the same repository is refused the label too.
        Machine m2 = memwalk();
        MachineController c2 = new MachineController(m2, new CheckpointEngine(m2, repo, null), "vm2");
        assertThrows(QmpException.class, () -> c2.checkpoint(labelled("first"), null));
        c2.checkpoint(labelled("second"), null);
        // Once the first is deleted, its label is free again.
        repo.delete(repo.resolve("first"));
        c.checkpoint(labelled("first"), null);
        assertEquals(2, repo.list().size());
    }

    @Test
    void theVmsNameIsSavedWithItsCheckpoints() throws Exception {
        Machine m = memwalk();
        Repository repo = Repository.open(temp.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        engine.setVmName("demo");
        String id = engine.checkpoint(CheckpointOptions.defaults(), null).info().id();
        try (Checkpoint ckpt = repo.open(id)) {
            assertEquals("demo", ckpt.config().get(CheckpointEngine.NAME_KEY));
            assertTrue(org.vmckpt.checkpoint.MachineDescription.differences(ckpt.config(), m.config().identity()).isEmpty(),
                    "the name is not part of the identity a restore or reset checks");
        }
    }

    @Test
    void diffFindsExactlyThePagesInWhichTheRestoredMachinesDiffer() throws Exception {
        Machine m = memwalk();
        Repository repo = Repository.open(temp.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        m.run(1_000_000);
        String a = engine.checkpoint(CheckpointOptions.defaults().withLabel("a"), null).info().id();
        m.run(1_000_000);
        String b = engine.checkpoint(CheckpointOptions.defaults().withLabel("b").withIncremental(true), null).info().id();

        long expected = 0;
        try (Checkpoint ca = repo.open(a); Checkpoint cb = repo.open(b)) {
            Machine ra = Restorer.restore(ca, null, x -> { }, false, null).machine();
            Machine rb = Restorer.restore(cb, null, x -> { }, false, null).machine();
            for (int i = 0; i < ra.memory().pageCount(); i++) {
                byte[] x = ra.memory().peekPage(i), y = rb.memory().peekPage(i);
                boolean zx = x == null || GuestMemory.isZeroPage(x), zy = y == null || GuestMemory.isZeroPage(y);
                if (zx && zy) continue;
                if (x == null || y == null || !Arrays.equals(x, y)) expected++;
            }
        }
        assertTrue(expected > 0, "memwalk writes memory between the checkpoints");

        CapturedOutput same = new CapturedOutput();
        assertEquals(0, DiffCommand.run(new String[]{"diff", "a", a, "--repo", repo.dir().toString()}, same.io()), same.err());
        assertTrue(same.out().contains("pages        0 of "), same.out());

        CapturedOutput json = new CapturedOutput();
        assertEquals(1, DiffCommand.run(new String[]{"diff", "a", "b", "--repo", repo.dir().toString(), "--json"}, json.io()), json.err());
        Map<?, ?> d = (Map<?, ?>) Json.parse(json.out().trim());
        Map<?, ?> pages = (Map<?, ?>) d.get("pages");
        assertEquals(expected, pages.get("differ"));
        long inRuns = 0;
        for (Object r : (List<?>) pages.get("runs")) inRuns += (Long) ((List<?>) r).get(1);
        assertEquals(expected, inRuns, "the runs cover the differing pages");
        List<?> changed = (List<?>) ((Map<?, ?>) d.get("records")).get("changed");
        assertTrue(changed.contains("hart0") || changed.stream().anyMatch(n -> ((String) n).startsWith("hart")), "the hart ran on: " + changed);
        assertEquals(0L, ((Map<?, ?>) d.get("disk-blocks")).get("differ"));

        CapturedOutput text = new CapturedOutput();
        assertEquals(1, DiffCommand.run(new String[]{"diff", a, b, "--repo", repo.dir().toString()}, text.io()));
        assertTrue(text.out().contains("pages        " + expected + " of 8192 differ"), text.out());
    }
}
