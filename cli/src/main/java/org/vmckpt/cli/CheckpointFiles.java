package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What one checkpoint occupies on disk: the pack file it wrote ({@link Stats#BYTES_PACK}) and its manifest,
 * {@code checkpoints/ID.manifest} in the repository layout (see {@link Repository}). Packs of the parent that
 * an incremental checkpoint also reads are the parent's, not counted here.
 */
final class CheckpointFiles {
    private CheckpointFiles() {
    }

    static Path manifest(Repository repo, String id) {
        return repo.dir().resolve("checkpoints").resolve(id + ".manifest");
    }

    /** The manifest's size in bytes, or 0 if it is gone (deleted meanwhile). */
    static long manifestBytes(Repository repo, String id) {
        try {
            return Files.size(manifest(repo, id));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Pack plus manifest bytes. */
    static long sizeOnDisk(Repository repo, CheckpointInfo info) {
        return info.stat(Stats.BYTES_PACK, 0) + manifestBytes(repo, info.id());
    }
}
