package org.vmckpt.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PageHashIndexTest {
    private static byte[] randomPage(SplittableRandom r) {
        byte[] p = new byte[PageHashIndex.PAGE];
        r.nextBytes(p);
        return p;
    }

    @Test
    void everyIndexedPageIsFoundWithItsValueAndOthersAreNot() {
        SplittableRandom r = new SplittableRandom(7);
        PageHashIndex index = new PageHashIndex(1000);
        byte[][] pages = new byte[1000][];
        for (int i = 0; i < pages.length; i++) {
            pages[i] = randomPage(r);
            index.add(pages[i], 10L * i);
        }
        assertEquals(1000, index.size());
        for (int i = 0; i < pages.length; i++) assertEquals(10L * i, index.candidate(pages[i].clone()));
        for (int i = 0; i < 1000; i++) assertEquals(-1, index.candidate(randomPage(r)));
    }

    @Test
    void aPageWithTheSameSampleButOtherBytesIsNotACandidate() {
        SplittableRandom r = new SplittableRandom(8);
        PageHashIndex index = new PageHashIndex(4);
        byte[] page = randomPage(r);
        index.add(page, 5);
        byte[] outsideSample = page.clone();
        outsideSample[4000] ^= 1; // word 500: not one of the sampled words (offsets 128 + 256k)
        assertEquals(PageHashIndex.sampleHash(page), PageHashIndex.sampleHash(outsideSample));
        assertEquals(-1, index.candidate(outsideSample));
        byte[] inSample = page.clone();
        inSample[128] ^= 1;
        assertEquals(-1, index.candidate(inSample));
        // Mostly-zero pages share their sample: only the whole-page hash tells them apart.
        byte[] a = new byte[PageHashIndex.PAGE], b = new byte[PageHashIndex.PAGE];
        a[8] = 1;
        b[16] = 1;
        index.add(a, 6);
        assertEquals(6, index.candidate(a.clone()));
        assertEquals(-1, index.candidate(b));
    }

    @Test
    void theFirstOfEqualPagesKeepsItsValue() {
        PageHashIndex index = new PageHashIndex(4);
        byte[] page = randomPage(new SplittableRandom(9));
        index.add(page, 1);
        index.add(page.clone(), 2);
        assertEquals(1, index.size());
        assertEquals(1, index.candidate(page));
    }

    @Test
    void anIndexFilledBeyondItsCapacityRefusesMorePages() {
        SplittableRandom r = new SplittableRandom(10);
        PageHashIndex index = new PageHashIndex(16);
        assertThrows(IllegalStateException.class, () -> {
            for (int i = 0; i < 1000; i++) index.add(randomPage(r), i);
        });
    }
}
