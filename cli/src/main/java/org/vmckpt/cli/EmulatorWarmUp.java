package org.vmckpt.cli;

import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * A migration destination's start-up, before it listens: boots the VM's own configuration on a throwaway machine
 * (no network, every disk copy-on-write in memory, console discarded) and runs it for {@link #MILLIS}, so that the
 * JVM has compiled the emulator's hot paths (interpreter, MMU, translator, devices) before the migrated guest runs
 * on them. Without it the migrated guest's first 100-250 ms ran on cold code, most of its stall after the
 * switch-over (docs/BENCHMARKS.md, migration run 4). The throwaway machine is dropped before the first source is
 * accepted; it never shares state with the real one. Any failure only skips the warm-up.
 */
final class EmulatorWarmUp {
    static final long MILLIS = 2_000;

    private EmulatorWarmUp() { }

    static void run(MachineConfig config) {
        List<MachineConfig.DiskConfig> disks = new ArrayList<>();
        for (MachineConfig.DiskConfig d : config.disks()) disks.add(new MachineConfig.DiskConfig(d.image(), false));
        MachineConfig scratch = new MachineConfig(config.memoryBytes(), config.kernel(), config.initrd(), config.cmdline(), config.bios(),
                config.elf(), disks, config.balloon(), config.rng(), config.deterministic(), config.overlayMemoryBytes(), null, null);
        Machine m;
        try {
            m = new Machine(scratch, b -> { });
            m.boot();
        } catch (Exception e) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                m.run(-1);
            } catch (RuntimeException e) {
                // only a warm-up
            }
        }, "vmckpt-warm-up");
        t.setDaemon(true);
        t.start();
        try {
            t.join(MILLIS);
            m.requestExit(0);
            t.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            m.virtio().close();
        }
    }
}
