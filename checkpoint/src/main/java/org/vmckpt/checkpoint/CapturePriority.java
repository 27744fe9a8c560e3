package org.vmckpt.checkpoint;

/**
 * The guest's thread put ahead of every other thread of the host for a live checkpoint's capture, and back right after
 * it ({@link CheckpointEngine#setCapturePriority}; none by default). The engine raises the thread on the checkpoint's
 * thread just before it asks the run loop for an instruction boundary, so the raised thread also wins the core when
 * the request wakes it; the run thread lowers itself inside the boundary's task, right after the capture and before
 * the guest runs on. Why: on a two-core host the capture's few hundred microseconds of CPU were, in the later live
 * checkpoints that paused over 1 ms, spread over 1-3 ms of wall time while the scheduler ran other threads of this
 * process (the JIT's compilers, the translator, the collector's and the saver's threads) on both cores (round 67,
 * round 68: docs/BENCHMARKS.md). The implementation lives where the native helper does (the command line's).
 */
public interface CapturePriority {
    /**
     * Puts host thread {@code tid} (the guest's) ahead of the others; returns whether it did, in which case exactly one
     * {@link #lower} for it follows. Called off the guest's thread, before the pause.
     */
    boolean raise(long tid);

    /**
     * Puts host thread {@code tid} back as it was before {@link #raise}. Called on that thread, inside the guest's pause
     * (or on the checkpoint's thread if the run loop ended before it took the request; the thread is gone then): it must
     * not block or allocate in the normal case.
     */
    void lower(long tid);
}
