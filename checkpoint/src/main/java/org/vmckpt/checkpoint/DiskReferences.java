package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.machine.device.virtio.DiskOverlay;
import org.vmckpt.machine.memory.PageOrigin;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that everything a checkpoint says about disks lies inside them: overlay blocks inside their disk,
 * pages stored as "equal to disk block N" inside disk 0, pages stored as references to a disk's sectors inside that disk. A manifest can pass its checksum and still say
 * otherwise (written by a buggy or hostile tool); verify reports it and restore refuses it, by name.
 */
public final class DiskReferences {
    private DiskReferences() { }

    /**
     * What is wrong, or an empty list.
     *
     * @param diskBlocks 4 KiB blocks of each disk, by disk number; -1 for a disk whose size is unknown; null if
     *                   not even the number of disks is known (nothing is checked then)
     */
    public static List<String> problems(Checkpoint ckpt, long[] diskBlocks) {
        List<String> out = new ArrayList<>();
        if (diskBlocks == null) return out;
        for (Extent e : ckpt.diskExtents()) {
            int d = CheckpointPages.diskOf(e.start());
            long first = CheckpointPages.blockOf(e.start());
            long last = CheckpointPages.blockOf(e.end() - 1);
            if (d >= diskBlocks.length || CheckpointPages.diskOf(e.end() - 1) != d) {
                out.add("checkpoint " + ckpt.id() + ": overlay blocks for disk " + d + ", but the checkpoint has "
                        + diskBlocks.length + " disk" + (diskBlocks.length == 1 ? "" : "s"));
            } else if (diskBlocks[d] >= 0 && last >= diskBlocks[d]) {
                out.add("checkpoint " + ckpt.id() + ": overlay blocks " + first + ".." + last + " of disk " + d
                        + " lie past the disk's end (it has " + diskBlocks[d] + " blocks of 4 KiB)");
            }
        }
        for (Extent e : ckpt.pageExtents()) {
            if (e.kind() == PageKind.SOURCE && PageSources.isDisk(e.source())) {
                int d = e.source() - PageOrigin.DISK_FIRST;
                long lastSector = e.firstDiskBlock() + e.length() * PageOrigin.SECTORS_PER_PAGE - 1;
                if (d >= diskBlocks.length) {
                    out.add("checkpoint " + ckpt.id() + ": pages " + e.start() + ".." + (e.end() - 1) + " refer to disk " + d + ", but the checkpoint has "
                            + diskBlocks.length + " disk" + (diskBlocks.length == 1 ? "" : "s"));
                } else if (diskBlocks[d] >= 0 && lastSector / PageOrigin.SECTORS_PER_PAGE >= diskBlocks[d]) {
                    out.add("checkpoint " + ckpt.id() + ": pages " + e.start() + ".." + (e.end() - 1) + " refer to sectors "
                            + e.firstDiskBlock() + ".." + lastSector + " of disk " + d + ", past its end (it has " + diskBlocks[d] + " blocks of 4 KiB)");
                }
                continue;
            }
            if (e.kind() != PageKind.DISK_BLOCK) continue;
            long last = e.firstDiskBlock() + e.length() - 1;
            if (diskBlocks.length == 0) {
                out.add("checkpoint " + ckpt.id() + ": pages " + e.start() + ".." + (e.end() - 1) + " refer to disk blocks, but the checkpoint has no disk");
            } else if (e.firstDiskBlock() < 0 || (diskBlocks[0] >= 0 && last >= diskBlocks[0])) {
                out.add("checkpoint " + ckpt.id() + ": pages " + e.start() + ".." + (e.end() - 1) + " refer to blocks "
                        + e.firstDiskBlock() + ".." + last + " of disk 0, past its end (it has " + diskBlocks[0] + " blocks of 4 KiB)");
            }
        }
        return out;
    }

    /**
     * Block counts of the checkpoint's disk images as they are now (-1 for one that is missing or not a file), or
     * null if its configuration does not say how many disks it had.
     */
    public static long[] imageBlocks(Checkpoint ckpt) {
        int n;
        try {
            n = Integer.parseInt(ckpt.config().get("disks"));
        } catch (NumberFormatException e) {
            return null;
        }
        n = Math.max(0, Math.min(n, 64));
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = -1;
            String path = ckpt.config().get("disk." + i + ".path");
            if (path == null) continue;
            try {
                Path p = Path.of(path);
                if (Files.isRegularFile(p)) out[i] = (Files.size(p) + DiskOverlay.BLOCK_SIZE - 1) / DiskOverlay.BLOCK_SIZE;
            } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                // unknown size: not checked here (restore checks against the image it opens)
            }
        }
        return out;
    }
}
