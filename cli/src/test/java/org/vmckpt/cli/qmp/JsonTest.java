package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void parsesEveryValueType() throws Exception {
        Object v = Json.parse(" {\"s\": \"x\", \"i\": -42, \"d\": 1.5, \"t\": true, \"f\": false, \"n\": null,"
                + " \"a\": [1, [], {}], \"o\": {\"k\": \"v\"}}\r\n");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("s", "x");
        expected.put("i", -42L);
        expected.put("d", 1.5);
        expected.put("t", true);
        expected.put("f", false);
        expected.put("n", null);
        expected.put("a", List.of(1L, List.of(), Map.of()));
        expected.put("o", Map.of("k", "v"));
        assertEquals(expected, v);
        assertEquals(List.of("s", "i", "d", "t", "f", "n", "a", "o"), new ArrayList<>(((Map<?, ?>) v).keySet()),
                "member order is kept");
    }

    @Test
    void numbers() throws Exception {
        assertEquals(0L, Json.parse("0"));
        assertEquals(-0.0, Json.parse("-0.0"));
        assertEquals(Long.MAX_VALUE, Json.parse("9223372036854775807"));
        assertEquals(Long.MIN_VALUE, Json.parse("-9223372036854775808"));
        assertEquals(9223372036854775808.0, Json.parse("9223372036854775808"), "beyond 64 bits: a double, like QEMU");
        assertEquals(1e10, Json.parse("1e10"));
        assertEquals(2.5e-3, Json.parse("2.5E-3"));
        assertEquals(120.0, Json.parse("1.2e+2"));
        for (String bad : List.of("01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity", "-Infinity", "1e999")) {
            assertThrows(JsonException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void stringEscapesAndUnicode() throws Exception {
        assertEquals("\" \\ / \b \f \n \r \t", Json.parse("\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\""));
        assertEquals("é€", Json.parse("\"\\u00e9\\u20AC\""));
        assertEquals("\uD83D\uDE00", Json.parse("\"\\ud83d\\ude00\""), "surrogate pair");
        assertEquals("déjà vu \uD83D\uDE00", Json.parse("\"déjà vu \uD83D\uDE00\""), "raw non-ASCII");
        assertEquals("\u0000", Json.parse("\"\\u0000\""));
        for (String bad : List.of("\"\\ud83d\"", "\"\\ude00\"", "\"\\ud83dx\"", "\"\\ud83d\\u0041\"", "\"\\x\"", "\"\\u12\"",
                "\"\\u12g4\"", "\"tab\tinside\"", "\"new\nline\"", "\"unterminated", "'single'")) {
            assertThrows(JsonException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void rejectsMalformedStructure() {
        for (String bad : List.of("", "   ", "{", "[", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a: 1}", "[1 2]",
                "{\"a\":1}{", "{\"a\":1} x", "tru", "nul", "{\"a\":1,\"a\":2}", "/* c */ 1", "[1]]")) {
            assertThrows(JsonException.class, () -> Json.parse(bad), bad);
        }
    }

    @Test
    void nestingIsBoundedAt64() throws Exception {
        String ok = "[".repeat(Json.MAX_DEPTH) + "]".repeat(Json.MAX_DEPTH);
        Object v = Json.parse(ok);
        int depth = 0;
        while (v instanceof List<?> list && !list.isEmpty()) {
            v = list.get(0);
            depth++;
        }
        assertEquals(Json.MAX_DEPTH - 1, depth);
        String tooDeep = "{\"a\":".repeat(Json.MAX_DEPTH) + "[]" + "}".repeat(Json.MAX_DEPTH);
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(tooDeep));
        assertTrue(e.getMessage().contains("deeper than 64"), e.getMessage());
        // Far deeper than the stack would allow without the bound: still a clean error.
        String huge = "[".repeat(500_000);
        assertThrows(JsonException.class, () -> Json.parse(huge));
    }

    @Test
    void lengthIsBounded() {
        String tooLong = "\"" + "a".repeat(Json.MAX_TEXT_CHARS) + "\"";
        JsonException e = assertThrows(JsonException.class, () -> Json.parse(tooLong));
        assertTrue(e.getMessage().contains("too long"), e.getMessage());
    }

    @Test
    void writesAsciiWithEscapes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("q\"b\\", "line\nbreak\ttab\u0001 é \uD83D\uDE00");
        m.put("n", null);
        m.put("list", Arrays.asList(1, 2L, 2.5, true, null));
        assertEquals("{\"q\\\"b\\\\\": \"line\\nbreak\\ttab\\u0001 \\u00e9 \\ud83d\\ude00\", \"n\": null,"
                + " \"list\": [1, 2, 2.5, true, null]}", Json.write(m));
        assertTrue(Json.write(m).chars().allMatch(c -> c >= 0x20 && c < 0x7f), "pure printable ASCII");
    }

    @Test
    void writeThenParseRoundTrips() throws Exception {
        StringBuilder every = new StringBuilder();
        for (char c = 0; c < 0x800; c++) {
            if (!Character.isSurrogate(c)) {
                every.append(c);
            }
        }
        every.append("\uD83D\uDE00\uDBFF\uDFFF");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("text", every.toString());
        m.put("big", Long.MIN_VALUE);
        m.put("tiny", 4.9e-324);
        m.put("nested", List.of(Map.of("x", List.of())));
        assertEquals(m, Json.parse(Json.write(m)));
    }

    @Test
    void writerRefusesWhatJsonCannotSay() {
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> Json.write(Map.of(1, "x")));
        assertThrows(IllegalArgumentException.class, () -> Json.write(new Object()));
        List<Object> cyclic = new ArrayList<>();
        cyclic.add(cyclic);
        assertThrows(IllegalArgumentException.class, () -> Json.write(cyclic));
    }

    @Test
    void topLevelScalarsParse() throws Exception {
        assertEquals("x", Json.parse("\"x\""));
        assertNull(Json.parse(" null "));
        assertEquals(true, Json.parse("true"));
    }
}
