package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;

import java.nio.file.Path;

/**
 * {@link GcListenLazyTest}'s child, in a fresh JVM (GcPauses' listener is the JVM's): restores checkpoint {@code args[1]}
 * of repository {@code args[0]} lazily, builds the engine on it, and prints whether the collectors' reports are taken
 * then, and after a checkpoint.
 */
public final class GcListenLazyMain {
    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]), false);
        try (Checkpoint c = repo.open(args[1])) {
            Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c);
            boolean loading = r.machine().memory().isLoadingLazily();
            CheckpointEngine engine = new CheckpointEngine(r.machine(), repo, c.id());
            boolean atStart = GcPauses.listening();
            engine.checkpoint(CheckpointOptions.defaults().withLive(false), null);
            System.out.println(loading + " " + atStart + " " + GcPauses.listening());
        }
        System.exit(0);
    }
}
