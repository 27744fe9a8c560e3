package org.vmckpt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The host terminal as the guest's serial console: raw mode while the VM runs (restored on exit), and an
 * input thread that forwards keystrokes. Ctrl-A X quits, Ctrl-A Ctrl-A sends a Ctrl-A, as QEMU's
 * {@code -nographic} does.
 *
 * <p>The input thread reads only bytes already there ({@link InputStream#available}, looked at every
 * {@link #POLL_MILLIS}), so that {@link #close} ends it without taking a byte from stdin: a thread blocked in
 * {@code read} cannot be stopped, and it would take the next bytes whoever reads stdin after this VM (a VM run
 * in-process left one behind that took surefire's own commands from its fork's stdin: the fork then waited
 * 30 s for an acknowledgement at its exit).
 */
public final class Terminal implements AutoCloseable {
    private static final int CTRL_A = 1;
    /** How often the input thread looks for input: a keystroke reaches the guest at most this much later. */
    static final long POLL_MILLIS = 10;
    private final boolean raw;
    private String savedMode;
    private volatile boolean closed;
    private Thread reader;

    private Terminal(boolean raw) {
        this.raw = raw;
    }

    /** Attaches stdin: puts a real terminal into raw mode and starts forwarding bytes. */
    public static Terminal attach(Consumer<Byte> toGuest, Runnable quit) {
        boolean isTty = System.console() != null && !"true".equals(System.getenv("CI"));
        Terminal t = new Terminal(isTty);
        if (isTty) t.enterRawMode();
        t.startReader(System.in, toGuest, quit);
        return t;
    }

    /** Attaches {@code in} (not a terminal) as the console's input: for tests. */
    static Terminal attach(InputStream in, Consumer<Byte> toGuest, Runnable quit) {
        Terminal t = new Terminal(false);
        t.startReader(in, toGuest, quit);
        return t;
    }

    private void startReader(InputStream in, Consumer<Byte> toGuest, Runnable quit) {
        reader = new Thread(() -> forward(in, toGuest, quit), "console-input");
        reader.setDaemon(true);
        reader.start();
    }

    private void forward(InputStream in, Consumer<Byte> toGuest, Runnable quit) {
        boolean escape = false;
        byte[] buf = new byte[256];
        try {
            while (!closed) {
                int ready = in.available();
                if (ready <= 0) {
                    Thread.sleep(POLL_MILLIS);
                    continue;
                }
                int n = in.read(buf, 0, Math.min(ready, buf.length)); // does not block: the bytes are there
                if (n < 0) return;
                for (int k = 0; k < n; k++) {
                    int b = buf[k] & 0xff;
                    if (escape) {
                        escape = false;
                        if (b == 'x' || b == 'X') {
                            quit.run();
                            return;
                        }
                        if (b == CTRL_A) toGuest.accept((byte) CTRL_A);
                        continue;
                    }
                    if (b == CTRL_A && raw) {
                        escape = true;
                        continue;
                    }
                    toGuest.accept((byte) b);
                }
            }
        } catch (IOException e) {
            // stdin closed: the guest simply gets no more input
        } catch (InterruptedException e) {
            // ends with the VM
        }
    }

    /** The input thread (ends within {@link #POLL_MILLIS} of {@link #close}): for tests. */
    Thread reader() {
        return reader;
    }

    private void enterRawMode() {
        try {
            savedMode = stty("-g").trim();
            stty("raw", "-echo", "opost"); // keep output processing (\n -> \r\n), as QEMU -nographic does
        } catch (IOException | InterruptedException e) {
            savedMode = null;
        }
    }

    private static String stty(String... args) throws IOException, InterruptedException {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** Stops forwarding input (the reader leaves unread bytes to whoever reads stdin next) and restores the terminal. */
    @Override
    public void close() {
        closed = true;
        if (savedMode != null) {
            try {
                stty(savedMode);
            } catch (IOException | InterruptedException e) {
                // nothing more we can do; `reset` fixes the terminal
            }
            savedMode = null;
        }
    }
}
