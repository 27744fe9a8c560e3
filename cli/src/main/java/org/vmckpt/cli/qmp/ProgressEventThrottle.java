package org.vmckpt.cli.qmp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a checkpoint's progress calls into VMCKPT_CHECKPOINT_PROGRESS events, at most one per interval
 * (the first call always gets through). A checkpointer may call it for every page; clients see ~10 events a
 * second. Calls after {@link #close()} are ignored, so a stray saver thread cannot report on a finished checkpoint.
 */
final class ProgressEventThrottle implements ProgressSink {
    private final VmEventSink events;
    private final long minIntervalNanos;
    private boolean emittedAny;
    private long lastEmitNanos;
    private boolean closed;

    ProgressEventThrottle(VmEventSink events, long minIntervalNanos) {
        this.events = events;
        this.minIntervalNanos = minIntervalNanos;
    }

    @Override
    public synchronized void progress(String phase, long bytes, long pages, long totalPages) {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        if (emittedAny && now - lastEmitNanos < minIntervalNanos) {
            return;
        }
        emittedAny = true;
        lastEmitNanos = now;
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("phase", phase);
        data.put("bytes", bytes);
        data.put("pages", pages);
        data.put("total-pages", totalPages);
        events.emit(VmEventSink.CHECKPOINT_PROGRESS, data);
    }

    synchronized void close() {
        closed = true;
    }
}
