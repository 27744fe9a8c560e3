package org.vmckpt.cli.qmp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What a finished checkpoint reports.
 *
 * @param id            the checkpoint's id (what {@code vmckpt-reset} takes)
 * @param sizeBytes     bytes the checkpoint added to the store
 * @param totalNanos    time from request to durable checkpoint
 * @param downtimeNanos time the guest was paused
 * @param pageCounts    pages by how they were handled, under the engine's statistic keys
 *                      ({@code org.vmckpt.checkpoint.store.Stats}: pages.saved, evict.zero, evict.free, ...)
 * @param notice        something the user did not ask for that happened (e.g. a full checkpoint instead of an
 *                      incremental one whose parent was deleted), or null
 */
public record CheckpointResult(String id, long sizeBytes, long totalNanos, long downtimeNanos,
                               Map<String, Long> pageCounts, String notice) {
    public CheckpointResult(String id, long sizeBytes, long totalNanos, long downtimeNanos, Map<String, Long> pageCounts) {
        this(id, sizeBytes, totalNanos, downtimeNanos, pageCounts, null);
    }

    public CheckpointResult {
        Objects.requireNonNull(id, "id");
        pageCounts = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(pageCounts, "pageCounts")));
    }
}
