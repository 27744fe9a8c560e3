package org.vmckpt.checkpoint.store;

/** Told how far a long operation (commit, verify) has come. Called on the thread that runs the operation. */
@FunctionalInterface
public interface ProgressListener {
    /** A listener that ignores progress. */
    ProgressListener NONE = (phase, done, total) -> { };

    /**
     * @param phase what is being done, for example {@code "commit"} or {@code "verify"}
     * @param done  units of work finished so far (frames)
     * @param total units of work in this phase
     */
    void progress(String phase, long done, long total);
}
