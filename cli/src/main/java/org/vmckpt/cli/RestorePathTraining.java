package org.vmckpt.cli;

import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import javax.management.ObjectName;
import java.io.OutputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * Part of {@code vmckpt cds-train}: boots a throwaway machine (a gzip kernel Image that only loops, an initrd, a disk),
 * checkpoints it into a temporary repository and restores it, eagerly and lazily, so that the class data sharing
 * archive also holds the JDK classes a restore loads (file channels, CRC32C, gzip, the platform MBean server the
 * translator's compiler directives and the collector statistics start, the lambda forms) and not only the jar's own:
 * before this, a restore loaded ~790 classes from outside the archive (docs/BENCHMARKS.md, restore round restore9).
 * Nothing of it outlives the command: the directory is deleted. It needs no guest files.
 */
final class RestorePathTraining {
    private RestorePathTraining() { }

    static void run() throws Exception {
        run(Path.of(System.getProperty("java.io.tmpdir")));
    }

    /** As {@link #run()}, in a new directory under {@code parent} (deleted after). */
    static void run(Path parent) throws Exception {
        platformBeans();
        Path dir = Files.createTempDirectory(parent, "vmckpt-cds-train");
        try {
            exercise(dir);
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    private static void exercise(Path dir) throws Exception {
        Path kernel = dir.resolve("Image.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(kernel))) {
            out.write(RunPathTraining.loopingImage());
        }
        SplittableRandom random = new SplittableRandom(9);
        byte[] initrd = new byte[256 << 10];
        for (int i = 0; i < initrd.length; i += 2) initrd[i] = (byte) random.nextInt(); // half compressible
        Files.write(dir.resolve("initrd"), initrd);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        MachineConfig config = new MachineConfig(32L << 20, kernel, dir.resolve("initrd"), "console=ttyS0", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), false, false, true);
        Machine machine = new Machine(config, b -> { });
        Machine eager = null;
        Machine lazy = null;
        try {
            machine.boot();
            // Data pages: some compress, some do not, as a guest's do.
            long base = 0x8100_0000L;
            for (long off = 0; off < (2L << 20); off += 8) {
                machine.memory().write64(base + off, off < (1L << 20) ? random.nextLong() : off);
            }
            machine.run(20_000);
            Repository repo = Repository.open(dir.resolve("repo"), true);
            new CheckpointEngine(machine, repo, null).checkpoint(CheckpointOptions.defaults().withLabel("training"), null);
            byte[] saved = machine.stateHash();
            // A training that restored something else would archive the wrong path: say so rather than go on quietly.
            try (Checkpoint ckpt = repo.open("training")) {
                // With the tier-1 requests (RestoreTier1, off by default): their classes and the WhiteBox calls' method
                // handles archived, instead of loaded and spun on the requests' thread of a restore that turns them on.
                String tier1 = System.getProperty("vmckpt.restore.tier1");
                System.setProperty("vmckpt.restore.tier1", "true");
                try {
                    eager = Restorer.restore(ckpt, null, b -> { }, false, null).machine();
                    org.vmckpt.checkpoint.RestoreTier1.awaitIdle();
                } finally {
                    if (tier1 == null) System.clearProperty("vmckpt.restore.tier1");
                    else System.setProperty("vmckpt.restore.tier1", tier1);
                }
                if (!Arrays.equals(saved, eager.stateHash())) throw new IllegalStateException("the training machine's eager restore differs");
                eager.run(20_000);
            }
            try (Checkpoint ckpt = repo.open("training")) { // open while the lazy machine still reads pages from it
                Restorer.Restored r = Restorer.restore(ckpt, null, b -> { }, true, null);
                lazy = r.machine();
                if (r.lazy() != null) r.lazy().startPrefetch(lazy, e -> { });
                if (!Arrays.equals(saved, lazy.stateHash())) throw new IllegalStateException("the training machine's lazy restore differs");
                lazy.run(20_000);
            }
        } finally {
            machine.virtio().close();
            if (eager != null) eager.virtio().close();
            if (lazy != null) lazy.virtio().close();
        }
    }

    /**
     * What a restore asks of the platform MBeans: its time axis (the runtime bean), the CPU clocks (the thread bean),
     * the collector's pauses, and the translator thread's compiler directives (the platform MBean server and the
     * diagnostic command's description). Done here, on this thread, because the translator thread does it in the
     * background and the training may end before it has.
     */
    private static void platformBeans() throws Exception {
        ManagementFactory.getRuntimeMXBean().getUptime();
        ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        org.vmckpt.checkpoint.store.BatchReader.measureStageCpu(true); // its holder class archived (restore --stats)
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) gc.getCollectionTime();
        ManagementFactory.getPlatformMBeanServer().getMBeanInfo(new ObjectName("com.sun.management:type=DiagnosticCommand"));
    }

    static void runQuietly() {
        try {
            run();
        } catch (Exception | LinkageError e) {
            System.err.println("vmckpt cds-train: the restore path was not exercised (" + e.getMessage() + "); restores start slower");
        }
    }
}
