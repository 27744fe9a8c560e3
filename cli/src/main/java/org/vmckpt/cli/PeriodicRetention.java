package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CheckpointNotFoundException;
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
 */
final class PeriodicRetention {
    private final Repository repo;
    private final int keep;
    private final ArrayDeque<String> series = new ArrayDeque<>();

    PeriodicRetention(Repository repo, int keep) {
        if (keep < 1) throw new IllegalArgumentException("keep " + keep);
        this.repo = repo;
        this.keep = keep;
    }

    /** What one call of {@link #committed} did: checkpoints deleted and the space freed by the collection after them. */
    record Pruned(int deleted, long bytesFreed) { }

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
        return new Pruned(deleted, r.bytesFreed());
    }
}
