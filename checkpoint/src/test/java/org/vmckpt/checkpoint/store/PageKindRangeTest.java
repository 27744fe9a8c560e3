package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class PageKindRangeTest {
    @TempDir
    Path dir;

    @Test
    void rangesRoundTripAndAreCheckedLikeSinglePuts() throws Exception {
        Repository repo = Repository.open(dir.resolve("r"), true);
        CheckpointWriter w = repo.begin(new CheckpointMeta(null, CaptureMode.LIVE, 100, Map.of()), Codec.NONE, 0, null);
        byte[] data = new byte[4096];
        data[7] = 42;
        w.putPageKindRange(0, 40, PageKind.ZERO);
        w.putPageKindRange(40, 60, PageKind.FREE);
        w.putPage(60, data);
        w.putPageKindRange(61, 61, PageKind.ZERO); // empty range: nothing
        assertThrows(IllegalArgumentException.class, () -> w.putPageKindRange(55, 70, PageKind.ZERO), "overlaps pages already put");
        assertThrows(IllegalArgumentException.class, () -> w.putPageKindRange(70, 80, PageKind.INHERITED), "no parent");
        assertThrows(IllegalArgumentException.class, () -> w.putPageKindRange(70, 80, PageKind.DATA));
        assertThrows(IllegalArgumentException.class, () -> w.putPageKindRange(90, 101, PageKind.ZERO));
        String id = w.commit(ProgressListener.NONE);
        try (Checkpoint c = repo.open(id)) {
            assertEquals(PageKind.ZERO, c.pageKind(0));
            assertEquals(PageKind.ZERO, c.pageKind(39));
            assertEquals(PageKind.FREE, c.pageKind(40));
            assertEquals(PageKind.FREE, c.pageKind(59));
            byte[] back = new byte[4096];
            assertEquals(PageKind.DATA, c.readPage(60, back));
            assertEquals(42, back[7]);
            assertEquals(PageKind.ZERO, c.pageKind(99)); // never put: ZERO in a full checkpoint
        }
    }
}
