package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import org.vmckpt.machine.ConsoleBuffer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Page eviction on the real guest (issues 4 and 9). One boot of the default guest (512 MiB, disk, balloon, host
 * time), whose shell reads the disk's 200 MiB data file into the page cache, and a 32 MiB file from each of two
 * more disks as users make them (a plain mke2fs of 256 MiB, which gives 1 KiB blocks; 2 KiB blocks in a
 * partition at sector 63), and frees memory so the balloon gets free page reports. Then, in order:
 * <ol>
 *   <li>stop-and-copy checkpoints of the paused machine, with every eviction policy and with each switched
 *       off: evicted pages are absent from the pack, and eager and lazy restores reach the paused machine's
 *       state hash (FREE and ZERO pages come back as zeros, SOURCE pages as the disk's or the kernel's bytes);
 *       at least 90% of each layout file's pages refer to its disk;</li>
 *   <li>a checkpoint that asks the guest for free page hints, then writes into hinted pages: a hinted page
 *       written afterwards is saved as DATA, one left alone stays FREE;</li>
 *   <li>an incremental checkpoint of the guest running memdirty stores about the pages it changed.</li>
 * </ol>
 * The paused machine's state hash is the oracle throughout: the checkpoints are all taken with the VM
 * stopped and left stopped, so the hash at that moment is exactly what a restore must reproduce.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class LinuxEvictionTest {
    static final String MARKER = "VMCKPT-READY";
    static final long BOOT_TIMEOUT_MS = 60_000;
    static final long COMMAND_TIMEOUT_MS = 30_000;
    /** data.bin is 200 MiB: 51,200 blocks, nearly all of them in the page cache after it is read. */
    static final long DATA_FILE_PAGES_MIN = 40_000;
    /** Disks 1 and 2: layouts users bring, each holding a 32 MiB file the guest reads (issue 9). */
    static final String[] LAYOUTS = {"ext4 by a plain mke2fs of 256 MiB (1 KiB blocks)", "ext4 of 2 KiB blocks in a partition at sector 63"};
    static final int LAYOUT_FILE_PAGES = 8192;
    /** Pack file header and trailer (PackFormat), with room to spare. */
    static final long PACK_FIXED_OVERHEAD = 256;
    /** Per frame of 64 units: a 16-byte frame header and an 8-byte entry in the frame index (PackFormat). */
    static final long FRAME_OVERHEAD = 24;
    static final int UNITS_PER_FRAME = 64;

    Path dir;
    ConsoleBuffer console;
    Machine machine;
    FutureTask<Integer> run;
    Thread runThread;
    Repository repo;
    CheckpointEngine engine;
    long t0;

    /** Stop-and-copy, left paused, uncompressed (so sizes are page counts), full. */
    static final CheckpointOptions STOPPED = CheckpointOptions.defaults().withLive(false).withLeavePaused(true)
            .withCompression(Codec.NONE, 0);

    @BeforeAll
    void bootReadTheDataFileAndFreeMemory() throws Exception {
        t0 = System.nanoTime();
        dir = Files.createTempDirectory("vmckpt-eviction");
        DefaultGuest.Paths g = DefaultGuest.ensureBuilt(System.err);
        Path plain = layoutDisk("plain", null, "256M", false);
        Path partitioned = layoutDisk("part", "2048", "64M", true);
        MachineConfig config = new MachineConfig(512L << 20, g.kernel(), g.initrd(), g.cmdline(), null, null,
                List.of(new MachineConfig.DiskConfig(g.disk(), false), new MachineConfig.DiskConfig(plain, false),
                        new MachineConfig.DiskConfig(partitioned, false)), true, true, false);
        console = new ConsoleBuffer();
        machine = new Machine(config, console);
        machine.boot();
        run = new FutureTask<>(() -> machine.run(-1));
        runThread = new Thread(run, "linux-eviction-test-vm");
        runThread.setDaemon(true);
        runThread.start();
        int at = console.await(machine, MARKER, 0, BOOT_TIMEOUT_MS);
        log("marker");
        console.command(machine, "cat /mnt/data.bin > /dev/null; echo read-d''one", "read-done", COMMAND_TIMEOUT_MS);
        log("data.bin read");
        console.command(machine, "mkdir -p /m1 /m2 && mount -t ext4 /dev/vdb /m1 && mount -t ext4 /dev/vdc1 /m2 && "
                + "cat /m1/data.bin /m2/data.bin > /dev/null && echo layouts-d''one", "layouts-done", COMMAND_TIMEOUT_MS);
        log("the other layouts' files read");
        // Free page reporting: freeing a large allocation leaves high-order free blocks, reported about 2 s later.
        long reported = 0;
        for (int round = 0; round < 5 && reported == 0; round++) {
            console.command(machine, "dd if=/dev/zero of=/dev/null bs=32M count=2 2>/dev/null; echo dd-d''one-" + round,
                    "dd-done-" + round, COMMAND_TIMEOUT_MS);
            long until = System.nanoTime() + 4_000_000_000L;
            while (reported == 0 && System.nanoTime() < until) {
                Thread.sleep(200);
                reported = machine.callAtInstructionBoundary(() -> machine.virtio().balloon().pagesReported());
            }
        }
        assertTrue(reported > 0, "the balloon got no free page reports");
        log("free pages reported: " + reported);
        repo = Repository.open(dir.resolve("repo"), true);
        engine = new CheckpointEngine(machine, repo, null);
    }

    /**
     * An ext4 image holding a random {@code data.bin} of {@link #LAYOUT_FILE_PAGES} pages, made by mke2fs -d
     * (block size {@code blockSize}, or mke2fs's default for the size); {@code partitioned}: inside an MBR
     * partition starting at sector 63.
     */
    Path layoutDisk(String name, String blockSize, String size, boolean partitioned) throws Exception {
        Path src = Files.createDirectories(dir.resolve(name + "-src"));
        byte[] data = new byte[LAYOUT_FILE_PAGES * GuestMemory.PAGE_SIZE];
        new java.util.Random(name.hashCode()).nextBytes(data);
        Files.write(src.resolve("data.bin"), data);
        Path fs = dir.resolve(name + ".fs");
        List<String> cmd = new java.util.ArrayList<>(List.of("mke2fs", "-q", "-F", "-t", "ext4"));
        if (blockSize != null) cmd.addAll(List.of("-b", blockSize));
        cmd.addAll(List.of("-d", src.toString(), fs.toString(), size));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "mke2fs: " + out);
        if (!partitioned) return fs;
        byte[] part = Files.readAllBytes(fs);
        ByteBuffer mbr = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        mbr.position(446);
        mbr.put((byte) 0).put(new byte[3]).put((byte) 0x83).put(new byte[3]).putInt(63).putInt(part.length / 512);
        mbr.put(510, (byte) 0x55).put(511, (byte) 0xaa);
        Path img = dir.resolve(name + ".img");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(img, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(mbr.array()), 0);
            ch.write(ByteBuffer.wrap(part), 63 * 512);
        }
        Files.delete(fs);
        return img;
    }

    @AfterAll
    void shutDown() throws Exception {
        if (machine == null) return;
        if (run != null && !run.isDone()) {
            machine.requestExit(0);
            runThread.join(10_000);
        }
        machine.virtio().close();
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted((a, b) -> b.compareTo(a)).toList()) Files.deleteIfExists(p);
            }
        }
    }

    @Test
    @Order(1)
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void evictedPagesAreAbsentFromThePackAndComeBackOnRestore() throws Exception {
        CheckpointInfo all = checkpoint(STOPPED.withEviction(true, true, true).withLabel("all"));
        assertEquals(Machine.RunState.PAUSED, machine.runState(), "leavePaused leaves the VM paused");
        String paused = pausedHash();
        long zero = all.stat(Stats.EVICT_ZERO, -1), free = all.stat(Stats.EVICT_FREE, -1), disk = all.stat(Stats.EVICT_DISK, -1);
        long boot = all.stat(Stats.EVICT_BOOT, -1);
        long saved = all.stat(Stats.PAGES_SAVED, -1);
        System.out.printf("LinuxEvictionTest: all policies: zero %,d free %,d disk %,d boot files %,d data %,d; raw %,d B, pack %,d B%n",
                zero, free, disk, boot, saved, all.stat(Stats.BYTES_RAW, -1), all.stat(Stats.BYTES_PACK, -1));
        assertTrue(boot > 0, "kernel pages the guest never changed should refer to the kernel Image: " + boot);
        // The other layouts: at least 90% of each file's pages refer to its disk.
        try (Checkpoint c = repo.open(all.id())) {
            int[] perDisk = new int[machine.virtio().disks().size()];
            for (int i = 0; i < c.pageCount(); i++) {
                int s = c.pageSource(i);
                if (s >= PageOrigin.DISK_FIRST && s - PageOrigin.DISK_FIRST < perDisk.length) perDisk[s - PageOrigin.DISK_FIRST]++;
            }
            for (int d = 1; d < perDisk.length; d++) {
                System.out.printf("LinuxEvictionTest: disk %d (%s): %,d pages refer to it%n", d, LAYOUTS[d - 1], perDisk[d]);
                assertTrue(perDisk[d] >= LAYOUT_FILE_PAGES * 9 / 10, LAYOUTS[d - 1] + ": only " + perDisk[d] + " of the file's "
                        + LAYOUT_FILE_PAGES + " pages refer to the disk");
            }
        }
        assertTrue(disk >= DATA_FILE_PAGES_MIN, "the page cache of data.bin should be stored as disk block references: " + disk);
        assertTrue(free > 0, "pages the balloon was told are free should be FREE: " + free);
        assertTrue(zero > 0, "untouched and zero pages should be ZERO: " + zero);
        assertEquals(all.pageCount(), zero + free + disk + boot + saved, "every page is classified once");
        assertEquals(zero, all.stat(Stats.PAGES_ZERO, -1));
        assertEquals(free, all.stat(Stats.PAGES_FREE, -1));
        assertEquals(disk + boot, all.stat(Stats.PAGES_SOURCE, -1));
        assertEquals(saved, all.stat(Stats.PAGES_DATA, -1));
        assertOnlyDataInPack(all);
        long evictedBytes = (zero + free + disk + boot) * GuestMemory.PAGE_SIZE;
        assertTrue(all.stat(Stats.BYTES_PACK, -1) < evictedBytes,
                "the pack (" + all.stat(Stats.BYTES_PACK, -1) + " B) must be far below what the evicted pages would take (" + evictedBytes + " B)");

        for (boolean lazy : new boolean[]{false, true}) {
            assertEquals(paused, restoredHash(all.id(), lazy), (lazy ? "lazy" : "eager") + " restore differs from the paused machine");
        }
        log("all policies: checked and restored");

        // Each policy off in turn: its count is 0 and its pages move to where the next policy puts them.
        CheckpointInfo zeroOff = checkpoint(STOPPED.withEviction(false, true, true).withLabel("zero-off"));
        assertEquals(0, zeroOff.stat(Stats.EVICT_ZERO, -1));
        assertEquals(free, zeroOff.stat(Stats.EVICT_FREE, -1));
        // Zero pages go to the next policy: all-zero sectors read from a disk or loaded from the kernel are references.
        long zeroAsRefs = zeroOff.stat(Stats.EVICT_DISK, -1) + zeroOff.stat(Stats.EVICT_BOOT, -1) - disk - boot;
        assertTrue(zeroAsRefs >= 0 && zeroAsRefs < zero, "zero pages stored as references: " + zeroAsRefs);
        assertEquals(saved + zero - zeroAsRefs, zeroOff.stat(Stats.PAGES_SAVED, -1), "the other zero pages are stored as data");
        assertOnlyDataInPack(zeroOff);

        CheckpointInfo freeOff = checkpoint(STOPPED.withEviction(true, false, true).withLabel("free-off"));
        assertEquals(0, freeOff.stat(Stats.EVICT_FREE, -1));
        assertEquals(zero + free, freeOff.stat(Stats.EVICT_ZERO, -1), "with zero eviction on, the free pages (zeros) are ZERO");
        assertEquals(saved, freeOff.stat(Stats.PAGES_SAVED, -1));

        CheckpointInfo zeroFreeOff = checkpoint(STOPPED.withEviction(false, false, true).withLabel("zero-free-off"));
        assertEquals(0, zeroFreeOff.stat(Stats.EVICT_FREE, -1));
        assertEquals(0, zeroFreeOff.stat(Stats.EVICT_ZERO, -1));
        assertEquals(saved + zero + free - zeroAsRefs, zeroFreeOff.stat(Stats.PAGES_SAVED, -1), "free and zero pages (but references) are stored as data");
        assertOnlyDataInPack(zeroFreeOff);

        CheckpointInfo diskOff = checkpoint(STOPPED.withEviction(true, true, false).withLabel("disk-off"));
        assertEquals(0, diskOff.stat(Stats.EVICT_DISK, -1));
        assertEquals(zero, diskOff.stat(Stats.EVICT_ZERO, -1));
        assertEquals(free, diskOff.stat(Stats.EVICT_FREE, -1));
        assertEquals(saved + disk + boot, diskOff.stat(Stats.PAGES_SAVED, -1), "page-cache and boot-file pages are stored as data");
        assertOnlyDataInPack(diskOff);
        assertTrue(diskOff.stat(Stats.BYTES_PACK, -1) - all.stat(Stats.BYTES_PACK, -1) >= disk * GuestMemory.PAGE_SIZE,
                "the pack grows by the page-cache pages");
        assertEquals(paused, restoredHash(diskOff.id(), false), "restore of the checkpoint without disk eviction");
        System.out.printf("LinuxEvictionTest: pack bytes: all %,d, zero off %,d, zero+free off %,d, disk off %,d%n",
                all.stat(Stats.BYTES_PACK, -1), zeroOff.stat(Stats.BYTES_PACK, -1), zeroFreeOff.stat(Stats.BYTES_PACK, -1),
                diskOff.stat(Stats.BYTES_PACK, -1));

        assertEquals(paused, pausedHash(), "the VM stayed paused through all the checkpoints");
        log("policies off: checked");
    }

    @Test
    @Order(2)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aPageWrittenAfterAFreePageHintIsSaved() throws Exception {
        machine.requestResume();
        console.command(machine, "echo resu''med", "resumed", COMMAND_TIMEOUT_MS);
        CheckpointInfo hint = checkpoint(STOPPED.withHintFree(true).withLabel("hint"));
        VirtioBalloon balloon = machine.virtio().balloon();
        BitSet hinted = machine.callAtInstructionBoundary(balloon::hintedFreePages);
        System.out.printf("LinuxEvictionTest: hint round: %,d pages hinted (state %s); checkpoint: free %,d zero %,d data %,d%n",
                hinted.cardinality(), machine.callAtInstructionBoundary(balloon::freePageHintState),
                hint.stat(Stats.EVICT_FREE, -1), hint.stat(Stats.EVICT_ZERO, -1), hint.stat(Stats.PAGES_SAVED, -1));
        assertTrue(hinted.cardinality() > 0, "the guest hinted no free pages");
        GuestMemory mem = machine.memory();
        int reused = assertHintedPagesSaved(hint, hinted);
        int p = -1, q = -1;
        for (int i = hinted.nextSetBit(0); i >= 0 && q < 0; i = hinted.nextSetBit(i + 1)) {
            if (mem.peekPage(i) != null) continue; // the VM is paused: nothing changes memory
            if (p < 0) p = i;
            else q = i;
        }
        System.out.printf("LinuxEvictionTest: %,d hinted pages written by the guest before the freeze%n", reused);
        assertTrue(p >= 0 && q >= 0, "need two hinted pages still discarded");

        // The "guest" writes P after the hint round; Q stays as hinted.
        long pAddr = mem.base() + (long) p * GuestMemory.PAGE_SIZE;
        long qAddr = mem.base() + (long) q * GuestMemory.PAGE_SIZE;
        long value = 0x5eed_0000_0000_0000L | p;
        machine.callAtInstructionBoundary(() -> { mem.write64(pAddr + 8, value); return null; });
        String paused = pausedHash();
        CheckpointInfo after = checkpoint(STOPPED.withLabel("after-hint-write"));
        assertEquals(hint.stat(Stats.EVICT_FREE, -1) - 1, after.stat(Stats.EVICT_FREE, -1), "P is no longer free");
        assertEquals(hint.stat(Stats.PAGES_SAVED, -1) + 1, after.stat(Stats.PAGES_SAVED, -1), "P is saved");
        try (Checkpoint c = repo.open(after.id())) {
            byte[] buf = new byte[GuestMemory.PAGE_SIZE];
            assertEquals(PageKind.DATA, c.readPage(p, buf), "the page written after the hint");
            byte[] expected = new byte[GuestMemory.PAGE_SIZE];
            ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).putLong(8, value);
            assertArrayEquals(expected, buf, "P's saved contents");
            assertEquals(PageKind.FREE, c.pageKind(q), "the hinted page nobody wrote");
        }
        try (Checkpoint c = repo.open(after.id())) {
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
            try {
                GuestMemory rm = r.machine().memory();
                assertEquals(value, rm.read64(pAddr + 8));
                for (long off = 0; off < GuestMemory.PAGE_SIZE; off += 8) {
                    if (off != 8) assertEquals(0, rm.read64(pAddr + off), "P elsewhere");
                    assertEquals(0, rm.read64(qAddr + off), "Q reads as zeros");
                }
                assertEquals(paused, HexFormat.of().formatHex(r.machine().stateHash()));
            } finally {
                r.machine().virtio().close();
            }
        }
        log("hint: written by the host, checked");

        // The guest itself takes hinted pages back (the hint round ended with DONE) and writes them. The buddy
        // allocator splits its smaller free blocks first; the hinted ones are 4 MiB blocks, so allocate plenty.
        BitSet hintedNotP = (BitSet) hinted.clone();
        hintedNotP.clear(p);
        machine.requestResume();
        console.command(machine, "memdirty 128 0 60000 &", "memdirty ready", COMMAND_TIMEOUT_MS);
        CheckpointInfo guestWrote = checkpoint(STOPPED.withLabel("guest-wrote-hinted"));
        int written = assertHintedPagesSaved(guestWrote, hintedNotP);
        System.out.printf("LinuxEvictionTest: %,d hinted pages written by the guest since the hint%n", written);
        assertTrue(written > 0, "memdirty's 128 MiB should take some of the hinted pages");
        assertEquals(pausedHash(), restoredHash(guestWrote.id(), true), "lazy restore after the guest wrote hinted pages");
        machine.requestResume();
        console.command(machine, "kill $!; wait $!; echo kil''led", "killed", COMMAND_TIMEOUT_MS);
        log("hint: written by the guest, checked");
    }

    @Test
    @Order(3)
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void anIncrementalCheckpointStoresAboutThePagesWrittenSinceItsParent() throws Exception {
        machine.requestResume();
        console.command(machine, "memdirty 64 10 1000 & echo start''ed", "memdirty ready", COMMAND_TIMEOUT_MS);
        CheckpointInfo parent = checkpoint(STOPPED.withLabel("memdirty-parent"));
        long[] before = pageHashes();
        machine.requestResume();
        Thread.sleep(2_000);
        CheckpointInfo child = checkpoint(STOPPED.withIncremental(true).withLabel("memdirty-child"));
        assertEquals(parent.id(), child.parentId());
        long[] after = pageHashes();
        // Pages whose contents changed to something non-zero must be stored; pages that became zero or free
        // (memory the guest freed and reported) are evicted, so they are not counted.
        long changed = 0, cleared = 0;
        for (int i = 0; i < before.length; i++) {
            if (before[i] == after[i]) continue;
            if (after[i] != 0) changed++;
            else cleared++;
        }
        long raw = child.stat(Stats.BYTES_RAW, -1);
        double ratio = (double) raw / (changed * GuestMemory.PAGE_SIZE);
        String report = String.format("incremental: %,d pages changed to new non-zero contents since the parent (%,d more became zero), "
                        + "bytes.raw %,d (%,d pages saved, %,d unchanged, %,d overlay blocks), ratio %.3f",
                changed, cleared, raw, child.stat(Stats.PAGES_SAVED, -1), child.stat(Stats.PAGES_UNCHANGED, -1),
                child.stat(Stats.DISK_DATA_NEW, 0), ratio);
        System.out.println("LinuxEvictionTest: " + report);
        assertTrue(changed > 1000, "memdirty should have changed thousands of pages: " + report);
        assertTrue(ratio <= 1.1, report);
        assertEquals(pausedHash(), restoredHash(child.id(), true), "lazy restore of the incremental checkpoint");
        log("incremental: checked");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    CheckpointInfo checkpoint(CheckpointOptions opt) throws Exception {
        long packsBefore = packBytesOnDisk();
        CheckpointInfo info = engine.checkpoint(opt, null).info();
        long written = packBytesOnDisk() - packsBefore;
        assertEquals(info.stat(Stats.BYTES_PACK, -1), written, "bytes.pack is the size of the pack file written");
        return info;
    }

    /**
     * Hinted pages of the paused machine: those still discarded must be FREE, those written since (non-zero)
     * must be saved with their contents. Returns how many were written.
     */
    int assertHintedPagesSaved(CheckpointInfo info, BitSet hinted) throws Exception {
        GuestMemory mem = machine.memory();
        int written = 0;
        try (Checkpoint c = repo.open(info.id())) {
            byte[] buf = new byte[GuestMemory.PAGE_SIZE];
            byte[] block = new byte[GuestMemory.PAGE_SIZE];
            for (int i = hinted.nextSetBit(0); i >= 0; i = hinted.nextSetBit(i + 1)) {
                byte[] page = mem.peekPage(i); // the VM is paused: nothing changes memory
                if (page == null) {
                    assertEquals(PageKind.FREE, c.pageKind(i), info.label() + ": hinted page " + i + ", still discarded");
                } else if (!GuestMemory.isZeroPage(page)) {
                    written++;
                    PageKind kind = c.readPage(i, buf);
                    int src = c.pageSource(i);
                    assertTrue(kind == PageKind.DATA || kind == PageKind.SOURCE && src >= PageOrigin.DISK_FIRST && src - PageOrigin.DISK_FIRST < 3,
                            info.label() + ": hinted page " + i + " written since: " + kind);
                    if (kind == PageKind.SOURCE) {
                        machine.virtio().disks().get(c.pageSource(i) - PageOrigin.DISK_FIRST).readBase(c.pageSourceSector(i) * 512, block);
                    }
                    assertArrayEquals(page, kind == PageKind.DATA ? buf : block, info.label() + ": contents of hinted page " + i + " written since");
                }
            }
        }
        return written;
    }

    /** With no compression, the pack holds exactly the DATA units: their bytes, frame headers and a fixed header/trailer. */
    static void assertOnlyDataInPack(CheckpointInfo info) {
        long units = info.stat(Stats.PAGES_SAVED, -1) + info.stat(Stats.DISK_DATA_NEW, 0);
        long raw = info.stat(Stats.BYTES_RAW, -1);
        long pack = info.stat(Stats.BYTES_PACK, -1);
        assertEquals(units * GuestMemory.PAGE_SIZE, raw, "bytes.raw counts the DATA pages and overlay blocks");
        long frames = (units + UNITS_PER_FRAME - 1) / UNITS_PER_FRAME;
        assertTrue(pack >= raw && pack <= raw + frames * FRAME_OVERHEAD + PACK_FIXED_OVERHEAD,
                info.label() + ": pack " + pack + " B for " + units + " units (" + raw + " B raw)");
    }

    long packBytesOnDisk() throws IOException {
        try (Stream<Path> s = Files.list(dir.resolve("repo").resolve("packs"))) {
            long sum = 0;
            for (Path p : s.toList()) sum += Files.size(p);
            return sum;
        }
    }

    String pausedHash() throws Exception {
        assertEquals(Machine.RunState.PAUSED, machine.runState());
        return HexFormat.of().formatHex(machine.callAtInstructionBoundary(machine::stateHash));
    }

    String restoredHash(String id, boolean lazy) throws Exception {
        try (Checkpoint c = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, lazy, null);
            try {
                return HexFormat.of().formatHex(r.machine().stateHash());
            } finally {
                r.machine().virtio().close();
            }
        }
    }

    /** A 64-bit content hash of every page of the paused machine (0 for untouched pages). */
    long[] pageHashes() throws Exception {
        assertEquals(Machine.RunState.PAUSED, machine.runState());
        return machine.callAtInstructionBoundary(() -> {
            GuestMemory mem = machine.memory();
            long[] h = new long[mem.pageCount()];
            for (int i = 0; i < h.length; i++) {
                byte[] p = mem.peekPage(i);
                if (p == null || GuestMemory.isZeroPage(p)) continue;
                ByteBuffer b = ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN);
                long x = 0x9E3779B97F4A7C15L;
                for (int k = 0; k < GuestMemory.PAGE_SIZE; k += 8) x = Long.rotateLeft(x ^ b.getLong(k), 27) * 0xBF58476D1CE4E5B9L;
                h[i] = x | 1; // never 0, the hash of a zero page
            }
            return h;
        });
    }

    void log(String what) {
        System.out.printf("LinuxEvictionTest: %s at %.1f s%n", what, (System.nanoTime() - t0) / 1e9);
    }
}
