package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page-cache eviction for any disk layout, driving the virtio-blk device model directly: a file is read into
 * "page cache" pages in the file system's own request sizes (1, 2 or 4 KiB blocks, single sectors for vfat),
 * from wherever the file system put it on the disk (odd sectors included). A checkpoint stores at least 90% of
 * those pages as references to the disk; a page rewritten after the read, and a page whose disk block was
 * rewritten after the read, are stored as data; eager and lazy restores give back exactly the guest's bytes,
 * never the disk's newer ones; and an incremental checkpoint of the restored machine is as exact.
 */
class PageCacheEvictionTest {
    @TempDir
    Path dir;

    static final int FILE_PAGES = 512;
    static final long RINGS = 0x8000_0000L + (8L << 20);
    static final long SCRATCH = RINGS + (1L << 20);
    static final long CACHE = 0x8000_0000L + (16L << 20);

    @Test
    void ext4With1KiBBlocks() throws Exception {
        check(DiskLayouts.ext4(dir, "ext4-1k", 1024, file()));
    }

    @Test
    void ext4With2KiBBlocks() throws Exception {
        check(DiskLayouts.ext4(dir, "ext4-2k", 2048, file()));
    }

    @Test
    void ext4With4KiBBlocks() throws Exception {
        check(DiskLayouts.ext4(dir, "ext4-4k", 4096, file()));
    }

    @Test
    void partitionStartingAtAnOddSector() throws Exception {
        check(DiskLayouts.partitioned(dir, file()));
    }

    @Test
    void vfat() throws Exception {
        check(DiskLayouts.vfat(dir, file()));
    }

    private static byte[] file() {
        byte[] f = new byte[FILE_PAGES * GuestMemory.PAGE_SIZE];
        new Random(42).nextBytes(f);
        return f;
    }

    private void check(DiskLayouts.Layout layout) throws Exception {
        byte[] data = file();
        long[] sectors = DiskLayouts.sectorsOf(layout.image(), data);
        MachineConfig c = new MachineConfig(64L << 20, null, null, "", null, Machines.memwalkElf(),
                List.of(new MachineConfig.DiskConfig(layout.image(), false)), false, false, true);
        Machine m = new Machine(c, b -> { });
        m.boot();
        BlockDriver blk = new BlockDriver(m, RINGS);
        // The page cache: page p of the file at CACHE + p*4096, read in the file system's request size.
        int per = layout.readBytes() / 512;
        int contiguous = 0;
        for (int p = 0; p < FILE_PAGES; p++) {
            boolean inOrder = true;
            for (int s = 0; s < 8; s += per) {
                int i = p * 8 + s;
                for (int k = 1; k < per; k++) assertEquals(sectors[i] + k, sectors[i + k], layout.name() + ": a block is not contiguous on disk");
                blk.read(sectors[i], CACHE + (long) i * 512, layout.readBytes());
                if (s > 0 && sectors[i] != sectors[p * 8] + s) inOrder = false;
            }
            if (inOrder) contiguous++;
        }
        assertTrue(contiguous >= FILE_PAGES * 95 / 100, layout.name() + ": the file system scattered the file (" + contiguous + " pages in order)");
        int first = pageIndex(m, CACHE);
        // A page rewritten by the guest after the read, and a page whose disk block is rewritten after the read.
        int rewrittenPage = 100, rewrittenBlock = 300;
        m.memory().write64(CACHE + rewrittenPage * 4096L + 8, 0x1234_5678_9abc_def0L);
        m.memory().write64(SCRATCH, 0x0fed_cba9_8765_4321L);
        blk.write(sectors[rewrittenBlock * 8], SCRATCH, 512);
        assertEquals(null, m.memory().origin(first + rewrittenPage));

        Repository repo = Repository.open(dir.resolve("repo"), true);
        CheckpointEngine engine = new CheckpointEngine(m, repo, null);
        String id = engine.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        byte[] cache = new byte[FILE_PAGES * 4096];
        m.memory().readBytes(CACHE, cache, 0, cache.length);
        try (Checkpoint ck = repo.open(id)) {
            int refs = 0;
            for (int p = 0; p < FILE_PAGES; p++) if (ck.pageKind(first + p) == PageKind.SOURCE) refs++;
            assertTrue(refs >= FILE_PAGES * 90 / 100, layout.name() + ": only " + refs + " of " + FILE_PAGES + " page-cache pages stored as disk references");
            assertEquals(PageKind.DATA, ck.pageKind(first + rewrittenPage), "a page written after the read is data");
            assertEquals(PageKind.DATA, ck.pageKind(first + rewrittenBlock), "a page whose disk block was rewritten after the read is data");
            for (int p = 0; p < FILE_PAGES; p++) {
                if (ck.pageKind(first + p) != PageKind.SOURCE) continue;
                assertEquals(PageOrigin.diskSource(0), ck.pageSource(first + p));
                assertEquals(sectors[p * 8], ck.pageSourceSector(first + p));
            }
            // Eager and lazy restores give the machine back exactly.
            for (boolean lazy : new boolean[]{false, true}) {
                Restorer.Restored r = Restorer.restore(ck, null, b -> { }, lazy, null);
                if (lazy) {
                    // The restored guest rewrites the disk under a page it has not touched yet: the page must still
                    // come back as the guest had it, not as the disk is now.
                    Machine rm = r.machine();
                    int p = 200;
                    assertEquals(PageKind.SOURCE, ck.pageKind(first + p));
                    long before = rm.memory().read64(SCRATCH + 4096); // materialises only the scratch page
                    rm.memory().write64(SCRATCH + 4096, before ^ -1L);
                    new BlockDriver(rm, RINGS, true).write(sectors[p * 8], SCRATCH + 4096, 4096);
                    byte[] page = new byte[4096];
                    rm.memory().readBytes(CACHE + p * 4096L, page, 0, 4096);
                    assertArrayEquals(java.util.Arrays.copyOfRange(cache, p * 4096, p * 4096 + 4096), page, layout.name() + ": lazy page after a disk write");
                    r.machine().virtio().close();
                    continue;
                }
                assertEquals(hash, Machines.hash(r.machine()), layout.name() + ": restore differs: " + Machines.diff(m, r.machine()));
                // The restored pages remember their source: an incremental checkpoint after more reads and writes
                // restores exactly too, and a full one still refers to the disk.
                Machine rm = r.machine();
                CheckpointEngine again = new CheckpointEngine(rm, repo, id);
                rm.memory().write64(CACHE + 7 * 4096L, 42);
                String inc = again.checkpoint(CheckpointOptions.defaults().withLive(false).withIncremental(true), null).info().id();
                String full = again.checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
                String rmHash = Machines.hash(rm);
                for (String x : new String[]{inc, full}) {
                    try (Checkpoint c2 = repo.open(x)) {
                        Restorer.Restored r2 = Restorer.restore(c2, null, b -> { }, false, null);
                        assertEquals(rmHash, Machines.hash(r2.machine()), layout.name() + ": restore of the checkpoint after a restore");
                        r2.machine().virtio().close();
                    }
                }
                try (Checkpoint c2 = repo.open(full)) {
                    int refs2 = 0;
                    for (int p = 0; p < FILE_PAGES; p++) if (c2.pageKind(first + p) == PageKind.SOURCE) refs2++;
                    assertEquals(refs - 1, refs2, "a full checkpoint of the restored machine refers to the same pages (less the one written)");
                }
                rm.virtio().close();
            }
        }
        m.virtio().close();
    }

    private static int pageIndex(Machine m, long addr) {
        return m.memory().pageIndexOf(addr);
    }

    static List<Integer> range(int n) {
        List<Integer> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(i);
        return l;
    }
}
