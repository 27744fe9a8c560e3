package org.vmckpt.cli;

import org.vmckpt.checkpoint.MachineDescription;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.StateRecord;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * What differs between two checkpoints of one machine, by contents: the guest pages, the state records and
 * the disk overlay blocks whose contents are not the same (as crit's and Firecracker's snapshot-editor's
 * diffs do). Pages are compared by what a restore would put in memory: a ZERO and a FREE page are both zeros
 * and equal; a DISK_BLOCK page reads its block of the first disk's base image.
 */
final class CheckpointDiff {
    /** Runs of consecutive page indexes or block numbers, each {start, length}, in order. */
    record Runs(List<long[]> runs, long count) {
        static Runs of(List<Long> sorted) {
            List<long[]> out = new ArrayList<>();
            for (long v : sorted) {
                long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
                if (last != null && last[0] + last[1] == v) last[1]++;
                else out.add(new long[]{v, 1});
            }
            return new Runs(out, sorted.size());
        }
    }

    /** Records present in both with other contents or versions, and those present in only one. */
    record Records(List<String> changed, List<String> onlyA, List<String> onlyB, int total) {
        int count() {
            return changed.size() + onlyA.size() + onlyB.size();
        }
    }

    /** Overlay blocks key the disk in their high bits (as org.vmckpt.checkpoint.CheckpointPages does). */
    static final int DISK_SHIFT = 48;

    final long pageCount;
    final Runs pages;
    final Records records;
    final Runs diskBlocks;

    private CheckpointDiff(long pageCount, Runs pages, Records records, Runs diskBlocks) {
        this.pageCount = pageCount;
        this.pages = pages;
        this.records = records;
        this.diskBlocks = diskBlocks;
    }

    /**
     * Compares {@code a} with {@code b}.
     *
     * @throws CommandFailedException if they are checkpoints of different machines (other memory size or disks)
     */
    static CheckpointDiff of(Checkpoint a, Checkpoint b) throws IOException, CommandFailedException {
        List<String> machine = MachineDescription.differences(a.config(), b.config());
        String disk0 = a.config().get("disk.0.sha256");
        if (disk0 != null && !disk0.equals(b.config().get("disk.0.sha256"))) machine.add("disk 0 has another base image");
        if (!machine.isEmpty() || a.pageCount() != b.pageCount()) {
            throw new CommandFailedException("checkpoints " + Units.shortId(a.id()) + " and " + Units.shortId(b.id())
                    + " are of different machines (" + (machine.isEmpty() ? "memory size" : String.join("; ", machine))
                    + "); diff compares checkpoints of one machine");
        }
        Path baseImage = disk0 == null ? null : Path.of(a.config().get("disk.0.path"));
        return new CheckpointDiff(a.pageCount(), pages(a, b, baseImage), records(a, b), diskBlocks(a, b));
    }

    private static Runs pages(Checkpoint a, Checkpoint b, Path baseImage) throws IOException {
        byte[] pa = new byte[4096], pb = new byte[4096];
        List<Long> differ = new ArrayList<>();
        try (FileChannel base = baseImage == null ? null : FileChannel.open(baseImage, StandardOpenOption.READ)) {
            for (int i = 0; i < a.pageCount(); i++) {
                PageKind ka = a.pageKind(i), kb = b.pageKind(i);
                if (zeros(ka) && zeros(kb)) continue;
                if (ka == PageKind.DISK_BLOCK && kb == PageKind.DISK_BLOCK && a.pageDiskBlock(i) == b.pageDiskBlock(i)) continue;
                read(a, i, pa, base);
                read(b, i, pb, base);
                if (!Arrays.equals(pa, pb)) differ.add((long) i);
            }
        }
        return Runs.of(differ);
    }

    private static boolean zeros(PageKind k) {
        return k == PageKind.ZERO || k == PageKind.FREE;
    }

    /** Page {@code i} as a restore would load it. */
    private static void read(Checkpoint c, int i, byte[] dst, FileChannel base) throws IOException {
        if (c.readPage(i, dst) != PageKind.DISK_BLOCK) return;
        if (base == null) throw new IOException("checkpoint " + Units.shortId(c.id()) + " refers to a disk block but has no disk");
        Arrays.fill(dst, (byte) 0); // past the end of the image reads as zeros, as the machine reads it
        ByteBuffer buf = ByteBuffer.wrap(dst);
        long at = c.pageDiskBlock(i) * 4096;
        while (buf.hasRemaining()) {
            int n = base.read(buf, at + buf.position());
            if (n < 0) break;
        }
    }

    private static Records records(Checkpoint a, Checkpoint b) {
        List<String> changed = new ArrayList<>(), onlyA = new ArrayList<>(), onlyB = new ArrayList<>();
        TreeSet<String> names = new TreeSet<>(a.records().keySet());
        names.addAll(b.records().keySet());
        for (String n : names) {
            StateRecord ra = a.records().get(n), rb = b.records().get(n);
            if (rb == null) onlyA.add(n);
            else if (ra == null) onlyB.add(n);
            else if (!ra.equals(rb)) changed.add(n);
        }
        return new Records(changed, onlyA, onlyB, names.size());
    }

    /** Overlay blocks (keys: disk index in the high bits) whose contents differ; a block absent from an overlay is the base image's. */
    private static Runs diskBlocks(Checkpoint a, Checkpoint b) throws IOException {
        TreeSet<Long> keys = new TreeSet<>();
        for (Checkpoint c : new Checkpoint[]{a, b}) {
            for (Extent e : c.diskExtents()) for (long k = e.start(); k < e.end(); k++) keys.add(k);
        }
        byte[] da = new byte[4096], db = new byte[4096];
        List<Long> differ = new ArrayList<>();
        for (long k : keys) {
            PageKind ka = a.readDiskBlock(k, da), kb = b.readDiskBlock(k, db);
            if (ka == null || kb == null) {
                differ.add(k); // in one overlay only: written after (or before) the other checkpoint
            } else if (!Arrays.equals(da, db)) {
                differ.add(k);
            }
        }
        return Runs.of(differ);
    }

    static int diskOf(long key) {
        return (int) (key >>> DISK_SHIFT);
    }

    static long blockOf(long key) {
        return key & ((1L << DISK_SHIFT) - 1);
    }
}
