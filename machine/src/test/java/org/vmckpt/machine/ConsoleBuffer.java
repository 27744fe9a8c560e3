package org.vmckpt.machine;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * A machine's console for tests: collects what the run thread prints, so a test thread can wait for text, and types
 * shell commands into a Linux guest. Bytes are taken as ISO-8859-1 characters: the guest's console speaks ASCII.
 * Shared with the other modules' tests through this module's test jar.
 */
public final class ConsoleBuffer implements IntConsumer {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void accept(int b) {
        text.append((char) (b & 0xff));
        notifyAll();
    }

    public synchronized String text() {
        return text.toString();
    }

    public synchronized int length() {
        return text.length();
    }

    /**
     * Waits until {@code wanted} appears at or after {@code from} and returns the index just past it.
     * Gives up when {@code alive} turns false (the machine stopped) or the timeout passes.
     */
    public synchronized int await(String wanted, int from, long timeoutMillis, BooleanSupplier alive)
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

    /** {@link #await(String, int, long, BooleanSupplier)} until {@code machine} shuts down. */
    public int await(Machine machine, String wanted, int from, long timeoutMillis) throws InterruptedException, TimeoutException {
        return await(wanted, from, timeoutMillis, () -> machine.runState() != Machine.RunState.SHUTDOWN);
    }

    /**
     * Types a command line into the guest's shell and waits for {@code expected} in what is printed after it.
     * The terminal echoes the command, so {@code expected} must not appear in the command as typed (write
     * {@code echo do''ne} to wait for {@code done}).
     */
    public int command(Machine machine, String line, String expected, long timeoutMillis) throws InterruptedException, TimeoutException {
        int start = length();
        type(machine, line + "\n");
        return await(machine, expected, start, timeoutMillis);
    }

    /** Types {@code s} on the machine's console input. */
    public static void type(Machine machine, String s) {
        for (byte b : s.getBytes(StandardCharsets.US_ASCII)) machine.consoleInput(b);
    }

    public synchronized String tail(int chars) {
        return text.substring(Math.max(0, text.length() - chars));
    }
}
