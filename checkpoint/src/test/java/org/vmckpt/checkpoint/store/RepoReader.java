package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.file.Path;

/** Reads everything in a repository the way restore and verify do, for the corruption and crash tests. */
final class RepoReader {
    private RepoReader() {
    }

    /**
     * Opens the repository and every checkpoint, reads every page and disk block and verifies every pack.
     * Returns the number of checkpoints; a verify problem is rethrown as the exception it describes.
     */
    static int readEverything(Path dir) throws IOException {
        Repository repo = Repository.open(dir, false);
        byte[] buf = new byte[4096];
        int n = 0;
        for (String id : repo.manifestIds()) {
            try (Checkpoint c = repo.open(id)) {
                for (int i = 0; i < c.pageCount(); i++) c.readPage(i, buf);
                for (Extent e : c.diskExtents()) {
                    for (long b = e.start(); b < e.end(); b++) c.readDiskBlock(b, buf);
                }
                VerifyReport v = c.verify(ProgressListener.NONE);
                if (!v.ok()) throw new CheckpointFormatException(Path.of("(verify)"), String.join("; ", v.problems()));
                n++;
            }
        }
        return n;
    }
}
