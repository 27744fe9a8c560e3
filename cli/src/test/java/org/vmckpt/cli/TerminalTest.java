package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The console's input thread forwards what arrives on its stream, and once the terminal is closed (the VM has
 * ended) it ends too and leaves what arrives later to whoever reads the stream next: a session run in-process must
 * not keep taking the process's stdin (one took surefire's commands from its fork's stdin, and the fork waited 30 s
 * at its exit).
 */
class TerminalTest {
    @Test
    void afterCloseTheInputThreadEndsAndLeavesLaterInputUnread() throws Exception {
        Feed in = new Feed();
        LinkedBlockingQueue<Byte> toGuest = new LinkedBlockingQueue<>();
        Terminal t = Terminal.attach(in, toGuest::add, () -> { });
        in.write("ab");
        // (60 s bounds, not 5: they return as soon as the byte or the thread's end is there; only a hang trips them)
        assertEquals((byte) 'a', toGuest.poll(60, TimeUnit.SECONDS));
        assertEquals((byte) 'b', toGuest.poll(60, TimeUnit.SECONDS));

        t.close();
        t.reader().join(60_000);
        assertFalse(t.reader().isAlive(), "the input thread ends with the terminal");
        in.write("cd");
        Thread.sleep(20 * Terminal.POLL_MILLIS);
        assertEquals(2, in.available(), "input written after close stays for the next reader");
        assertEquals('c', in.read());
        assertNull(toGuest.poll(), "nothing reaches the guest after close");
    }

    /** A stream like a pipe: read blocks until a byte is there; available says how many are. */
    static final class Feed extends InputStream {
        private final LinkedBlockingQueue<Integer> bytes = new LinkedBlockingQueue<>();

        void write(String s) {
            for (byte b : s.getBytes()) bytes.add(b & 0xff);
        }

        @Override
        public int available() {
            return bytes.size();
        }

        @Override
        public int read() throws InterruptedIOException {
            try {
                return bytes.take();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws InterruptedIOException {
            if (len == 0) return 0;
            b[off] = (byte) read();
            int n = 1;
            Integer next;
            while (n < len && (next = bytes.poll()) != null) b[off + n++] = (byte) (int) next;
            return n;
        }
    }
}
