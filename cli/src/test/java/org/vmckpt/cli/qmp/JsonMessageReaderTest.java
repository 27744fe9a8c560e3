package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonMessageReaderTest {

    private static JsonMessageReader reader(byte[] bytes, int max) {
        return new JsonMessageReader(Channels.newChannel(new ByteArrayInputStream(bytes)), max);
    }

    private static JsonMessageReader reader(String text) {
        return reader(text.getBytes(StandardCharsets.UTF_8), 1024);
    }

    @Test
    void splitsObjectsOnOneLineAndAcrossLines() throws Exception {
        JsonMessageReader r = reader("{\"a\": 1}{\"b\": [2]}  \r\n{\n  \"c\": \"}{][\\\"\",\n  \"d\": {}\n}\n[1]\n");
        assertEquals("{\"a\": 1}", r.next());
        assertEquals("{\"b\": [2]}", r.next());
        assertEquals("{\n  \"c\": \"}{][\\\"\",\n  \"d\": {}\n}", r.next(), "brackets and escaped quotes in strings");
        assertEquals("[1]", r.next());
        assertNull(r.next());
    }

    @Test
    void garbageIsOneMessageUpToTheEndOfItsLine() throws Exception {
        JsonMessageReader r = reader("hello world\n} stray\n{\"ok\": true}\n");
        assertEquals("hello world", r.next());
        assertEquals("} stray", r.next());
        assertEquals("{\"ok\": true}", r.next());
    }

    @Test
    void newlineInsideAStringEndsTheBrokenMessage() throws Exception {
        JsonMessageReader r = reader("{\"execute\": \"qu\n{\"execute\": \"quit\"}\n");
        String broken = r.next();
        assertThrows(JsonException.class, () -> Json.parse(broken));
        assertEquals("{\"execute\": \"quit\"}", r.next());
    }

    @Test
    void overlongMessageIsReportedAndSkippedToTheNextLine() throws Exception {
        JsonMessageReader r = reader(("{\"a\": \"" + "x".repeat(100) + "\"}\n{\"b\": 1}\n").getBytes(StandardCharsets.UTF_8), 50);
        JsonException e = assertThrows(JsonException.class, r::next);
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
        assertEquals("{\"b\": 1}", r.next());
    }

    @Test
    void byteFFDiscardsAPartialMessage() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("{\"execute\": {{{".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xff);
        bytes.writeBytes("{\"x\": 1}".getBytes(StandardCharsets.US_ASCII));
        JsonMessageReader r = reader(bytes.toByteArray(), 1024);
        assertEquals("{\"x\": 1}", r.next());
    }

    @Test
    void invalidUtf8IsReportedAndTheStreamContinues() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("{\"s\": \"".getBytes(StandardCharsets.US_ASCII));
        bytes.write(0xc3); // a lead byte followed by ASCII: malformed
        bytes.writeBytes("\"}\n{\"s\": \"é\"}".getBytes(StandardCharsets.UTF_8));
        JsonMessageReader r = reader(bytes.toByteArray(), 1024);
        JsonException e = assertThrows(JsonException.class, r::next);
        assertTrue(e.getMessage().contains("UTF-8"), e.getMessage());
        assertEquals("{\"s\": \"é\"}", r.next());
    }

    @Test
    void partialMessageAtEndOfStreamIsDropped() throws Exception {
        JsonMessageReader r = reader("{\"a\": 1}{\"b\": ");
        assertEquals("{\"a\": 1}", r.next());
        assertNull(r.next());
    }
}
