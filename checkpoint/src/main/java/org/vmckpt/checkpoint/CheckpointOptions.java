package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Codec;

/**
 * How to take one checkpoint.
 *
 * @param label        optional name
 * @param live         pause only to freeze state, save memory while the guest runs (else stop-and-copy)
 * @param incremental  store only pages written since the parent (the previous checkpoint of this VM)
 * @param leavePaused  leave the VM paused after the checkpoint (not stop-and-copy: that is {@code live} false)
 * @param evictZero    store all-zero pages as a kind, not as data
 * @param evictFree    store pages the guest reported free (balloon) as a kind
 * @param evictDisk    store pages equal to a base-image disk block as a reference to the block
 * @param hintFree     ask the guest for free page hints before freezing (virtio-balloon free page hinting)
 * @param codec        compression of page data
 * @param level        compression level
 */
public record CheckpointOptions(String label, boolean live, boolean incremental, boolean leavePaused,
                                boolean evictZero, boolean evictFree, boolean evictDisk, boolean hintFree,
                                Codec codec, int level) {
    /** Live, full, every eviction policy, zstd at the default level ({@link Codec#DEFAULT_ZSTD_LEVEL}: 3). */
    public static CheckpointOptions defaults() {
        return new CheckpointOptions(null, true, false, false, true, true, true, false, Codec.ZSTD, Codec.DEFAULT_ZSTD_LEVEL);
    }

    /** The baseline, like Xen's default save: stop, copy everything uncompressed, no eviction. */
    public static CheckpointOptions baseline() {
        return new CheckpointOptions(null, false, false, false, false, false, false, false, Codec.NONE, 0);
    }

    public CheckpointOptions withLabel(String l) {
        return new CheckpointOptions(l, live, incremental, leavePaused, evictZero, evictFree, evictDisk, hintFree, codec, level);
    }

    public CheckpointOptions withLive(boolean v) {
        return new CheckpointOptions(label, v, incremental, leavePaused, evictZero, evictFree, evictDisk, hintFree, codec, level);
    }

    public CheckpointOptions withIncremental(boolean v) {
        return new CheckpointOptions(label, live, v, leavePaused, evictZero, evictFree, evictDisk, hintFree, codec, level);
    }

    public CheckpointOptions withLeavePaused(boolean v) {
        return new CheckpointOptions(label, live, incremental, v, evictZero, evictFree, evictDisk, hintFree, codec, level);
    }

    public CheckpointOptions withEviction(boolean zero, boolean free, boolean disk) {
        return new CheckpointOptions(label, live, incremental, leavePaused, zero, free, disk, hintFree, codec, level);
    }

    public CheckpointOptions withHintFree(boolean v) {
        return new CheckpointOptions(label, live, incremental, leavePaused, evictZero, evictFree, evictDisk, v, codec, level);
    }

    public CheckpointOptions withCompression(Codec c, int l) {
        return new CheckpointOptions(label, live, incremental, leavePaused, evictZero, evictFree, evictDisk, hintFree, c, l);
    }
}
