package org.vmckpt.machine;

import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * Collects a machine's console output (written by the run thread) so a test thread can wait for text.
 * Bytes are taken as ISO-8859-1 characters: the guest's console speaks ASCII.
 */
final class ConsoleBuffer implements IntConsumer {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void accept(int b) {
        text.append((char) (b & 0xff));
        notifyAll();
    }

    synchronized String text() {
        return text.toString();
    }

    synchronized int length() {
        return text.length();
    }

    /**
     * Waits until {@code wanted} appears at or after {@code from} and returns the index just past it.
     * Gives up when {@code alive} turns false (the machine stopped) or the timeout passes.
     */
    synchronized int await(String wanted, int from, long timeoutMillis, BooleanSupplier alive)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            int at = text.indexOf(wanted, from);
            if (at >= 0) return at + wanted.length();
            long left = deadline - System.nanoTime();
            if (left <= 0 || !alive.getAsBoolean()) {
                throw new TimeoutException("no '" + wanted + "' on the console " + (left <= 0 ? "within " + timeoutMillis + " ms"
                        : "before the machine stopped") + "; console tail:\n" + tail(2000));
            }
            wait(Math.min(100, Math.max(1, left / 1_000_000L)));
        }
    }

    synchronized String tail(int chars) {
        return text.substring(Math.max(0, text.length() - chars));
    }
}
