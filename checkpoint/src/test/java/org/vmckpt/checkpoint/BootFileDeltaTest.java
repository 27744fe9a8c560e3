package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Kernel pages the kernel patched in a few bytes at boot are stored as the kernel Image's page plus the XOR
 * (SOURCE_DELTA): they come back bit-exactly through eager and lazy restore and an incremental on top, whether the
 * file is compared in place or by its page digests; a page rewritten whole stays data; a damaged delta is refused
 * before any machine is handed out; a changed kernel is refused by name.
 */
class BootFileDeltaTest {
    @TempDir
    Path dir;

    private static final long AT = BootFileEvictionTest.KERNEL_AT;

    /** Patches {@code n} scattered 4-byte words of kernel page {@code page}, as the kernel's alternatives do. */
    private static void patch(Machine m, int page, int n, int seed) {
        Random r = new Random(seed);
        for (int k = 0; k < n; k++) m.memory().write32(AT + page * 4096L + 4L * r.nextInt(1024), r.nextInt());
    }

    private Machine boot(Path kernel) throws Exception {
        Machine m = new Machine(new MachineConfig(64L << 20, kernel, null, "console=ttyS0", null, null, List.of(),
                false, false, true), b -> { });
        m.boot();
        return m;
    }

    @Test
    void patchedKernelPagesRoundTripEagerLazyAndIncremental() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200); // remembered: compared in place
        check(kernel, "in place");
    }

    @Test
    void aKernelKeptAsDigestsGivesTheSameDeltas() throws Exception {
        Path kernel = dir.resolve("fresh").resolve("Image");
        Files.createDirectories(kernel.getParent());
        Files.write(kernel, BootFileEvictionTest.image()); // just written: not remembered, kept as page digests
        check(kernel, "digests");
    }

    private void check(Path kernel, String how) throws Exception {
        Machine m = boot(kernel);
        int k0 = m.memory().pageIndexOf(AT);
        patch(m, 5, 8, 1);
        patch(m, 6, 3, 2);
        byte[] whole = new byte[4096];
        new Random(3).nextBytes(whole);
        m.memory().writeBytes(AT + 7 * 4096L, whole, 0, 4096); // rewritten: data
        Repository repo = Repository.open(dir.resolve("repo-" + how.replace(' ', '-')), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        engine.setRetainForReset(false); // a reset reads the checkpoint's pages from the repository
        CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
        String hash = Machines.hash(m);
        assertEquals(2L, out.info().stat(Stats.EVICT_BOOT_DELTA, -1), how);
        assertEquals(2L, out.info().stat(Stats.PAGES_SOURCE_DELTA, -1), how);
        try (Checkpoint ck = repo.open(out.info().id())) {
            for (int p : new int[]{5, 6}) {
                assertEquals(PageKind.SOURCE_DELTA, ck.pageKind(k0 + p), how + ": page " + p);
                assertEquals(PageOrigin.KERNEL, ck.pageSource(k0 + p));
                assertEquals(8L * p, ck.pageSourceSector(k0 + p));
            }
            assertEquals(PageKind.DATA, ck.pageKind(k0 + 7));
            assertEquals(PageKind.SOURCE, ck.pageKind(k0 + 8));
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                assertEquals(hash, Machines.hash(r.machine()), how + ", lazy " + lazy + ": " + Machines.diff(m, r.machine()));
            }
        }
        // An incremental on top: page 6 patched again, page 9 patched for the first time, page 5 inherited.
        patch(m, 6, 2, 4);
        patch(m, 9, 1, 5);
        CheckpointEngine.Outcome inc = engine.checkpoint(CheckpointOptions.defaults().withLive(false).withIncremental(true), null);
        String hash2 = Machines.hash(m);
        try (Checkpoint ck = repo.open(inc.info().id())) {
            assertNotNull(ck.info().parentId());
            assertEquals(3L, ck.info().stat(Stats.PAGES_SOURCE_DELTA, -1), how);
            for (int p : new int[]{5, 6, 9}) assertEquals(PageKind.SOURCE_DELTA, ck.pageKind(k0 + p), how + ": page " + p);
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                assertEquals(hash2, Machines.hash(r.machine()), how + ", incremental, lazy " + lazy + ": " + Machines.diff(m, r.machine()));
                // A machine restored from it takes new deltas against the same file.
                CheckpointEngine again = new CheckpointEngine(r.machine(), repo, inc.info().id());
                CheckpointEngine.Outcome full = again.checkpoint(CheckpointOptions.defaults().withLive(false), null);
                assertEquals(3L, full.info().stat(Stats.EVICT_BOOT_DELTA, -1), how + ", lazy " + lazy);
            }
        }
        // A reset to the incremental, from the repository, after the kernel patched its pages again.
        patch(m, 5, 2, 6);
        patch(m, 9, 2, 7);
        CheckpointEngine.ResetOutcome reset = engine.reset(inc.info().id());
        assertFalse(reset.fromMemory(), how);
        assertEquals(hash2, Machines.hash(m), how + ", reset");
        // A changed kernel is refused by name: the deltas alone would restore wrong pages.
        byte[] changed = Files.readAllBytes(kernel);
        changed[5 * 4096 + 17] ^= 1;
        Files.write(kernel, changed);
        try (Checkpoint ck = repo.open(out.info().id())) {
            for (boolean lazy : new boolean[]{false, true}) {
                RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, lazy, null));
                assertTrue(e.getMessage().contains("kernel " + kernel.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
            }
        }
    }

    @Test
    void aDamagedDeltaIsRefusedBeforeAMachineIsHandedOut() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Machine m = boot(kernel);
        // Nothing but patched kernel pages is data: the pack holds only deltas (and the device tree's pages).
        for (int p = 10; p < 40; p++) patch(m, p, 4, p);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine.Outcome out = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null);
        assertEquals(30L, out.info().stat(Stats.EVICT_BOOT_DELTA, -1));
        Path pack;
        try (Stream<Path> s = Files.list(dir.resolve("repo").resolve("packs"))) {
            pack = s.filter(Files::isRegularFile).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(pack);
        for (int i = 64; i < b.length - 64; i += 97) b[i] ^= 0x5a; // every frame damaged
        Files.write(pack, b);
        try (Checkpoint ck = repo.open(out.info().id())) {
            for (boolean lazy : new boolean[]{false, true}) {
                Exception e = assertThrows(Exception.class, () -> Restorer.restore(ck, null, x -> { }, lazy, null), "lazy " + lazy);
                assertTrue(e.getMessage().contains(pack.getFileName().toString()), e.getMessage());
            }
        }
    }
}
