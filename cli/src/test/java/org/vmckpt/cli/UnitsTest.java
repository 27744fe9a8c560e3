package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class UnitsTest {
    @Test
    void bytesUseBinaryUnitsWithOneDecimal() {
        assertEquals("0 B", Units.bytes(0));
        assertEquals("1023 B", Units.bytes(1023));
        assertEquals("1.0 KiB", Units.bytes(1024));
        assertEquals("1.5 KiB", Units.bytes(1536));
        assertEquals("12.3 MiB", Units.bytes((long) (12.3 * 1024 * 1024)));
        assertEquals("1.0 MiB", Units.bytes(1024 * 1024 - 1), "never 1024.0 KiB");
        assertEquals("1.0 GiB", Units.bytes(1L << 30));
        assertEquals("8.0 EiB", Units.bytes(Long.MAX_VALUE));
        assertEquals("-2.0 KiB", Units.bytes(-2048));
    }

    @Test
    void durationsPickAPrecisionForTheirSize() {
        assertEquals("0.35 ms", Units.millis(350_000));
        assertEquals("1.23 ms", Units.millis(1_234_567));
        assertEquals("12.3 ms", Units.millis(12_345_678));
        assertEquals("1235 ms", Units.millis(1_234_567_890));
        assertEquals("0.40 s", Units.seconds(402_823_946));
        assertEquals("12.3 ms", Units.duration(12_345_678));
        assertEquals("2.50 s", Units.duration(2_500_000_000L));
    }

    @Test
    void ratesRatiosAndPercentages() {
        assertEquals("1.0 MiB/s", Units.rate(1 << 20, 1_000_000_000L));
        assertEquals("2.0 MiB/s", Units.rate(1 << 20, 500_000_000L));
        assertEquals("-", Units.rate(100, 0));
        assertEquals("4.0x", Units.ratio(4096, 1024));
        assertEquals("-", Units.ratio(4096, 0));
        assertEquals("12.5%", Units.percent(1, 8));
        assertEquals("-", Units.percent(1, 0));
    }

    @Test
    void shortIdsAndTimes() {
        assertEquals("0123456789ab", Units.shortId("0123456789abcdef"));
        assertEquals("abc", Units.shortId("abc"));
        assertEquals("-", Units.shortId(null));
        assertEquals(19, Units.localTime(Instant.parse("2024-05-20T10:13:20Z")).length());
    }

    @Test
    void millisWithOneDecimalPrintAsTheFormatterDoes() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(62);
        long[] fixed = {0, 1, 49_999, 50_000, 99_999, 100_000, 150_000, 250_000, 846_450_000L, 999_950_000L, 1_000_000_000L, 86_400_000_000_000L};
        for (long n : fixed) assertEquals(String.format(java.util.Locale.ROOT, "%.1f", n / 1e6), Units.millisOneDecimal(n), "" + n);
        for (int i = 0; i < 100_000; i++) {
            long n = i % 2 == 0 ? r.nextLong(10_000_000_000L) : r.nextLong(100_000) * 50_000; // ties among them
            assertEquals(String.format(java.util.Locale.ROOT, "%.1f", n / 1e6), Units.millisOneDecimal(n), "" + n);
        }
        assertEquals("-1.5", Units.millisOneDecimal(-1_500_000));
    }
}
