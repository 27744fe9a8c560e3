package org.vmckpt.checkpoint;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -Dvmckpt.restore.deltasInBatches} (round 81): an eager restore loads the boot-file delta pages' stored XORs with
 * its DATA batches and applies their bases after the DATA pages. The restored machine is the checkpoint's (state hash)
 * whether the kernel is read in place or kept as page digests, the same as without the switch; every delta page goes
 * that way (none through the restoring thread's reads before the window); a damaged frame holding deltas refuses the
 * restore with the pack's name and hands out no machine; a changed kernel is refused by name.
 */
class DeltasInBatchesTest {
    @TempDir
    Path dir;

    private static final long AT = BootFileEvictionTest.KERNEL_AT;

    @AfterEach
    void off() {
        Restorer.deltasInBatches = false;
    }

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

    /**
     * A machine whose kernel pages 10..39 are patched (deltas, in the frames beside other data), page 45 rewritten whole
     * (data), and 600 pages of random data above the kernel: the checkpoint's id and the machine's state hash.
     */
    private String[] checkpointed(Path kernel, Repository repo) throws Exception {
        Machine m = boot(kernel);
        for (int p = 10; p < 40; p++) patch(m, p, 1 + p % 5, p);
        byte[] whole = new byte[4096];
        Random r = new Random(3);
        r.nextBytes(whole);
        m.memory().writeBytes(AT + 45 * 4096L, whole, 0, 4096);
        for (int p = 0; p < 600; p++) {
            r.nextBytes(whole);
            m.memory().writeBytes(AT + (4096L + p) * 4096L, whole, 0, 4096);
        }
        CheckpointEngine.Outcome out = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null);
        assertEquals(30L, out.info().stat(Stats.PAGES_SOURCE_DELTA, -1));
        return new String[] {out.info().id(), Machines.hash(m), Integer.toString(m.memory().pageIndexOf(AT))};
    }

    @Test
    void deltasFromTheBatchesGiveTheCheckpointedMachineInPlaceAndFromDigests() throws Exception {
        Path remembered = dir.resolve("Image");
        Files.write(remembered, BootFileEvictionTest.image());
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200); // remembered: read in place
        check(remembered, "in place");
        Path fresh = dir.resolve("fresh").resolve("Image");
        Files.createDirectories(fresh.getParent());
        Files.write(fresh, BootFileEvictionTest.image()); // just written: not remembered, kept as page digests
        check(fresh, "digests");
    }

    private void check(Path kernel, String how) throws Exception {
        Repository repo = Repository.open(dir.resolve("repo-" + how.replace(' ', '-')), true);
        String[] c = checkpointed(kernel, repo);
        try (Checkpoint ck = repo.open(c[0])) {
            int k0 = Integer.parseInt(c[2]);
            assertEquals(PageKind.SOURCE_DELTA, ck.pageKind(k0 + 10), how);
            for (boolean on : new boolean[] {false, true, false, true}) {
                Restorer.deltasInBatches = on;
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, false, null);
                assertEquals(c[1], Machines.hash(r.machine()), how + ", deltasInBatches " + on + ": a machine in a wrong state");
                Long items = r.phaseNanos().get("pages.deltas.items");
                if (on) assertEquals(30L, items, how + ": delta pages whose bases were applied after the DATA pages");
                else assertNull(items, how + ": without the switch no delta page goes with the batches");
                r.machine().virtio().close();
            }
        }
    }

    /**
     * The restoring thread's part: before any loader thread ran, {@code loadItemsHolding} over the deltas' pages delivers
     * every delta page's stored unit (the XOR, not yet the page) on the calling thread, each once; the loader's
     * {@code finish} then delivers the rest, none twice; without deltaUnits no delta page is delivered at all.
     */
    @Test
    void theItemsHoldingTheDeltasAreLoadedOnTheCallingThread() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String[] c = checkpointed(kernel, repo);
        int k0 = Integer.parseInt(c[2]);
        try (Checkpoint ck = repo.open(c[0])) {
            int[] times = new int[ck.pageCount()];
            byte[][] got = new byte[ck.pageCount()][];
            PageLoader.Sink sink = (i, page) -> {
                times[i]++;
                got[i] = page;
            };
            PageLoader data = PageLoader.dataPagesOnly(ck, sink, true);
            data.loadItemsHolding(k0 + 10, k0 + 40);
            for (int p = 10; p < 40; p++) {
                assertEquals(1, times[k0 + p], "delta page " + p + " delivered by loadItemsHolding");
                byte[] unit = new byte[4096];
                assertEquals(PageKind.SOURCE_DELTA, ck.readPage(k0 + p, unit)); // unit: the stored XOR
                assertArrayEquals(unit, got[k0 + p], "delta page " + p + ": its stored XOR");
            }
            int early = data.pagesDone();
            assertTrue(early >= 30, early + " of " + data.pagesTotal() + " pages delivered by loadItemsHolding");
            data.finish(null);
            assertEquals(data.pagesTotal(), data.pagesDone());
            for (int i = 0; i < times.length; i++) assertTrue(times[i] <= 1, "page " + i + " delivered " + times[i] + " times");
            int[] none = new int[1];
            PageLoader without = PageLoader.dataPagesOnly(ck, (i, page) -> {
                if (i >= k0 + 10 && i < k0 + 40) none[0]++;
            }, false);
            without.finish(null);
            assertEquals(0, none[0], "delta pages delivered without deltaUnits");
        }
    }

    @Test
    void aDamagedFrameOfDeltasIsRefusedAndNoMachineIsHandedOut() throws Exception {
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
        byte[] good = b.clone();
        for (int i = 64; i < b.length - 64; i += 97) b[i] ^= 0x5a; // every frame damaged
        Files.write(pack, b);
        Restorer.deltasInBatches = true;
        try (Checkpoint ck = repo.open(out.info().id())) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, x -> { }, false, null));
            assertTrue(e.getMessage().contains(pack.getFileName().toString()), e.getMessage());
        }
        // The same checkpoint, its pack whole again, restores: the refusal was the damage's.
        Files.write(pack, good);
        try (Checkpoint ck = repo.open(out.info().id())) {
            Restorer.Restored r = Restorer.restore(ck, null, x -> { }, false, null);
            assertEquals(Machines.hash(m), Machines.hash(r.machine()));
            r.machine().virtio().close();
        }
    }

    @Test
    void aChangedKernelIsRefusedByName() throws Exception {
        Path kernel = dir.resolve("Image");
        Files.write(kernel, BootFileEvictionTest.image());
        Thread.sleep(FileDigests.SETTLE_NANOS / 1_000_000 + 200);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String[] c = checkpointed(kernel, repo);
        byte[] changed = Files.readAllBytes(kernel);
        changed[12 * 4096 + 17] ^= 1; // a delta page's base
        Files.write(kernel, changed);
        Restorer.deltasInBatches = true;
        try (Checkpoint ck = repo.open(c[0])) {
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, false, null));
            assertTrue(e.getMessage().contains("kernel " + kernel.toAbsolutePath()) && e.getMessage().contains("changed"), e.getMessage());
        }
    }
}
