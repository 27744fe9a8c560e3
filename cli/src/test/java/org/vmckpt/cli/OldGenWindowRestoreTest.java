package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.OldGenerationWindow;
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
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Eager restores with the real old-generation window (the collector locked out while the last pages load), in a JVM
 * with the launcher's collector options and the native helper: a machine with 48 MiB of data pages restores to the
 * checkpointed state hash every time, with a window opened that no timeout had to end (no thread of the restore waited
 * for a JNI critical region), as without the window.
 */
class OldGenWindowRestoreTest {
    @TempDir
    Path dir;

    /** Run in the child JVM with a directory: prints "boot-file-pages-in-windows installed restores-equal windows timeouts". */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        boolean installed = OldGenWindow.installIfEnabled();
        Path kernel = dir.resolve("Image.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(kernel))) {
            out.write(RunPathTraining.loopingImage());
        }
        Files.write(dir.resolve("initrd"), new byte[64 << 10]);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        MachineConfig config = new MachineConfig(128L << 20, kernel, dir.resolve("initrd"), "console=ttyS0", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), false, false, true);
        Machine machine = new Machine(config, b -> { });
        machine.boot();
        SplittableRandom random = new SplittableRandom(61);
        long base = 0x8100_0000L;
        for (long off = 0; off < (48L << 20); off += 8) machine.memory().write64(base + off, off % 16 == 0 ? random.nextLong() : off);
        machine.run(20_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        new CheckpointEngine(machine, repo, null).checkpoint(CheckpointOptions.defaults().withLabel("w"), null);
        byte[] saved = machine.stateHash();
        int equal = 0, windows = 0, timeouts = 0;
        long sourceItems = 0;
        for (int i = 0; i < 4; i++) {
            try (Checkpoint ckpt = repo.open("w")) {
                Restorer.Restored r = Restorer.restore(ckpt, null, b -> { }, false, null);
                if (Arrays.equals(saved, r.machine().stateHash())) equal++;
                if (r.phaseNanos().containsKey("pages.oldgen.window")) windows++;
                timeouts += r.phaseNanos().getOrDefault("pages.oldgen.timeout.items", 0L).intValue();
                sourceItems += r.phaseNanos().getOrDefault("pages.oldgen.source.items", 0L);
                r.machine().virtio().close();
            }
        }
        machine.virtio().close();
        OldGenerationWindow.install(null);
        System.out.println(sourceItems + " " + installed + " " + equal + " " + windows + " " + timeouts);
    }

    @Test
    void eagerRestoresWithTheRealWindowGiveTheCheckpointedMachine() throws Exception {
        String[] f = child("-D" + OldGenWindow.PROPERTY + "=true").split("\\s+");
        int n = f.length;
        String all = String.join(" ", f);
        assertEquals("true", f[n - 4], "installed: " + all);
        assertEquals("4", f[n - 3], "every restore gave the checkpointed state: " + all);
        assertEquals("4", f[n - 2], "every eager restore opened a window: " + all);
        assertEquals("0", f[n - 1], "no window ended by its timeout: " + all);
    }

    /**
     * The same with round 63's switches: the holder blocking on a futex, and the window opened before the boot files'
     * pages (no thread may wait for a critical region meanwhile: no timeout).
     */
    @Test
    void withTheBlockingHolderAndTheWindowBeforeTheBootFilesPagesToo() throws Exception {
        String[] f = child("-D" + OldGenWindow.PROPERTY + "=true", "-D" + OldGenWindow.BLOCKING_PROPERTY + "=true",
                "-Dvmckpt.restore.oldGenDirect.beforeSourcePages=true").split("\\s+");
        int n = f.length;
        String all = String.join(" ", f);
        assertEquals("true", f[n - 4], "installed: " + all);
        assertEquals("4", f[n - 3], "every restore gave the checkpointed state: " + all);
        assertEquals("4", f[n - 2], "every eager restore opened a window: " + all);
        assertEquals("0", f[n - 1], "no window ended by its timeout: " + all);
        assertTrue(Long.parseLong(f[n - 5]) > 0, "the boot files' pages loaded inside the windows: " + all);
    }

    private String child(String... more) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        cmd.addAll(LauncherOptions.collector("restore"));
        cmd.addAll(List.of("-Xss16m", "-D" + NativeMemory.LIBRARY_PROPERTY + "=" + OldGenPrefaultTest.library()));
        // A window's own timeout (3 s by default) can pass on a loaded CI machine without anything waiting for the
        // critical region (round 77's second CI run). 60 s is beyond any restore of 48 MiB here, so a timed-out window
        // means a thread really waited for the region; four such waits exceed the child's 180 s and fail it too.
        cmd.add("-D" + OldGenWindow.PROPERTY + ".timeoutMs=60000");
        cmd.addAll(List.of(more));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), OldGenWindowRestoreTest.class.getName(), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "the child JVM ended");
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertEquals(0, p.exitValue(), out);
        return out;
    }
}
