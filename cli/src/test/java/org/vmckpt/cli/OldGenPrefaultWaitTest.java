package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * OldGenPrefault's wait before its work: the guest's first idle ends it, and so does its bound for a guest that never
 * idles. Counted in polls, not in time: a bound of 0 ms has passed at the first poll, one of 10 minutes never does here.
 */
class OldGenPrefaultWaitTest {

    /** A guest that never idles, a bound already passed: the thread's wait ends anyway (the prefault then starts). */
    @Test
    void theBoundEndsTheWaitOfAGuestThatNeverIdles() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread t = new Thread(() -> result.set(OldGenPrefault.waitToStart(() -> {
            polls.incrementAndGet();
            return false;
        }, 0)));
        t.setDaemon(true);
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive(), "the wait ended at its bound");
        assertEquals(Boolean.TRUE, result.get(), "and the prefault's work starts");
        assertTrue(polls.get() >= 1, "polled: " + polls.get());
    }

    /** A guest that idles after some polls, a bound far away: its idle ends the wait, and the work starts then. */
    @Test
    void theGuestsFirstIdleEndsTheWaitBeforeTheBound() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        AtomicBoolean idled = new AtomicBoolean();
        AtomicReference<Boolean> result = new AtomicReference<>();
        AtomicBoolean idledAtReturn = new AtomicBoolean();
        Thread t = new Thread(() -> {
            boolean r = OldGenPrefault.waitToStart(() -> {
                polls.incrementAndGet();
                return idled.get();
            }, 600_000);
            idledAtReturn.set(idled.get());
            result.set(r);
        });
        t.setDaemon(true);
        t.start();
        long giveUp = System.nanoTime() + 120_000_000_000L;
        while (polls.get() < 4 && t.isAlive() && System.nanoTime() < giveUp) Thread.sleep(5);
        assertTrue(t.isAlive(), "a guest that has not idled: still waiting after " + polls.get() + " polls");
        assertNull(result.get(), "no work started before the guest idled");
        idled.set(true);
        t.join(60_000);
        assertFalse(t.isAlive(), "the first idle ended the wait");
        assertEquals(Boolean.TRUE, result.get(), "and the prefault's work starts");
        assertTrue(idledAtReturn.get(), "only after the guest idled");
    }
}
