package org.vmckpt.cli.qmp;

import java.util.Objects;

/**
 * What a finished {@code vmckpt-reset} reports.
 *
 * @param checkpointId  the checkpoint the VM was rolled back to
 * @param pagesRestored guest pages that had to be restored (those written since the checkpoint)
 * @param totalNanos    time the reset took (the VM is paused throughout)
 */
public record ResetResult(String checkpointId, long pagesRestored, long totalNanos) {
    public ResetResult {
        Objects.requireNonNull(checkpointId, "checkpointId");
    }
}
