package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What query-status answers before the run loop has started: a VM started with --paused opens its control socket a
 * moment before its run loop starts, and a client connecting in between must already see it "paused" (it saw
 * "prelaunch" there, a race PausedStartTest met under load).
 */
class StartStatusTest {
    @TempDir
    Path temp;

    private Machine machine;

    private MachineController controllerOfABootedMachine() throws Exception {
        Path elf = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
        Machine m = machine = new Machine(new MachineConfig(32L << 20, null, null, "", null, elf, List.of(), false, false, true), b -> { });
        m.boot();
        return new MachineController(m, new CheckpointEngine(m, Repository.open(temp.resolve("repo"), true), null), "vm");
    }

    @Test
    void aVmToStartPausedIsPausedBeforeItsRunLoopStarts() throws Exception {
        MachineController c = controllerOfABootedMachine();
        machine.requestPause(); // what --paused does before the run loop starts
        assertEquals("paused", c.status());
        assertEquals(false, c.running());
    }

    @Test
    void aVmToStartRunningIsPrelaunchBeforeItsRunLoopStarts() throws Exception {
        MachineController c = controllerOfABootedMachine();
        assertEquals("prelaunch", c.status());
    }
}
