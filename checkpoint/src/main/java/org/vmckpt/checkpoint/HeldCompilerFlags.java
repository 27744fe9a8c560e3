package org.vmckpt.checkpoint;

import org.vmckpt.machine.cpu.HotSpotCompiler;

/**
 * HotSpot compiler flags given other values while the restores that asked for them run: the mechanism of
 * {@link RestoreC1Hold} (and of round 64's C2 hold, retired in round 83). Each restore that wants the hold calls {@link #want}, then
 * {@link #applySoon}; each one calls {@link #release} when it has its pages (or failed), and the last one puts HotSpot's
 * own values back. The flags are set through HotSpot's WhiteBox API ({@code HotSpotCompiler}): the first use in a JVM
 * sets the API up, tens of milliseconds a restoring thread should not wait, so it runs on a thread of its own; later
 * ones are a few flag calls. Without the API nothing changes. The hold is the JVM's, not one restore's.
 */
abstract class HeldCompilerFlags implements Runnable {
    private final String[] flags;
    private final String threadName;
    /** Restores under way that want the hold. */
    private int restores;
    /** The flags' own values while held, else null. */
    private long[] saved;
    /** How many times the hold was put in place (tests). */
    private int holds;
    /** The WhiteBox API was set up by an earlier {@link #apply}: the next ones are a few flag calls. */
    private volatile boolean apiReady;

    HeldCompilerFlags(String threadName, String[] flags) {
        this.threadName = threadName;
        this.flags = flags;
    }

    /** The value flag {@code i} takes while held, from HotSpot's own value; negative: leave every flag alone now. */
    abstract long heldValue(int i, long own);

    /** One more restore wants the hold. */
    synchronized void want() {
        restores++;
    }

    /** A restore that {@link #want wanted} the hold is done with it; the last one puts the flags back. Returns whether none wants it now. */
    synchronized boolean release() {
        if (restores > 0) restores--;
        if (restores == 0 && saved != null) {
            for (int i = 0; i < flags.length; i++) HotSpotCompiler.setIntxFlag(flags[i], saved[i]);
            saved = null;
        }
        return restores == 0;
    }

    /** {@link #apply} at once if the API is set up, else on a daemon thread of its own. */
    void applySoon() {
        if (apiReady) {
            apply(); // a few flag calls
        } else {
            Thread t = new Thread(this, threadName);
            t.setDaemon(true);
            t.start();
        }
    }

    @Override
    public void run() {
        apply();
    }

    /** Puts the hold in place if a restore still wants it and it is not in place yet. */
    void apply() {
        if (!HotSpotCompiler.available()) return; // sets the API up, outside the lock
        apiReady = true;
        synchronized (this) {
            if (restores == 0 || saved != null) return;
            long[] own = new long[flags.length];
            long[] held = new long[flags.length];
            for (int i = 0; i < flags.length; i++) {
                own[i] = HotSpotCompiler.intxFlag(flags[i]);
                if (own[i] < 0) return;
                held[i] = heldValue(i, own[i]);
                if (held[i] < 0) return;
            }
            for (int i = 0; i < flags.length; i++) {
                if (!HotSpotCompiler.setIntxFlag(flags[i], held[i])) {
                    for (int j = 0; j <= i; j++) HotSpotCompiler.setIntxFlag(flags[j], own[j]);
                    return;
                }
            }
            saved = own;
            holds++;
        }
    }

    /** True while the hold is in place. */
    synchronized boolean held() {
        return saved != null;
    }

    /** How many times the hold was put in place in this JVM (tests). */
    synchronized int holds() {
        return holds;
    }

    /** The flags' values HotSpot had before the hold, or null when not held (tests). */
    synchronized long[] savedFlags() {
        return saved == null ? null : saved.clone();
    }
}
