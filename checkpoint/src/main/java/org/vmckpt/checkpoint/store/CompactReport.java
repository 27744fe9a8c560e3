package org.vmckpt.checkpoint.store;

/**
 * What one {@link Repository#compact} did.
 *
 * @param packsBelow         packs whose live share was under the threshold (candidates), whether or not this call reached them
 * @param packsCompacted     packs whose live units (all, or a first part within the bound) this call copied
 * @param packsDeleted       packs left unused by the rewritten manifests, deleted
 * @param unitsCopied        live units copied into the new pack
 * @param framesRead         frames of the old packs decoded to copy them
 * @param bytesWritten       size of the new pack (0 if none)
 * @param bytesFreed         size of the packs deleted
 * @param manifestsRewritten manifests pointed at the new pack
 */
public record CompactReport(int packsBelow, int packsCompacted, int packsDeleted, long unitsCopied, long framesRead,
                            long bytesWritten, long bytesFreed, int manifestsRewritten) {
    static final CompactReport NOTHING = new CompactReport(0, 0, 0, 0, 0, 0, 0, 0);

    /** Packs under the threshold this call did not reach (its bound), left for the next. */
    public int packsLeft() {
        return Math.max(0, packsBelow - packsCompacted);
    }
}
