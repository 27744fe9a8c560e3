package org.vmckpt.checkpoint.migration;

/**
 * What a migration's source would otherwise allocate as it starts, made before it: its two frame encoders (the rounds'
 * and post-copy's requests', {@link PageFrames}, about 1.1 MiB each), its state digest (a CRC per page, 1 MiB for
 * 1 GiB of guest) and its table of the copies it sent (a reference per page, {@link MigrationSource}'s delta bases).
 *
 * <p>Why: made at {@code migrate}, these ~4 MiB are in the collector's young generation (-Xmn16m) for the whole
 * migration, and its first young collection copies them into the old generation: a longer pause of the guest, on the
 * host's two cores, during the rounds (docs/BENCHMARKS.md, rounds 56 and 57). A VM started with migration credentials
 * (or {@code --insecure}) is expected to migrate: its parts are made as it starts, with its copy-on-write spares
 * ({@code SparePages}), and promoted while it boots.
 *
 * <p>Parts go to one migration only ({@link MigrationSource}'s constructor; the caller hands them over once): a
 * migration's encoders count what they sent and keep a zstd stream, and its table holds that migration's copies. A
 * later migration (after one that failed or was cancelled) makes its own, as before.
 */
public final class SourceParts {
    final int pageCount;
    final PageFrames frames = new PageFrames();
    final PageFrames urgentFrames = new PageFrames();
    final StateDigest digest;
    final byte[][] lastSent;

    /** Parts for a guest of {@code pageCount} pages. */
    public SourceParts(int pageCount) {
        this.pageCount = pageCount;
        this.digest = new StateDigest(pageCount);
        this.lastSent = new byte[pageCount][];
    }
}
