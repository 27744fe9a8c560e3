package org.vmckpt.cli;

import java.io.PrintStream;

/**
 * A single status line on a terminal, redrawn in place (carriage return and erase-to-end-of-line) at most
 * ten times a second, and erased when the work is done. Does nothing when the output is not a terminal.
 * Safe to call from any thread (checkpoint progress arrives on the QMP reader thread).
 */
final class ProgressLine {
    private static final long MIN_INTERVAL_NANOS = 100_000_000L;
    private static final String ERASE = "\r\033[K";

    private final PrintStream err;
    private final boolean enabled;
    private long lastDrawn = Long.MIN_VALUE;
    private boolean shown;

    ProgressLine(CommandOutput io) {
        this.err = io.err();
        this.enabled = io.terminal();
    }

    /** Shows {@code text} unless the line was drawn less than 100 ms ago. */
    synchronized void update(String text) {
        if (!enabled) return;
        long now = System.nanoTime();
        if (shown && now - lastDrawn < MIN_INTERVAL_NANOS) return;
        lastDrawn = now;
        shown = true;
        err.print(ERASE + text);
        err.flush();
    }

    /** Erases the line, so the next output starts on a clean line. */
    synchronized void clear() {
        if (!enabled || !shown) return;
        err.print(ERASE);
        err.flush();
        shown = false;
    }
}
