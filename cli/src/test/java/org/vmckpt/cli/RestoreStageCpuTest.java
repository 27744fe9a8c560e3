package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * An eager restore measures its loaders' stage CPU times only when asked ({@code restore --stats}, or
 * {@code -Dvmckpt.restore.stageCpu=true}): without, a JVM that only restores never loads {@code ManagementFactory}
 * (the thread bean's first use starts every platform MBean provider, tens of ms in a cold JVM), and the stage times are 0;
 * with, they are measured. Each restore in a child JVM of its own, its class loading logged.
 */
class RestoreStageCpuTest {
    @TempDir
    Path dir;

    /** Run in the child JVM with a repository: restores "s" eagerly; prints "equal read-cpu-ns". */
    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]), false);
        byte[] saved = Files.readAllBytes(Path.of(args[1]));
        try (Checkpoint ckpt = repo.open("s")) {
            Restorer.Restored r = Restorer.restore(ckpt, null, b -> { }, false, null);
            boolean equal = Arrays.equals(saved, r.machine().stateHash());
            r.machine().virtio().close();
            System.out.println(equal + " " + (r.phaseNanos().get("pages.read.cpu") + r.phaseNanos().get("pages.decode.cpu")));
        }
    }

    private boolean managementLoaded(String log) throws Exception {
        return Files.readAllLines(dir.resolve(log)).stream().anyMatch(l -> l.contains(" java.lang.management.ManagementFactory "));
    }

    @Test
    void stageTimesAndTheThreadBeanOnlyWhenAsked() throws Exception {
        Path kernel = dir.resolve("Image.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(kernel))) {
            out.write(RunPathTraining.loopingImage());
        }
        Files.write(dir.resolve("initrd"), new byte[64 << 10]);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        MachineConfig config = new MachineConfig(32L << 20, kernel, dir.resolve("initrd"), "console=ttyS0", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), false, false, true);
        Machine machine = new Machine(config, b -> { });
        try {
            machine.boot();
            long base = 0x8100_0000L;
            for (long off = 0; off < (4L << 20); off += 8) machine.memory().write64(base + off, off * 0x9E3779B97F4A7C15L);
            machine.run(20_000);
            Repository repo = Repository.open(dir.resolve("repo"), true);
            new CheckpointEngine(machine, repo, null).checkpoint(CheckpointOptions.defaults().withLabel("s"), null);
            Files.write(dir.resolve("hash"), machine.stateHash());
        } finally {
            machine.virtio().close();
        }
        String repo = dir.resolve("repo").toString(), hash = dir.resolve("hash").toString();

        String off = child("off.log", repo, hash);
        assertEquals("true 0", off, "the checkpointed machine, no stage times");
        assertFalse(managementLoaded("off.log"), "ManagementFactory loaded by a restore without --stats");

        String on = child("on.log", repo, hash, "-Dvmckpt.restore.stageCpu=true");
        assertTrue(on.startsWith("true "), on);
        assertTrue(Long.parseLong(on.split(" ")[1]) > 0, "stage times measured: " + on);
        assertTrue(managementLoaded("on.log"), "the check sees the class when it is loaded");
    }

    /** The child JVM's last line of output (it ends with status 0 within two minutes). */
    private String child(String log, String repo, String hash, String... opts) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load=info:file=" + dir.resolve(log)));
        cmd.addAll(List.of(opts));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), RestoreStageCpuTest.class.getName(), repo, hash));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }
}
