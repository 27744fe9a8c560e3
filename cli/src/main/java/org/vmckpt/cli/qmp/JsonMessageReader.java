package org.vmckpt.cli.qmp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Splits a byte stream into top-level JSON texts, the way QMP frames messages: no length prefix, a message
 * ends where its outermost object or array closes, and whitespace (including newlines) between messages
 * is ignored. An object may therefore span lines, and several may share one line.
 *
 * <p>It only tracks brackets and strings; full validation is {@link Json#parse}'s job. Rules that keep a
 * broken peer from wedging the stream:
 * <ul>
 *   <li>Input that does not start with '{' or '[' is taken up to the end of its line, so garbage such as
 *       {@code hello} gives one error and the next line is read fresh.</li>
 *   <li>A raw newline inside a string is never valid JSON, so it ends the message there (the parser then
 *       reports the error) instead of swallowing the following lines.</li>
 *   <li>A message longer than the limit is reported and skipped up to the next newline.</li>
 *   <li>A 0xFF byte (never valid in UTF-8) discards any partial message, as in QEMU's parser.</li>
 * </ul>
 * Not thread-safe: one reader thread per stream.
 */
final class JsonMessageReader {
    private enum State { IDLE, STRUCTURE, BARE_LINE, SKIP_LINE }

    private final ReadableByteChannel channel;
    private final int maxMessageBytes;
    private final ByteBuffer input = ByteBuffer.allocate(64 * 1024);
    private final ByteArrayOutputStream message = new ByteArrayOutputStream();
    private State state = State.IDLE;
    private int depth;
    private boolean inString;
    private boolean escaped;

    JsonMessageReader(ReadableByteChannel channel, int maxMessageBytes) {
        this.channel = channel;
        this.maxMessageBytes = maxMessageBytes;
        input.flip(); // start empty
    }

    /**
     * Returns the next message text, or null at end of stream (a partial message at the end is dropped).
     *
     * @throws JsonException for a message that is too long or not UTF-8; the stream stays usable
     */
    String next() throws IOException, JsonException {
        while (true) {
            if (!input.hasRemaining()) {
                input.clear();
                int n = channel.read(input);
                input.flip();
                if (n < 0) {
                    return null;
                }
                continue;
            }
            int b = input.get() & 0xff;
            if (b == 0xff) {
                reset(State.IDLE);
                continue;
            }
            switch (state) {
                case IDLE -> {
                    if (b == ' ' || b == '\t' || b == '\r' || b == '\n') {
                        continue;
                    }
                    message.reset();
                    if (b == '{' || b == '[') {
                        state = State.STRUCTURE;
                        depth = 1;
                        inString = false;
                        escaped = false;
                    } else {
                        state = State.BARE_LINE;
                    }
                    message.write(b);
                }
                case BARE_LINE -> {
                    if (b == '\n') {
                        return finish();
                    }
                    append(b);
                }
                case SKIP_LINE -> {
                    if (b == '\n') {
                        state = State.IDLE;
                    }
                }
                case STRUCTURE -> {
                    if (inString && b == '\n') {
                        return finish(); // unterminated string: let the parser say so
                    }
                    append(b);
                    if (inString) {
                        if (escaped) {
                            escaped = false;
                        } else if (b == '\\') {
                            escaped = true;
                        } else if (b == '"') {
                            inString = false;
                        }
                    } else if (b == '"') {
                        inString = true;
                    } else if (b == '{' || b == '[') {
                        depth++;
                    } else if (b == '}' || b == ']') {
                        depth--;
                        if (depth == 0) {
                            return finish();
                        }
                    }
                }
            }
        }
    }

    private void append(int b) throws JsonException {
        if (message.size() >= maxMessageBytes) {
            reset(b == '\n' ? State.IDLE : State.SKIP_LINE);
            throw new JsonException("JSON input too long: more than " + maxMessageBytes
                    + " bytes in one message; skipped to the end of the line");
        }
        message.write(b);
    }

    private String finish() throws JsonException {
        byte[] bytes = message.toByteArray();
        reset(State.IDLE);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new JsonException("JSON input is not valid UTF-8");
        }
    }

    private void reset(State next) {
        message.reset();
        state = next;
        depth = 0;
        inString = false;
        escaped = false;
    }
}
