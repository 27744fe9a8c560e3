package org.vmckpt.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Checks FloatUnit's fast paths (nearest-even hardware result plus error term, ErrFma for fused operations,
 * single precision computed in double) against the big-integer exact path on many random operands chosen
 * to land on ties, cancellations, the edges of the exponent range and subnormals; and checks that the
 * round-to-nearest-even path does not allocate.
 */
class FloatUnitExactnessTest {
    private static final int ROUNDS = 30_000;

    private final SplittableRandom random = new SplittableRandom(20240611);
    private final List<String> mismatches = new ArrayList<>();
    private int mismatchCount;

    // ----------------------------------------------------------------------------------- random operands

    /** A fraction of `bits` bits, often short (trailing zeros: exact results and ties) or all ones. */
    private long fraction(int bits) {
        long mask = (1L << bits) - 1;
        switch (random.nextInt(6)) {
            case 0:
            case 1:
                return random.nextLong() & mask;
            case 2:
                return random.nextLong() & mask & -(1L << random.nextInt(bits));
            case 3:
                return mask - random.nextInt(4);
            case 4:
                return random.nextInt(4);
            default:
                return random.nextLong() & mask & -(1L << (bits / 2 + random.nextInt(bits / 2)));
        }
    }

    private int biasedExponent(int max, int bias) {
        switch (random.nextInt(8)) {
            case 0:
                return 0;
            case 1:
                return 1 + random.nextInt(3);
            case 2:
                return max - 1 - random.nextInt(3);
            case 3:
                return 1 + random.nextInt(max - 1);
            default:
                return bias + random.nextInt(41) - 20;
        }
    }

    private long doubleWithExponent(int biased) {
        biased = Math.max(0, Math.min(2046, biased));
        return (random.nextBoolean() ? 1L << 63 : 0) | ((long) biased << 52) | fraction(52);
    }

    private long randomDouble() {
        return doubleWithExponent(biasedExponent(2047, 1023));
    }

    private long doubleNear(long other) {
        int e = (int) ((other >>> 52) & 0x7ff);
        return random.nextInt(4) == 0 ? randomDouble() : doubleWithExponent(e + random.nextInt(121) - 60);
    }

    private int singleWithExponent(int biased) {
        biased = Math.max(0, Math.min(254, biased));
        return (random.nextBoolean() ? 1 << 31 : 0) | (biased << 23) | (int) fraction(23);
    }

    private int randomSingle() {
        return singleWithExponent(biasedExponent(255, 127));
    }

    private int singleNear(int other) {
        int e = (other >>> 23) & 0xff;
        return random.nextInt(4) == 0 ? randomSingle() : singleWithExponent(e + random.nextInt(61) - 30);
    }

    /** An addend for a*b + c: often close to -(a*b) (cancellation) or close to its last bit (ties). */
    private long addendD(long a, long b) {
        long product = Double.doubleToRawLongBits(Double.longBitsToDouble(a) * Double.longBitsToDouble(b));
        if ((product & 0x7ff0000000000000L) == 0x7ff0000000000000L) {
            return randomDouble();
        }
        switch (random.nextInt(4)) {
            case 0:
                return (product ^ (1L << 63)) + random.nextInt(5) - 2;
            case 1:
                return doubleNear(product);
            case 2: // far below the product's last bit: breaks (or fakes) ties
                return doubleWithExponent((int) ((product >>> 52) & 0x7ff) - 54 - random.nextInt(60));
            default:
                return randomDouble();
        }
    }

    private int addendS(int a, int b) {
        float p = Float.intBitsToFloat(a) * Float.intBitsToFloat(b);
        if (Float.isInfinite(p) || Float.isNaN(p)) {
            return randomSingle();
        }
        int product = Float.floatToRawIntBits(p);
        switch (random.nextInt(4)) {
            case 0:
                return (product ^ (1 << 31)) + random.nextInt(5) - 2;
            case 1:
                return singleNear(product);
            case 2: // below double precision of a*b: computing a*b + c in double would round twice
                return singleWithExponent(((product >>> 23) & 0xff) - 30 - random.nextInt(40));
            default:
                return randomSingle();
        }
    }

    private static boolean finiteD(long bits) {
        return (bits & 0x7ff0000000000000L) != 0x7ff0000000000000L;
    }

    private static boolean finiteS(int bits) {
        return (bits & 0x7f800000) != 0x7f800000;
    }

    private static boolean zeroD(long bits) {
        return (bits << 1) == 0;
    }

    private static long widen(int single) {
        return Double.doubleToRawLongBits(Float.intBitsToFloat(single));
    }

    // ----------------------------------------------------------------------------------- comparison

    private interface Op {
        long apply(FloatUnit unit, int rm);
    }

    private void check(String what, Op fast, Op exact) {
        for (int rm = 0; rm < 5; rm++) {
            FloatUnit fastUnit = new FloatUnit();
            FloatUnit exactUnit = new FloatUnit();
            long got = fast.apply(fastUnit, rm);
            long want = exact.apply(exactUnit, rm);
            if (got != want || fastUnit.flags != exactUnit.flags) {
                mismatchCount++;
                if (mismatches.size() < 40) {
                    mismatches.add(String.format("%s rm=%d: exact %x %s, fast %x %s", what, rm, want,
                            FloatUnitVectorTest.flagText(exactUnit.flags), got,
                            FloatUnitVectorTest.flagText(fastUnit.flags)));
                }
            }
        }
    }

    private void assertNoMismatch() {
        if (mismatchCount > 0) {
            fail(mismatchCount + " mismatches, the first ones:\n" + String.join("\n", mismatches));
        }
    }

    // ----------------------------------------------------------------------------------- tests

    @Test
    void doubleArithmeticMatchesExactPath() {
        for (int i = 0; i < ROUNDS; i++) {
            long a = randomDouble();
            long b = doubleNear(a);
            if (!finiteD(a) || !finiteD(b)) {
                continue;
            }
            String ab = String.format("%016x %016x", a, b);
            check("add " + ab, (u, rm) -> u.addD(a, b, rm), (u, rm) -> FloatExact.add(u, a, b, rm));
            check("mul " + ab, (u, rm) -> u.mulD(a, b, rm), (u, rm) -> FloatExact.mul(u, a, b, rm));
            if (!zeroD(a) && !zeroD(b)) {
                check("div " + ab, (u, rm) -> u.divD(a, b, rm), (u, rm) -> FloatExact.div(u, a, b, rm));
            }
            long positive = a & Long.MAX_VALUE;
            if (!zeroD(positive)) {
                check("sqrt " + ab, (u, rm) -> u.sqrtD(positive, rm), (u, rm) -> FloatExact.sqrt(u, positive, rm));
            }
        }
        assertNoMismatch();
    }

    @Test
    void doubleFusedMultiplyAddMatchesExactPath() {
        for (int i = 0; i < ROUNDS; i++) {
            long a = randomDouble();
            long b = random.nextBoolean() ? doubleNear(0x3ff0000000000000L) : randomDouble();
            long c = addendD(a, b);
            if (!finiteD(a) || !finiteD(b) || !finiteD(c) || zeroD(a) || zeroD(b)) {
                continue;
            }
            String abc = String.format("fma %016x %016x %016x", a, b, c);
            check(abc, (u, rm) -> u.fmaddD(a, b, c, rm), (u, rm) -> FloatExact.fma(u, a, b, c, rm));
            long nc = c ^ (1L << 63);
            check(abc + " (fmsub)", (u, rm) -> u.fmsubD(a, b, c, rm), (u, rm) -> FloatExact.fma(u, a, b, nc, rm));
        }
        assertNoMismatch();
    }

    @Test
    void singleArithmeticMatchesExactPath() {
        for (int i = 0; i < ROUNDS; i++) {
            int a = randomSingle();
            int b = singleNear(a);
            if (!finiteS(a) || !finiteS(b)) {
                continue;
            }
            long wa = widen(a);
            long wb = widen(b);
            String ab = String.format("%08x %08x", a, b);
            check("adds " + ab, (u, rm) -> u.addS(a, b, rm) & 0xffffffffL,
                    (u, rm) -> FloatExact.add(u, wa, wb, rm, false));
            check("muls " + ab, (u, rm) -> u.mulS(a, b, rm) & 0xffffffffL,
                    (u, rm) -> FloatExact.mul(u, wa, wb, rm, false));
            if (!zeroD(wa) && !zeroD(wb)) {
                check("divs " + ab, (u, rm) -> u.divS(a, b, rm) & 0xffffffffL,
                        (u, rm) -> FloatExact.div(u, wa, wb, rm, false));
            }
            int positive = a & Integer.MAX_VALUE;
            if (positive != 0) {
                check("sqrts " + ab, (u, rm) -> u.sqrtS(positive, rm) & 0xffffffffL,
                        (u, rm) -> FloatExact.sqrt(u, widen(positive), rm, false));
            }
            int c = addendS(a, b);
            if (finiteS(c)) {
                long wc = widen(c);
                check("fmas " + ab + String.format(" %08x", c), (u, rm) -> u.fmaddS(a, b, c, rm) & 0xffffffffL,
                        (u, rm) -> FloatExact.fma(u, wa, wb, wc, rm, false));
            }
            long d = doubleWithExponent(1023 + random.nextInt(320) - 160);
            check(String.format("cvt.s.d %016x", d), (u, rm) -> u.cvtSD(d, rm) & 0xffffffffL,
                    (u, rm) -> FloatExact.mul(u, d, 0x3ff0000000000000L, rm, false));
        }
        assertNoMismatch();
    }

    @Test
    void nearestEvenPathDoesNotAllocate() {
        java.lang.management.ThreadMXBean bean = ManagementFactory.getThreadMXBean();
        if (!(bean instanceof com.sun.management.ThreadMXBean)) {
            return; // this JVM cannot count allocations
        }
        com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) bean;
        long[] d = new long[1024];
        int[] s = new int[1024];
        for (int i = 0; i < d.length; i++) {
            d[i] = doubleWithExponent(1023 + random.nextInt(200) - 100);
            s[i] = singleWithExponent(127 + random.nextInt(60) - 30);
        }
        FloatUnit unit = new FloatUnit();
        long sink = run(unit, d, s); // warm up, and make sure the loop is compiled
        sink += run(unit, d, s);
        long thread = Thread.currentThread().getId();
        long before = counter.getThreadAllocatedBytes(thread);
        sink += run(unit, d, s);
        long allocated = counter.getThreadAllocatedBytes(thread) - before;
        assertEquals(0, allocated, "bytes allocated by 1M nearest-even operations (sink " + sink + ")");
    }

    private static long run(FloatUnit u, long[] d, int[] s) {
        long sink = 0;
        for (int round = 0; round < 100; round++) {
            for (int i = 0; i + 2 < d.length; i++) {
                sink += u.addD(d[i], d[i + 1], FloatUnit.RNE) + u.mulD(d[i], d[i + 1], FloatUnit.RNE)
                        + u.divD(d[i], d[i + 1], FloatUnit.RNE) + u.sqrtD(d[i] & Long.MAX_VALUE, FloatUnit.RNE)
                        + u.fmaddD(d[i], d[i + 1], d[i + 2], FloatUnit.RNE);
                sink += u.addS(s[i], s[i + 1], FloatUnit.RNE) + u.mulS(s[i], s[i + 1], FloatUnit.RNE)
                        + u.divS(s[i], s[i + 1], FloatUnit.RNE) + u.sqrtS(s[i] & Integer.MAX_VALUE, FloatUnit.RNE)
                        + u.fmaddS(s[i], s[i + 1], s[i + 2], FloatUnit.RNE);
            }
        }
        return sink;
    }
}
