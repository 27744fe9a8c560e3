package org.vmckpt.checkpoint;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;

/** The lines a child process prints, read on a daemon thread so a test can wait for them with a timeout. */
public final class ChildOutput {
    /** What the queue holds after the child's last line, once its output has closed (it ended or was killed). */
    public static final String EOF = "<eof>";

    private ChildOutput() {
    }

    /** Starts reading {@code p}'s standard output into a queue, ending it with {@link #EOF}. */
    public static LinkedBlockingQueue<String> lines(Process p, String threadName) {
        LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) q.add(line);
            } catch (IOException ignored) {
                // the process was killed
            }
            q.add(EOF);
        }, threadName);
        t.setDaemon(true);
        t.start();
        return q;
    }
}
