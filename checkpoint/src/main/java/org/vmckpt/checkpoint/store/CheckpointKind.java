package org.vmckpt.checkpoint.store;

/**
 * Whether the capture side saved every page ({@code FULL}) or only what changed since a parent
 * ({@code INCREMENTAL}). Both kinds store a complete page table, so either restores on its own.
 */
public enum CheckpointKind {
    FULL(0),
    INCREMENTAL(1);

    final int code;

    CheckpointKind(int code) {
        this.code = code;
    }

    static CheckpointKind ofCode(int code) {
        for (CheckpointKind k : values()) {
            if (k.code == code) return k;
        }
        return null;
    }
}
