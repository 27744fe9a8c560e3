package org.vmckpt.cli.qmp;

/** Receives a running checkpoint's progress. Cheap to call often, from any thread. */
@FunctionalInterface
public interface ProgressSink {
    /**
     * @param phase      what the checkpoint is doing now, e.g. "pause", "devices", "memory", "sync"
     * @param bytes      bytes written so far
     * @param pages      guest pages handled so far
     * @param totalPages guest pages to handle in all (0 if not known yet)
     */
    void progress(String phase, long bytes, long pages, long totalPages);
}
