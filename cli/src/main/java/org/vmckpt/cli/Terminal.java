package org.vmckpt.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The host terminal as the guest's serial console: raw mode while the VM runs (restored on exit), and an
 * input thread that forwards keystrokes. Ctrl-A X quits, Ctrl-A Ctrl-A sends a Ctrl-A, as QEMU's
 * {@code -nographic} does.
 */
public final class Terminal implements AutoCloseable {
    private static final int CTRL_A = 1;
    private final boolean raw;
    private String savedMode;

    private Terminal(boolean raw) {
        this.raw = raw;
    }

    /** Attaches stdin: puts a real terminal into raw mode and starts forwarding bytes. */
    public static Terminal attach(Consumer<Byte> toGuest, Runnable quit) {
        boolean isTty = System.console() != null && !"true".equals(System.getenv("CI"));
        Terminal t = new Terminal(isTty);
        if (isTty) t.enterRawMode();
        Thread reader = new Thread(() -> t.forward(System.in, toGuest, quit), "console-input");
        reader.setDaemon(true);
        reader.start();
        return t;
    }

    private void forward(InputStream in, Consumer<Byte> toGuest, Runnable quit) {
        boolean escape = false;
        try {
            int b;
            while ((b = in.read()) >= 0) {
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
        } catch (IOException e) {
            // stdin closed: the guest simply gets no more input
        }
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

    @Override
    public void close() {
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
