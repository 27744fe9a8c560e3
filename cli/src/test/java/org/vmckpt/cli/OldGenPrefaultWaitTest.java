package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.*;

/**
 * OldGenPrefault's wait before its work (round 81, {@code -Dvmckpt.prefault.waitIdle}): without the switch (main's
 * behaviour) the wait ends at its bound even if the guest never idled; with it, only the guest's first idle ends it,
 * however many polls past the bound. Counted in polls, not in time: the bound is 0 ms, so it has passed at the first poll.
 */
class OldGenPrefaultWaitTest {

    /** A guest that never idles, a bound already passed: the thread's wait ends anyway (the prefault then starts). */
    @Test
    void withoutTheSwitchTheBoundEndsTheWaitOfABusyGuest() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        AtomicReference<Boolean> result = new AtomicReference<>();
        Thread t = new Thread(() -> result.set(OldGenPrefault.waitToStart(() -> {
            polls.incrementAndGet();
            return false;
        }, 0, false)));
        t.setDaemon(true);
        t.start();
        t.join(60_000);
        assertFalse(t.isAlive(), "the wait ended at its bound");
        assertEquals(Boolean.TRUE, result.get(), "and the prefault's work starts");
        assertTrue(polls.get() >= 1, "polled: " + polls.get());
    }

    /**
     * With the switch, a guest that never idles keeps the wait going past the bound (many polls later it still waits);
     * its first idle ends it, and the work starts then.
     */
    @Test
    void withTheSwitchOnlyTheFirstIdleEndsTheWait() throws Exception {
        AtomicInteger polls = new AtomicInteger();
        AtomicBoolean idled = new AtomicBoolean();
        AtomicReference<Boolean> result = new AtomicReference<>();
        AtomicBoolean idledAtReturn = new AtomicBoolean();
        Thread t = new Thread(() -> {
            boolean r = OldGenPrefault.waitToStart(() -> {
                polls.incrementAndGet();
                return idled.get();
            }, 0, true);
            idledAtReturn.set(idled.get());
            result.set(r);
        });
        t.setDaemon(true);
        t.start();
        long giveUp = System.nanoTime() + 120_000_000_000L;
        while (polls.get() < 8 && t.isAlive() && System.nanoTime() < giveUp) Thread.sleep(5);
        assertTrue(polls.get() >= 8, "polled 8 times past the bound: " + polls.get());
        assertTrue(t.isAlive(), "a guest that never idled: still waiting after " + polls.get() + " polls past the bound");
        assertNull(result.get(), "no work started before the guest idled");
        idled.set(true);
        t.join(60_000);
        assertFalse(t.isAlive(), "the first idle ended the wait");
        assertEquals(Boolean.TRUE, result.get(), "and the prefault's work starts");
        assertTrue(idledAtReturn.get(), "only after the guest idled");
    }

    /** The switch is {@code -Dvmckpt.prefault.waitIdle}, off unless set to true. */
    @Test
    void theSwitchIsOffByDefault() {
        String was = System.getProperty(OldGenPrefault.WAIT_IDLE_PROPERTY);
        try {
            assertEquals("vmckpt.prefault.waitIdle", OldGenPrefault.WAIT_IDLE_PROPERTY);
            System.clearProperty(OldGenPrefault.WAIT_IDLE_PROPERTY);
            assertFalse(OldGenPrefault.waitIdle(), "off when not set");
            System.setProperty(OldGenPrefault.WAIT_IDLE_PROPERTY, "false");
            assertFalse(OldGenPrefault.waitIdle(), "off when false");
            System.setProperty(OldGenPrefault.WAIT_IDLE_PROPERTY, "true");
            assertTrue(OldGenPrefault.waitIdle(), "on when true");
        } finally {
            if (was == null) System.clearProperty(OldGenPrefault.WAIT_IDLE_PROPERTY);
            else System.setProperty(OldGenPrefault.WAIT_IDLE_PROPERTY, was);
        }
    }

    /** An interrupt ends either wait with no work. */
    @Test
    void anInterruptEndsTheWaitWithNoWork() throws Exception {
        for (boolean waitIdle : new boolean[] {false, true}) {
            AtomicReference<Boolean> result = new AtomicReference<>();
            Thread t = new Thread(() -> result.set(OldGenPrefault.waitToStart(() -> false, 3_600_000, waitIdle)));
            t.start();
            t.interrupt();
            t.join(60_000);
            assertFalse(t.isAlive(), "waitIdle " + waitIdle + ": the interrupt ended the wait");
            assertEquals(Boolean.FALSE, result.get(), "waitIdle " + waitIdle + ": no work after an interrupt");
        }
    }
}
