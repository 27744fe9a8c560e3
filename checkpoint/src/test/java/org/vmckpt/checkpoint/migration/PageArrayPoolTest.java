package org.vmckpt.checkpoint.migration;

import org.junit.jupiter.api.Test;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A destination's pool of page arrays hands each array out once, to one taker, and never one it handed out before. */
class PageArrayPoolTest {
    @Test
    void everyArrayIsHandedOutOnceAcrossRefillsAndThenNone() {
        PageArrayPool pool = new PageArrayPool();
        Set<byte[]> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        assertEquals(100, pool.fill(100));
        for (int i = 0; i < 60; i++) assertTrue(seen.add(pool.take()), "handed out twice");
        assertEquals(60, pool.fill(100), "a refill tops the pool up with new arrays");
        for (int i = 0; i < 100; i++) {
            byte[] a = pool.take();
            assertEquals(4096, a.length);
            assertTrue(seen.add(a), "an array handed out before came back");
        }
        assertNull(pool.take(), "empty");
        assertEquals(160, pool.taken());
        pool.fill(10);
        pool.clear();
        assertNull(pool.take(), "cleared");
    }

    @Test
    void twoTakersAtOnceNeverGetTheSameArray() throws Exception {
        PageArrayPool pool = new PageArrayPool();
        pool.fill(20_000);
        ConcurrentLinkedQueue<byte[]> got = new ConcurrentLinkedQueue<>();
        Runnable taker = () -> {
            for (byte[] a = pool.take(); a != null; a = pool.take()) got.add(a);
        };
        Thread t1 = new Thread(taker), t2 = new Thread(taker);
        t1.start();
        t2.start();
        t1.join();
        t2.join();
        Set<byte[]> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
        distinct.addAll(got);
        assertEquals(20_000, got.size());
        assertEquals(20_000, distinct.size());
    }
}
