package org.vmckpt.cli.qmp;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict, bounded JSON (RFC 8259) reader and writer, enough for QMP.
 *
 * <p>Parsing gives {@code Map<String,Object>} (insertion-ordered), {@code List<Object>}, {@code String},
 * {@code Long} (integers that fit in 64 bits), {@code Double} (everything else numeric), {@code Boolean} and
 * {@code null}. It is strict: no comments, no single quotes, no trailing commas, no leading zeros, no NaN,
 * no duplicate object keys, no unpaired surrogates. It is bounded: texts longer than {@link #MAX_TEXT_CHARS}
 * and containers nested deeper than {@link #MAX_DEPTH} are refused, so a peer cannot exhaust the stack or heap.
 *
 * <p>Writing produces a single line of pure ASCII (QMP servers send ASCII): every character outside
 * printable ASCII is written as a {@code \\uXXXX} escape.
 */
public final class Json {
    /** Deepest nesting of arrays and objects accepted by {@link #parse}. */
    public static final int MAX_DEPTH = 64;
    /** Longest text accepted by {@link #parse}, in chars (matches the 1 MiB message limit of the socket). */
    public static final int MAX_TEXT_CHARS = 1 << 20;

    private Json() {
    }

    /** Parses exactly one JSON value (surrounding whitespace allowed). */
    public static Object parse(String text) throws JsonException {
        if (text.length() > MAX_TEXT_CHARS) {
            throw new JsonException("JSON text too long: " + text.length() + " characters, the limit is " + MAX_TEXT_CHARS);
        }
        Parser parser = new Parser(text);
        parser.skipWhitespace();
        Object value = parser.value(0);
        parser.skipWhitespace();
        if (parser.pos != text.length()) {
            throw parser.error("unexpected text after the JSON value");
        }
        return value;
    }

    /** Writes a value built from Map (String keys), List, String, Number, Boolean and null. */
    public static String write(Object value) {
        StringBuilder out = new StringBuilder();
        write(value, out, 0);
        return out.toString();
    }

    private static void write(Object value, StringBuilder out, int depth) {
        if (depth > MAX_DEPTH) {
            throw new IllegalArgumentException("value nested deeper than " + MAX_DEPTH + " levels (or cyclic)");
        }
        if (value == null) {
            out.append("null");
        } else if (value instanceof String s) {
            writeString(s, out);
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue() ? "true" : "false");
        } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                || value instanceof Byte || value instanceof BigInteger) {
            out.append(value);
        } else if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                throw new IllegalArgumentException("JSON has no representation for " + d);
            }
            out.append(Double.toString(d)); // e.g. "1.5", "1.0E10": both valid JSON numbers
        } else if (value instanceof BigDecimal bd) {
            out.append(bd.toString());
        } else if (value instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getKey() instanceof String key)) {
                    throw new IllegalArgumentException("JSON object keys must be strings, got " + entry.getKey());
                }
                if (!first) {
                    out.append(", ");
                }
                first = false;
                writeString(key, out);
                out.append(": ");
                write(entry.getValue(), out, depth + 1);
            }
            out.append('}');
        } else if (value instanceof List<?> list) {
            out.append('[');
            for (int i = 0; i < list.size(); i++) {
                if (i > 0) {
                    out.append(", ");
                }
                write(list.get(i), out, depth + 1);
            }
            out.append(']');
        } else {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
        }
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Recursive descent over a String; recursion depth is bounded by MAX_DEPTH. */
    private static final class Parser {
        private final String text;
        private int pos;

        Parser(String text) {
            this.text = text;
        }

        JsonException error(String what) {
            return new JsonException("JSON parse error at offset " + pos + ": " + what);
        }

        void skipWhitespace() {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                pos++;
            }
        }

        Object value(int depth) throws JsonException {
            if (pos >= text.length()) {
                throw error("unexpected end of input, expected a value");
            }
            char c = text.charAt(pos);
            switch (c) {
                case '{':
                    return object(depth + 1);
                case '[':
                    return array(depth + 1);
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected character " + describe(c));
            }
        }

        private void checkDepth(int depth) throws JsonException {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH + " levels");
            }
        }

        private Map<String, Object> object(int depth) throws JsonException {
            checkDepth(depth);
            pos++; // '{'
            Map<String, Object> map = new LinkedHashMap<>();
            skipWhitespace();
            if (peek() == '}') {
                pos++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a string key");
                }
                int keyStart = pos;
                String key = string();
                if (map.containsKey(key)) {
                    pos = keyStart;
                    throw error("duplicate key \"" + key + "\"");
                }
                skipWhitespace();
                expect(':');
                skipWhitespace();
                map.put(key, value(depth));
                skipWhitespace();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == '}') {
                    pos++;
                    return map;
                } else {
                    throw error("expected ',' or '}' in object");
                }
            }
        }

        private List<Object> array(int depth) throws JsonException {
            checkDepth(depth);
            pos++; // '['
            List<Object> list = new ArrayList<>();
            skipWhitespace();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWhitespace();
                list.add(value(depth));
                skipWhitespace();
                char c = peek();
                if (c == ',') {
                    pos++;
                } else if (c == ']') {
                    pos++;
                    return list;
                } else {
                    throw error("expected ',' or ']' in array");
                }
            }
        }

        private String string() throws JsonException {
            pos++; // opening quote
            StringBuilder sb = new StringBuilder();
            while (true) {
                if (pos >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(pos);
                if (c == '"') {
                    pos++;
                    return sb.toString();
                }
                if (c < 0x20) {
                    throw error("unescaped control character " + describe(c) + " in string");
                }
                if (c != '\\') {
                    if (Character.isSurrogate(c)) {
                        // Only reachable from a Java String built with broken UTF-16; keep the text well-formed.
                        if (Character.isHighSurrogate(c) && pos + 1 < text.length()
                                && Character.isLowSurrogate(text.charAt(pos + 1))) {
                            sb.append(c).append(text.charAt(pos + 1));
                            pos += 2;
                            continue;
                        }
                        throw error("unpaired surrogate in string");
                    }
                    sb.append(c);
                    pos++;
                    continue;
                }
                pos++; // backslash
                if (pos >= text.length()) {
                    throw error("unterminated escape");
                }
                char e = text.charAt(pos++);
                switch (e) {
                    case '"' -> sb.append('"');
                    case '\\' -> sb.append('\\');
                    case '/' -> sb.append('/');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        char unit = hex4();
                        if (Character.isHighSurrogate(unit)) {
                            if (!text.startsWith("\\u", pos)) {
                                throw error("high surrogate \\u" + Integer.toHexString(unit) + " not followed by a low surrogate");
                            }
                            pos += 2;
                            char low = hex4();
                            if (!Character.isLowSurrogate(low)) {
                                throw error("high surrogate not followed by a low surrogate");
                            }
                            sb.append(unit).append(low);
                        } else if (Character.isLowSurrogate(unit)) {
                            throw error("unpaired low surrogate \\u" + Integer.toHexString(unit));
                        } else {
                            sb.append(unit);
                        }
                    }
                    default -> {
                        pos--;
                        throw error("invalid escape \\" + e);
                    }
                }
            }
        }

        private char hex4() throws JsonException {
            if (pos + 4 > text.length()) {
                throw error("truncated \\u escape");
            }
            int v = 0;
            for (int i = 0; i < 4; i++) {
                int d = Character.digit(text.charAt(pos + i), 16);
                if (d < 0 || text.charAt(pos + i) > 0x7f) {
                    throw error("invalid hex digit in \\u escape");
                }
                v = v * 16 + d;
            }
            pos += 4;
            return (char) v;
        }

        private Object number() throws JsonException {
            int start = pos;
            if (peek() == '-') {
                pos++;
            }
            if (peek() == '0') {
                pos++;
                if (isDigit(peek())) {
                    throw error("leading zeros are not allowed");
                }
            } else if (isDigit(peek())) {
                while (isDigit(peek())) {
                    pos++;
                }
            } else {
                throw error("expected a digit");
            }
            boolean integral = true;
            if (peek() == '.') {
                integral = false;
                pos++;
                if (!isDigit(peek())) {
                    throw error("expected a digit after '.'");
                }
                while (isDigit(peek())) {
                    pos++;
                }
            }
            if (peek() == 'e' || peek() == 'E') {
                integral = false;
                pos++;
                if (peek() == '+' || peek() == '-') {
                    pos++;
                }
                if (!isDigit(peek())) {
                    throw error("expected a digit in exponent");
                }
                while (isDigit(peek())) {
                    pos++;
                }
            }
            String literal = text.substring(start, pos);
            if (integral) {
                try {
                    return Long.parseLong(literal);
                } catch (NumberFormatException outOfRange) {
                    // Like QEMU: integers beyond 64 bits become doubles.
                }
            }
            double d = Double.parseDouble(literal);
            if (Double.isInfinite(d)) {
                throw error("number out of range: " + (literal.length() > 40 ? literal.substring(0, 40) + "..." : literal));
            }
            return d;
        }

        private void literal(String word) throws JsonException {
            if (!text.startsWith(word, pos)) {
                throw error("invalid literal, expected " + word);
            }
            pos += word.length();
        }

        private void expect(char c) throws JsonException {
            if (peek() != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        /** The current char, or 0 at the end (0 never matches any token we look for). */
        private char peek() {
            return pos < text.length() ? text.charAt(pos) : 0;
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        private static String describe(char c) {
            if (c >= 0x20 && c < 0x7f) {
                return "'" + c + "'";
            }
            return String.format("U+%04X", (int) c);
        }
    }
}
