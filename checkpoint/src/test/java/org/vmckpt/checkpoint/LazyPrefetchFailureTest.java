package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A lazy restore's background loader that cannot read the checkpoint any more (here: its pack files cut short
 * after the restore opened and checked them) stops and says why through the failure callback, instead of
 * failing silently ({@code vmckpt restore --lazy} prints it).
 */
class LazyPrefetchFailureTest {
    @TempDir
    Path dir;

    @Test
    void aLoaderThatCannotReadTheCheckpointReportsWhy() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(1_500_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults(), null).info().id();
        try (Checkpoint c = repo.open(id)) {
            // Nothing loaded before the guest runs: the pages are all the prefetcher's, which then meets the damage.
            Restorer.Restored r = Restorer.restoreLazyWithoutEarlyLoad(c);
            assertTrue(r.lazy().totalPages() > 64, "the checkpoint should need several frames");
            List<Path> packs;
            try (Stream<Path> files = Files.walk(dir.resolve("repo"))) {
                packs = files.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().contains("pack")).toList();
            }
            assertFalse(packs.isEmpty(), "no pack file found in the repository");
            for (Path p : packs) {
                try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
                    f.setLength(Math.min(f.length(), 64));
                }
            }
            CompletableFuture<IOException> told = new CompletableFuture<>();
            r.lazy().startPrefetch(r.machine(), told::complete);
            IOException why = told.get(60, TimeUnit.SECONDS);
            assertNotNull(why);
            assertNotNull(why.getMessage(), "the failure should say what went wrong");
            assertSame(why, r.lazy().failure());
        }
    }
}
