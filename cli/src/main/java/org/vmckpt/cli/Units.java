package org.vmckpt.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * How the commands print sizes, durations, rates and times for people: binary units ("12.3 MiB"),
 * milliseconds or seconds with a precision that suits the magnitude, and a decimal point whatever the locale.
 */
public final class Units {
    private static final String[] BINARY = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    /**
     * The local-time formatter, made at its first use: setting it up reads the time zone database (tens of classes
     * and a file, 15-20 ms of a cold JVM at load 4), which every other use of this class, such as {@link #shortId}
     * in the line a restore prints when it is done, used to pay (round 62).
     */
    private static final class LocalTimeFormat {
        static final DateTimeFormatter LOCAL_TIME =
                DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss", Locale.ROOT).withZone(ZoneId.systemDefault());
    }

    private Units() {
    }

    /** "0 B", "512 B", "1.0 KiB", "12.3 MiB", "1.5 GiB"; negative values get a minus sign. */
    public static String bytes(long n) {
        if (n < 0) return "-" + bytes(n == Long.MIN_VALUE ? Long.MAX_VALUE : -n);
        if (n < 1024) return n + " B";
        int unit = 0;
        double v = n;
        while (v >= 1024 && unit < BINARY.length - 1) {
            v /= 1024;
            unit++;
        }
        // 1023.96 KiB would print as "1024.0 KiB": move up a unit instead.
        if (v >= 1023.95 && unit < BINARY.length - 1) {
            v /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, BINARY[unit]);
    }

    /** Nanoseconds as milliseconds: "0.35 ms", "12.3 ms", "1234 ms". */
    public static String millis(long nanos) {
        double ms = nanos / 1e6;
        if (Math.abs(ms) < 10) return String.format(Locale.ROOT, "%.2f ms", ms);
        if (Math.abs(ms) < 1000) return String.format(Locale.ROOT, "%.1f ms", ms);
        return String.format(Locale.ROOT, "%.0f ms", ms);
    }

    /**
     * Nanoseconds as milliseconds with one decimal and no unit, as {@code String.format("%.1f", nanos / 1e6)} prints
     * non-negative values ("846.5"), without {@link java.util.Formatter}: in a cold JVM its first use loads the
     * formatter, regular expressions and the locale's number data (10-20 ms at load 4), which the line a restore prints
     * when it is done would pay before it is written (round 62).
     */
    public static String millisOneDecimal(long nanos) {
        if (nanos < 0) return String.format(Locale.ROOT, "%.1f", nanos / 1e6);
        long tenths = (nanos + 50_000) / 100_000;
        return (tenths / 10) + "." + (tenths % 10);
    }

    /** Nanoseconds as seconds with two decimals: "0.40 s", "12.25 s". */
    public static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.2f s", nanos / 1e9);
    }

    /** A duration in the unit that reads best: {@link #millis} below one second, else {@link #seconds}. */
    public static String duration(long nanos) {
        return Math.abs(nanos) < 1_000_000_000L ? millis(nanos) : seconds(nanos);
    }

    /** Bytes per second: "45.6 MiB/s"; "-" when no time has passed. */
    public static String rate(long bytes, long nanos) {
        if (nanos <= 0) return "-";
        return bytes((long) (bytes * 1e9 / nanos)) + "/s";
    }

    /** How many times smaller {@code stored} is than {@code raw}: "3.2x"; "-" if nothing was stored. */
    public static String ratio(long raw, long stored) {
        if (stored <= 0 || raw <= 0) return "-";
        return String.format(Locale.ROOT, "%.1fx", (double) raw / stored);
    }

    /** {@code part} as a percentage of {@code whole}: "12.5%"; "-" for an empty whole. */
    public static String percent(long part, long whole) {
        if (whole <= 0) return "-";
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * part / whole);
    }

    /** A moment in the local time zone, to the second: "2024-05-20 10:13:20". */
    public static String localTime(Instant t) {
        return LocalTimeFormat.LOCAL_TIME.format(t);
    }

    /** The first 12 hex digits of a checkpoint id (unique enough to type; the store accepts prefixes). */
    public static String shortId(String id) {
        if (id == null) return "-";
        return id.length() <= 12 ? id : id.substring(0, 12);
    }
}
