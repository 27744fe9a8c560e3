package org.vmckpt.cli;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * EarlyCheckpoint (-Dvmckpt.restore.openEarly): the checkpoint an eager restore names, opened on a side thread, is the
 * one the command would open and restores to the checkpointed state hash, as the command's own open does; it is taken
 * only for the same arguments; and a checkpoint that cannot be opened (damaged manifest, unknown name) is reported by
 * the command exactly as without the side thread (same status, same message), with no machine made.
 */
class EarlyCheckpointTest {
    @TempDir
    Path dir;
    private Repository repo;
    private Machine machine;
    private byte[] saved;

    @BeforeEach
    void checkpoint() throws Exception {
        Path kernel = dir.resolve("Image.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(kernel))) {
            out.write(RunPathTraining.loopingImage());
        }
        Files.write(dir.resolve("initrd"), new byte[64 << 10]);
        Path disk = dir.resolve("disk.img");
        Files.write(disk, new byte[1 << 20]);
        MachineConfig config = new MachineConfig(64L << 20, kernel, dir.resolve("initrd"), "console=ttyS0", null, null,
                List.of(new MachineConfig.DiskConfig(disk, false)), false, false, true);
        machine = new Machine(config, b -> { });
        machine.boot();
        SplittableRandom random = new SplittableRandom(62);
        long base = 0x8100_0000L;
        for (long off = 0; off < (8L << 20); off += 8) machine.memory().write64(base + off, off % 16 == 0 ? random.nextLong() : off);
        machine.run(20_000);
        repo = Repository.open(dir.resolve("repo"), true);
        new CheckpointEngine(machine, repo, null).checkpoint(CheckpointOptions.defaults().withLabel("w"), null);
        saved = machine.stateHash();
    }

    @AfterEach
    void close() throws Exception {
        EarlyCheckpoint.take(new String[0]); // nothing left pending for another test
        machine.virtio().close();
    }

    private String[] argv(String ref) {
        return new String[]{"restore", ref, "--repo", repo.dir().toString(), "--console", dir.resolve("console.txt").toString()};
    }

    @Test
    void theCheckpointOpenedOnTheSideThreadRestoresToTheCheckpointedState() throws Exception {
        String[] argv = argv("w");
        EarlyCheckpoint.start(argv);
        assertTrue(EarlyCheckpoint.pending());
        EarlyCheckpoint.Opened early = EarlyCheckpoint.take(argv);
        assertFalse(EarlyCheckpoint.pending(), "taken once");
        assertNotNull(early, "opened on the side thread");
        try (Checkpoint own = repo.open("w"); Checkpoint ckpt = early.checkpoint()) {
            assertEquals(own.id(), ckpt.id());
            assertEquals(repo.dir(), early.repository().dir());
            Restorer.Restored r = Restorer.restore(ckpt, null, b -> { }, false, null);
            Restorer.Restored without = Restorer.restore(own, null, b -> { }, false, null);
            assertArrayEquals(saved, r.machine().stateHash(), "the checkpointed state");
            assertArrayEquals(without.machine().stateHash(), r.machine().stateHash(), "as the command's own open gives");
            r.machine().virtio().close();
            without.machine().virtio().close();
        }
    }

    @Test
    void itIsTakenOnlyForTheSameArguments() throws Exception {
        EarlyCheckpoint.start(argv("w"));
        assertNull(EarlyCheckpoint.take(argv("other")));
        assertNull(EarlyCheckpoint.take(argv("w")), "none pending any more");
    }

    @Test
    void aDamagedManifestIsReportedAsWithoutTheSideThread() throws Exception {
        String id;
        try (Checkpoint c = repo.open("w")) {
            id = c.id();
        }
        Path manifest = repo.dir().resolve("checkpoints").resolve(id + ".manifest");
        try (FileChannel ch = FileChannel.open(manifest, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[]{0x55, 0x55, 0x55, 0x55}), ch.size() / 2);
        }
        String err = assertSameFailure(id);
        assertTrue(err.contains("damaged") || err.contains(manifest.getFileName().toString()), err);
    }

    @Test
    void anUnknownCheckpointIsReportedAsWithoutTheSideThread() throws Exception {
        assertSameFailure("nosuch");
    }

    /** Returns the command's error output. */
    private String assertSameFailure(String ref) throws Exception {
        String[] argv = argv(ref);
        CapturedOutput without = new CapturedOutput();
        int statusWithout = CommandErrors.run("restore", argv, without.io(), () -> RestoreCommand.run(argv));
        EarlyCheckpoint.start(argv);
        CapturedOutput with = new CapturedOutput();
        int statusWith = CommandErrors.run("restore", argv, with.io(), () -> RestoreCommand.run(argv));
        assertFalse(EarlyCheckpoint.pending(), "the command took it");
        assertNotEquals(0, statusWithout, without.err());
        assertEquals(statusWithout, statusWith);
        assertFalse(without.err().isEmpty());
        assertEquals(without.err(), with.err());
        assertFalse(with.err().contains("\tat "), with.err());
        return with.err();
    }
}
