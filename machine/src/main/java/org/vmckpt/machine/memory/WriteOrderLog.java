package org.vmckpt.machine.memory;

import java.util.Arrays;

/**
 * The order in which the guest first wrote pages in the current dirty-log epoch: the first {@link #CAPACITY} of
 * them, each page once (the dirty bit's first setting in the epoch is the moment). A live checkpoint's saver reads
 * it just before it commits: the pages the guest wrote first after the freeze are the pages a guest restored from
 * that checkpoint will write first (the same state runs the same code), so a lazy restore fetches them first, in
 * that order (REAP, ASPLOS'21, records a snapshot's working set by running the restored guest once; a live
 * checkpoint gets the same from the guest that goes on running).
 *
 * <p>One writer, the run thread (a dirty-log slow path: at most once per page per epoch, no allocation); any thread
 * may read. A reader copies the log and checks that its epoch did not end meanwhile, as a sequence lock does.
 */
final class WriteOrderLog {
    /** Pages logged per epoch: 128 KiB of log; about 5 s of memdirty's 10% of 256 MiB per second. */
    static final int CAPACITY = 32_768;

    private final int[] log;
    private volatile int count;
    private volatile long epoch;

    WriteOrderLog(int pageCount) {
        this.log = new int[Math.min(CAPACITY, pageCount)];
    }

    /** Run thread: page {@code idx} was written for the first time in this epoch. */
    void note(int idx) {
        int n = count;
        if (n < log.length) {
            log[n] = idx;
            count = n + 1; // publishes log[n]
        }
    }

    /** Run thread: a new epoch starts (a freeze, or a new dirty log); returns its number. */
    long newEpoch() {
        long e = epoch + 1;
        epoch = e; // before any entry of the new epoch is written over an old one
        count = 0;
        return e;
    }

    /** Any thread: how many pages were first written in the current epoch so far (at most {@link #CAPACITY}). */
    int count() {
        return count;
    }

    /** Any thread: the pages first written in epoch {@code e} so far, in order; empty once {@code e} has ended. */
    int[] since(long e) {
        if (epoch != e) return new int[0];
        int n = count;
        int[] out = Arrays.copyOf(log, n);
        return epoch == e ? out : new int[0];
    }
}
