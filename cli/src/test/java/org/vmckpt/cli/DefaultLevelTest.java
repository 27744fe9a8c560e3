package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.RestoreException;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -Dvmckpt.compress.defaultLevel} (round 70): the zstd level of checkpoints whose request and repository choose
 * none. Each side in a child JVM of its own (the level is read once, when {@link Codec} is loaded): a machine whose
 * memory holds 8 MiB of words in constant steps (memdirty's fill: {@code page << 12 | i | 1 << 63}) is checkpointed with
 * the defaults and restored eagerly. With level 3 (the default since round 70) the packs are smaller than with level 1 (what the level
 * changes on such words), both restores give the checkpointed state hash, and a damaged frame of the level-3 pack is
 * refused by name.
 */
class DefaultLevelTest {
    @TempDir
    Path dir;

    /**
     * Run in the child JVM. {@code write REPO HASH}: boots, fills, checkpoints ("s"), restores eagerly; prints "level equal
     * packBytes". {@code restore REPO HASH}: restores "s" eagerly; prints "equal" or "refused: MESSAGE".
     */
    public static void main(String[] args) throws Exception {
        Path repoDir = Path.of(args[1]), hashFile = Path.of(args[2]);
        if (args[0].equals("write")) {
            Path work = repoDir.getParent();
            Path kernel = work.resolve("Image.gz");
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(kernel))) {
                out.write(RunPathTraining.loopingImage());
            }
            MachineConfig config = new MachineConfig(32L << 20, kernel, null, "console=ttyS0", null, null,
                    List.of(), false, false, true);
            Machine machine = new Machine(config, b -> { });
            try {
                machine.boot();
                long base = 0x8100_0000L;
                for (long off = 0; off < (8L << 20); off += 8) {
                    long page = (base + off) >>> 12, i = (off & 0xfff) >>> 3;
                    machine.memory().write64(base + off, page << 12 | i | 1L << 63);
                }
                machine.run(20_000);
                Repository repo = Repository.open(repoDir, true);
                new CheckpointEngine(machine, repo, null).checkpoint(CheckpointOptions.defaults().withLabel("s"), null);
                Files.write(hashFile, machine.stateHash());
            } finally {
                machine.virtio().close();
            }
            long packBytes;
            try (Stream<Path> packs = Files.list(repoDir.resolve("packs"))) {
                packBytes = packs.mapToLong(p -> p.toFile().length()).sum();
            }
            System.out.println(Codec.DEFAULT_ZSTD_LEVEL + " " + restoresEqual(repoDir, hashFile) + " " + packBytes);
        } else {
            try {
                System.out.println(restoresEqual(repoDir, hashFile));
            } catch (RestoreException e) {
                System.out.println("refused: " + e.getMessage());
            }
        }
    }

    private static boolean restoresEqual(Path repoDir, Path hashFile) throws Exception {
        Repository repo = Repository.open(repoDir, false);
        try (Checkpoint ckpt = repo.open("s")) {
            Restorer.Restored r = Restorer.restore(ckpt, null, b -> { }, false, null);
            boolean equal = Arrays.equals(Files.readAllBytes(hashFile), r.machine().stateHash());
            r.machine().virtio().close();
            return equal;
        }
    }

    @Test
    void levelThreeStoresConstantStepWordsSmallerAndRestoresExactly() throws Exception {
        Files.createDirectories(dir.resolve("a"));
        Files.createDirectories(dir.resolve("b"));
        Files.createDirectories(dir.resolve("c"));
        String[] plain = child("write", dir.resolve("a/repo"), dir.resolve("a/hash"), "-Dvmckpt.compress.defaultLevel=1").split(" ");
        String[] builtIn = child("write", dir.resolve("c/repo"), dir.resolve("c/hash")).split(" ");
        String[] three = child("write", dir.resolve("b/repo"), dir.resolve("b/hash"), "-Dvmckpt.compress.defaultLevel=3").split(" ");
        assertEquals("1", plain[0], "the option's level 1 (the default until round 70)");
        assertEquals("3", builtIn[0], "the default level without the option");
        assertEquals("true", builtIn[1], "the default level: the checkpointed state hash");
        assertEquals("3", three[0], "the option's level");
        assertEquals("true", plain[1], "level 1: the checkpointed state hash");
        assertEquals("true", three[1], "level 3: the checkpointed state hash");
        long p = Long.parseLong(plain[2]), t = Long.parseLong(three[2]);
        assertTrue(t < p, "level 3's packs (" + t + " bytes) smaller than level 1's (" + p + ")");

        // A damaged frame: a byte in the middle of the largest pack flipped.
        Path pack;
        try (Stream<Path> packs = Files.list(dir.resolve("b/repo/packs"))) {
            pack = packs.max((x, y) -> Long.compare(x.toFile().length(), y.toFile().length())).orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(pack.toFile(), "rw")) {
            long at = f.length() / 2;
            f.seek(at);
            int b = f.read();
            f.seek(at);
            f.write(b ^ 0x5a);
        }
        String refused = child("restore", dir.resolve("b/repo"), dir.resolve("b/hash"), "-Dvmckpt.compress.defaultLevel=3");
        assertTrue(refused.startsWith("refused: ") && refused.contains("damaged"), "a damaged frame refused by name: " + refused);
    }

    /** The child JVM's last line of output (it ends with status 0 within two minutes). */
    private String child(String mode, Path repo, Path hash, String... opts) throws Exception {
        return ChildJvm.lastLine(List.of(), DefaultLevelTest.class, List.of(mode, repo.toString(), hash.toString()), opts);
    }
}
