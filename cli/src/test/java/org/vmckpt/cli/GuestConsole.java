package org.vmckpt.cli;

import org.vmckpt.machine.Machine;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;

/**
 * A Linux guest's console for tests: collects what the run thread prints, lets a test thread type shell
 * commands and wait for text. Bytes are taken as ISO-8859-1 characters (the guest's console speaks ASCII).
 */
final class GuestConsole implements IntConsumer {
    private final StringBuilder text = new StringBuilder();

    @Override
    public synchronized void accept(int b) {
        text.append((char) (b & 0xff));
        notifyAll();
    }

    synchronized int length() {
        return text.length();
    }

    synchronized String tail(int chars) {
        return text.substring(Math.max(0, text.length() - chars));
    }

    /**
     * Waits until {@code wanted} appears at or after {@code from} and returns the index just past it. Gives up
     * when the machine shuts down or the timeout passes.
     */
    synchronized int await(Machine machine, String wanted, int from, long timeoutMillis) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            int at = text.indexOf(wanted, from);
            if (at >= 0) return at + wanted.length();
            long left = deadline - System.nanoTime();
            boolean down = machine.runState() == Machine.RunState.SHUTDOWN;
            if (left <= 0 || down) {
                throw new TimeoutException("no '" + wanted + "' on the console " + (down ? "before the machine stopped" : "within "
                        + timeoutMillis + " ms") + "; console tail:\n" + tail(2000));
            }
            wait(Math.min(100, Math.max(1, left / 1_000_000L)));
        }
    }

    /**
     * Types a command line into the guest's shell and waits for {@code expected} in what is printed after it.
     * The terminal echoes the command, so {@code expected} must not appear in the command as typed (write
     * {@code echo do''ne} to wait for {@code done}).
     */
    int command(Machine machine, String line, String expected, long timeoutMillis) throws InterruptedException, TimeoutException {
        int start = length();
        type(machine, line + "\n");
        return await(machine, expected, start, timeoutMillis);
    }

    static void type(Machine machine, String s) {
        for (byte b : s.getBytes(StandardCharsets.US_ASCII)) machine.consoleInput(b);
    }
}
