package org.vmckpt.checkpoint.store;

import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The description of a stored checkpoint: what {@code list} and {@code inspect} show without touching
 * page data.
 *
 * @param id        16 lower-case hex digits, assigned when the checkpoint was begun
 * @param label     the optional name, or {@code null}
 * @param parentId  the parent's id for an incremental checkpoint, else {@code null}. The parent may have
 *                  been deleted since: a checkpoint never needs its parent to be restored.
 * @param created   when the checkpoint was begun
 * @param kind      full or incremental
 * @param mode      stop or live
 * @param pageCount guest RAM pages
 * @param stats     counts, sizes and timings; keys are listed in {@link Stats}, plus whatever the capture
 *                  side set with {@link CheckpointWriter#setStat}
 */
public record CheckpointInfo(String id, String label, String parentId, Instant created, CheckpointKind kind,
                             CaptureMode mode, int pageCount, Map<String, Long> stats) {
    public CheckpointInfo {
        stats = Collections.unmodifiableMap(new TreeMap<>(stats));
    }

    /** A stat, or {@code missing} if this checkpoint does not have it. */
    public long stat(String key, long missing) {
        Long v = stats.get(key);
        return v == null ? missing : v;
    }
}
