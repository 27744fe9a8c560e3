package org.vmckpt.cli;

import org.vmckpt.checkpoint.RepositorySettings;
import org.vmckpt.checkpoint.store.CheckpointNotFoundException;
import org.vmckpt.checkpoint.store.CompactReport;
import org.vmckpt.checkpoint.store.GcReport;
import org.vmckpt.checkpoint.store.Repository;

import java.io.IOException;
import java.util.ArrayDeque;

/**
 * {@code --keep-checkpoints N} with {@code --checkpoint-every}: after each periodic checkpoint, this session's periodic
 * checkpoints beyond the newest N are deleted and the space they alone used is freed ({@link Repository#gc()}), so a VM
 * checkpointed every second for hours holds a bounded repository. Only checkpoints this session's periodic timer made
 * are ever deleted: labelled or manual ones, and those of earlier sessions, are left alone.
 *
 * <p>Why deleting is safe while the series goes on: the next periodic checkpoint's parent is the newest one, which is
 * always kept, and an incremental checkpoint's manifest names every pack its pages live in, so {@code gc} keeps the
 * older packs the kept checkpoints still use. A checkpoint deleted meanwhile by hand is skipped.
 *
 * <p>Pack compaction ({@code -Dvmckpt.retention.compact}, off by default): a pack lives while any kept checkpoint uses
 * any unit in it, so pages the guest rarely rewrites kept old packs alive for a few units each and the repository crept
 * (round 68: 0.61 GB at 4 minutes, 1.21 GB at 58, for 10 checkpoints of a 1 GiB guest). With the switch, every
 * {@code -Dvmckpt.retention.compactEvery} calls (10) that deleted something, after the collection,
 * {@link Repository#compact} copies the used units of packs under half used into a new pack (the lowest shares first; at
 * most {@link Repository#COMPACT_MAX_UNITS} units copied and {@link Repository#COMPACT_MAX_FRAMES} frames read a call:
 * the bound on the work between two checkpoints of the series; {@code -Dvmckpt.retention.compactFrames} changes the
 * latter) and deletes what no checkpoint uses any more.
 */
final class PeriodicRetention {
    static final boolean COMPACT = Boolean.parseBoolean(System.getProperty("vmckpt.retention.compact", "false"));
    static final int COMPACT_EVERY = Math.max(1, Integer.getInteger("vmckpt.retention.compactEvery", 10));
    /** Frames a compaction call may decode ({@link Repository#COMPACT_MAX_FRAMES} by default): its CPU time's bound. */
    static final long COMPACT_FRAMES = Math.max(1, Long.getLong("vmckpt.retention.compactFrames", Repository.COMPACT_MAX_FRAMES));

    private final Repository repo;
    private final int keep;
    private final boolean compact;
    private final int compactEvery;
    private final ArrayDeque<String> series = new ArrayDeque<>();
    /** Calls that deleted something since the last compaction. */
    private int sinceCompaction;

    PeriodicRetention(Repository repo, int keep) {
        this(repo, keep, COMPACT, COMPACT_EVERY);
    }

    PeriodicRetention(Repository repo, int keep, boolean compact, int compactEvery) {
        if (keep < 1) throw new IllegalArgumentException("keep " + keep);
        if (compactEvery < 1) throw new IllegalArgumentException("compactEvery " + compactEvery);
        this.repo = repo;
        this.keep = keep;
        this.compact = compact;
        this.compactEvery = compactEvery;
    }

    /**
     * What one call of {@link #committed} did: checkpoints deleted, the space freed by the collection after them, and
     * the compaction's report (null if none ran).
     */
    record Pruned(int deleted, long bytesFreed, CompactReport compacted, long compactWallNanos, long compactCpuNanos) {
        Pruned(int deleted, long bytesFreed) {
            this(deleted, bytesFreed, null, 0, 0);
        }
    }

    /**
     * Records a periodic checkpoint just committed, deletes the oldest of the series beyond {@code keep} and frees their
     * space. A failure to delete or collect is thrown after the series is updated (the next call tries again).
     */
    Pruned committed(String id) throws IOException {
        series.addLast(id);
        int deleted = 0;
        while (series.size() > keep) {
            String old = series.peekFirst();
            try {
                repo.delete(old);
                deleted++;
            } catch (CheckpointNotFoundException gone) {
                // deleted by hand (vmckpt rm): nothing to do
            }
            series.removeFirst();
        }
        if (deleted == 0) return new Pruned(0, 0);
        GcReport r = repo.gc();
        if (!compact || ++sinceCompaction < compactEvery) return new Pruned(deleted, r.bytesFreed());
        sinceCompaction = 0;
        long wall0 = System.nanoTime();
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long cpu0 = mx.getCurrentThreadCpuTime();
        RepositorySettings rs = RepositorySettings.load(repo);
        CompactReport c = repo.compact(Repository.COMPACT_BELOW, Repository.COMPACT_SMALL_UNITS, Repository.COMPACT_MAX_UNITS, COMPACT_FRAMES,
                rs.codec(), rs.level());
        return new Pruned(deleted, r.bytesFreed(), c, System.nanoTime() - wall0, mx.getCurrentThreadCpuTime() - cpu0);
    }
}
