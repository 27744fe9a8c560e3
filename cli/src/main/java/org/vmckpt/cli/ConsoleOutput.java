package org.vmckpt.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntConsumer;

/**
 * Where the guest's console bytes go (the terminal or a file). Buffered, flushed on newlines and by a
 * timer, so a chatty boot does not cost a system call per byte. Optionally watches for a marker line and
 * records when it first appeared.
 */
public final class ConsoleOutput implements IntConsumer, AutoCloseable {
    private final OutputStream out;
    private final byte[] marker;
    private int matched;
    private volatile long markerSeenNanos = -1;
    private Runnable onMarker;
    /** Runs once, after the guest's next complete line was written out (then cleared). */
    private Runnable onFirstLine;
    private final Thread flusher;
    private volatile boolean closed;

    public ConsoleOutput(OutputStream target, String marker) {
        this.out = new BufferedOutputStream(target, 1 << 16);
        this.marker = marker == null ? null : marker.getBytes(StandardCharsets.UTF_8);
        this.flusher = new Thread(() -> {
            while (!closed) {
                try {
                    Thread.sleep(20);
                    flush();
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "console-flush");
        flusher.setDaemon(true);
        flusher.start();
    }

    public void onMarker(Runnable r) {
        this.onMarker = r;
    }

    /** Runs {@code r} once, on the guest's thread, after the next line it prints is flushed ({@code --stats}). */
    public synchronized void onFirstLine(Runnable r) {
        this.onFirstLine = r;
    }

    /** System.nanoTime() when the marker was first printed, or -1. */
    public long markerSeenNanos() {
        return markerSeenNanos;
    }

    /**
     * A diagnostic ({@code -Dvmckpt.stats.markPrefix=TEXT}, off): each console line that starts with TEXT is handed to
     * the watcher when its newline is printed (on the guest's thread), e.g. to note the instruction count there.
     */
    static final String MARK_PREFIX = System.getProperty("vmckpt.stats.markPrefix");
    private java.util.function.Consumer<String> lineWatch;
    private StringBuilder line;

    /** Calls {@code w} with each console line that starts with {@link #MARK_PREFIX} (nothing when it is not set). */
    public synchronized void watchMarkLines(java.util.function.Consumer<String> w) {
        if (MARK_PREFIX == null) return;
        lineWatch = w;
        line = new StringBuilder();
    }

    @Override
    public synchronized void accept(int b) {
        String marked = null;
        if (lineWatch != null) {
            if (b == '\n') {
                if (line.indexOf(MARK_PREFIX) == 0) marked = line.toString().trim();
                line.setLength(0);
            } else if (line.length() < 200) {
                line.append((char) b);
            }
        }
        try {
            out.write(b);
            if (b == '\n') out.flush();
        } catch (IOException e) {
            // The terminal went away: keep the guest running, drop its output.
        }
        // After the line went out: the watcher's own printing does not delay it (a cold JVM's first printf costs ms).
        if (marked != null) lineWatch.accept(marked);
        if (b == '\n' && onFirstLine != null) {
            Runnable r = onFirstLine;
            onFirstLine = null;
            r.run();
        }
        if (marker != null && markerSeenNanos < 0) {
            if ((byte) b == marker[matched]) {
                matched++;
                if (matched == marker.length) {
                    markerSeenNanos = System.nanoTime();
                    if (onMarker != null) onMarker.run();
                }
            } else {
                matched = (byte) b == marker[0] ? 1 : 0;
            }
        }
    }

    public synchronized void flush() {
        try {
            out.flush();
        } catch (IOException e) {
            // ignored, as above
        }
    }

    @Override
    public void close() {
        closed = true;
        flush();
    }
}
