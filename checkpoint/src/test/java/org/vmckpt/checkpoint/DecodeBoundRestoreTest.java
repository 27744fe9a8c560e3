package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.ZstdSequences;
import org.vmckpt.machine.Machine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -Dvmckpt.restore.rawSeqPerKiB} (round 80) in whole restores: a machine whose memory holds memdirty's words
 * (guest/workloads/memdirty.c), checkpointed with the switch (those frames stored as they are) and without (compressed),
 * restores eagerly and lazily to the checkpointed state hash from either pack; damage in a frame stored so is refused
 * with a {@link RestoreException} naming the pack, and no machine is handed out.
 */
class DecodeBoundRestoreTest {
    @TempDir
    Path dir;

    /** 8 MiB of memdirty's fill from 12 MiB into the 32 MiB memwalk machine. */
    private static void fillMemdirty(Machine m) {
        long base = m.memory().base() + (12L << 20);
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (long p = 0; p < 2048; p++) {
            b.clear();
            for (int i = 0; i < 512; i++) b.putLong(((p + 3000) << 12 | i) | 0x8000000000000000L);
            m.memory().writeBytes(base + p * 4096, b.array(), 0, 4096);
        }
    }

    private record Taken(Repository repo, String id, String hash, Path pack) { }

    private Taken take(String name, int rawSeqPerKiB) throws Exception {
        int old = ZstdSequences.setRawSeqPerKiB(rawSeqPerKiB);
        try {
            Repository repo = Repository.open(dir.resolve(name), true);
            Machine m = Machines.memwalk(new StringBuilder());
            m.run(300_000);
            fillMemdirty(m);
            String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults(), null).info().id();
            Path pack;
            try (Stream<Path> s = Files.list(repo.dir().resolve("packs"))) {
                List<Path> packs = s.filter(p -> p.toString().endsWith(".pack")).toList();
                assertEquals(1, packs.size(), name + ": " + packs);
                pack = packs.get(0);
            }
            return new Taken(repo, id, Machines.hash(m), pack);
        } finally {
            ZstdSequences.setRawSeqPerKiB(old);
        }
    }

    @Test
    void packsWithAndWithoutDecodeBoundFramesRestoreToTheCheckpointedState() throws Exception {
        Taken raw = take("with", 96);
        Taken zstd = take("without", 0);
        assertEquals(zstd.hash(), raw.hash(), "the same machine state either way");
        long rawSize = Files.size(raw.pack()), zstdSize = Files.size(zstd.pack());
        // 8 MiB of memdirty's pages: stored as they are with the switch, ~6x smaller compressed without it.
        assertTrue(rawSize > zstdSize + (6L << 20), "pack with the switch " + rawSize + " bytes, without " + zstdSize);
        for (Taken t : List.of(raw, zstd)) {
            for (boolean lazy : new boolean[]{false, true}) {
                try (Checkpoint c = t.repo().open(t.id())) {
                    Restorer.Restored r = Restorer.restore(c, null, b -> { }, lazy, null);
                    if (lazy) r.machine().memory().materializeAllLazy();
                    assertEquals(t.hash(), Machines.hash(r.machine()), t.pack().getFileName() + (lazy ? " lazy" : " eager"));
                }
            }
        }
    }

    @Test
    void damageInAFrameStoredAsItIsIsRefusedAndNoMachineIsHandedOut() throws Exception {
        Taken raw = take("with", 96);
        byte[] original = Files.readAllBytes(raw.pack());
        // The frames of memdirty's pages are the large ones stored as they are: damage bytes in their middle.
        int refused = 0;
        for (int k = 1; k <= 8; k++) {
            int at = (int) (original.length * (0.2 + 0.07 * k));
            byte[] damaged = original.clone();
            damaged[at] ^= 0x40;
            Files.write(raw.pack(), damaged);
            try {
                for (boolean lazy : new boolean[]{false, true}) {
                    try (Checkpoint c = raw.repo().open(raw.id())) {
                        Restorer.Restored r = null;
                        try {
                            r = Restorer.restore(c, null, b -> { }, lazy, null);
                            if (lazy) r.machine().memory().materializeAllLazy();
                        } catch (RestoreException e) {
                            assertTrue(e.getMessage().contains(raw.pack().getFileName().toString()), "the refusal names the pack: " + e.getMessage());
                            assertTrue(e.getMessage().contains("CRC mismatch"), e.getMessage());
                            refused++;
                            continue;
                        }
                        // A byte in a frame the checkpoint does not read would restore exactly; none here may differ.
                        assertEquals(raw.hash(), Machines.hash(r.machine()), "byte " + at + (lazy ? " lazy" : " eager") + ": a machine in a wrong state");
                    }
                }
            } finally {
                Files.write(raw.pack(), original);
            }
        }
        assertTrue(refused >= 12, "damage in the stored frames refused: " + refused + " of 16 restores");
        try (Checkpoint c = raw.repo().open(raw.id())) {
            assertEquals(raw.hash(), Machines.hash(Restorer.restore(c, null, b -> { }, false, null).machine()));
        }
    }
}
