package org.vmckpt.cli.qmp;

/**
 * A checkpoint request refused because another is still running. Unlike other failures it does not produce a
 * VMCKPT_CHECKPOINT_FAILED event: the running checkpoint is unaffected.
 */
public final class CheckpointBusyException extends Exception {
    private static final long serialVersionUID = 1L;

    public CheckpointBusyException(String message) {
        super(message);
    }
}
