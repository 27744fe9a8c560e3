package org.vmckpt.machine.cpu;

import java.math.BigInteger;

/**
 * The exact (slow) path for binary64 arithmetic: computes the true result with big integers and rounds it
 * once with {@link FloatRounder}. FloatUnit uses it only where its fast path cannot know the exact error:
 * results that overflow in a directed mode, tiny or subnormal results, and huge exponent gaps. It allocates,
 * which is fine on those rare paths. All operands are finite (the caller handles NaN, infinity and the
 * zero operands whose result needs no rounding).
 */
final class FloatExact {
    private static final long FRACTION = 0x000fffffffffffffL;
    private static final long HIDDEN_BIT = 1L << 52;
    private static final long SIGN = 1L << 63;
    /** Extra quotient / root bits: far more than the 53 + guard + sticky bits the rounding needs. */
    private static final int EXTRA_BITS = 128;

    private FloatExact() {
    }

    /** Integer significand of a finite double: value = significand * 2^exponent. */
    static long significand(long bits) {
        long biased = (bits >>> 52) & 0x7ff;
        long fraction = bits & FRACTION;
        return biased == 0 ? fraction : fraction | HIDDEN_BIT;
    }

    static int exponent(long bits) {
        int biased = (int) ((bits >>> 52) & 0x7ff);
        return (biased == 0 ? 1 : biased) - 1075;
    }

    static long add(FloatUnit unit, long a, long b, int rm) {
        return add(unit, a, b, rm, true);
    }

    static long mul(FloatUnit unit, long a, long b, int rm) {
        return mul(unit, a, b, rm, true);
    }

    static long fma(FloatUnit unit, long a, long b, long c, int rm) {
        return fma(unit, a, b, c, rm, true);
    }

    static long div(FloatUnit unit, long a, long b, int rm) {
        return div(unit, a, b, rm, true);
    }

    static long sqrt(FloatUnit unit, long a, int rm) {
        return sqrt(unit, a, rm, true);
    }

    // The variants below round to binary32 when isDouble is false; the operands are still doubles (a single
    // widens to a double exactly). FloatUnit does not need that; the tests use it as an exact reference.

    static long add(FloatUnit unit, long a, long b, int rm, boolean isDouble) {
        return sum(unit, a < 0, BigInteger.valueOf(significand(a)), exponent(a),
                b < 0, BigInteger.valueOf(significand(b)), exponent(b), rm, isDouble);
    }

    static long mul(FloatUnit unit, long a, long b, int rm, boolean isDouble) {
        BigInteger product = BigInteger.valueOf(significand(a)).multiply(BigInteger.valueOf(significand(b)));
        boolean negative = (a ^ b) < 0;
        if (product.signum() == 0) {
            return zero(negative, isDouble);
        }
        return round(unit, negative, product, exponent(a) + exponent(b), false, rm, isDouble);
    }

    /** a * b + c with one rounding. */
    static long fma(FloatUnit unit, long a, long b, long c, int rm, boolean isDouble) {
        BigInteger product = BigInteger.valueOf(significand(a)).multiply(BigInteger.valueOf(significand(b)));
        return sum(unit, (a ^ b) < 0, product, exponent(a) + exponent(b),
                c < 0, BigInteger.valueOf(significand(c)), exponent(c), rm, isDouble);
    }

    /** a / b for non-zero a and b. */
    static long div(FloatUnit unit, long a, long b, int rm, boolean isDouble) {
        BigInteger dividend = BigInteger.valueOf(significand(a)).shiftLeft(EXTRA_BITS);
        BigInteger[] quotientAndRemainder = dividend.divideAndRemainder(BigInteger.valueOf(significand(b)));
        return round(unit, (a ^ b) < 0, quotientAndRemainder[0], exponent(a) - exponent(b) - EXTRA_BITS,
                quotientAndRemainder[1].signum() != 0, rm, isDouble);
    }

    /** Square root of a positive a. */
    static long sqrt(FloatUnit unit, long a, int rm, boolean isDouble) {
        BigInteger sig = BigInteger.valueOf(significand(a));
        int exp = exponent(a);
        if ((exp & 1) != 0) { // make the exponent even so it halves exactly
            sig = sig.shiftLeft(1);
            exp -= 1;
        }
        BigInteger scaled = sig.shiftLeft(2 * EXTRA_BITS);
        BigInteger root = scaled.sqrt();
        boolean sticky = !root.multiply(root).equals(scaled);
        return round(unit, false, root, (exp - 2 * EXTRA_BITS) / 2, sticky, rm, isDouble);
    }

    /** (-1)^negP * mp * 2^ep + (-1)^negC * mc * 2^ec, rounded once; handles exact zero sums. */
    private static long sum(FloatUnit unit, boolean negP, BigInteger mp, int ep, boolean negC, BigInteger mc, int ec,
                            int rm, boolean isDouble) {
        int exp = Math.min(ep, ec);
        BigInteger p = mp.shiftLeft(ep - exp);
        BigInteger c = mc.shiftLeft(ec - exp);
        BigInteger s = (negP ? p.negate() : p).add(negC ? c.negate() : c);
        if (s.signum() == 0) {
            // IEEE 754 6.3: an exact zero sum of opposite signs is +0, except -0 when rounding down;
            // x + x keeps the sign of x (only reachable here when both are zeros).
            boolean negative = negP == negC ? negP : rm == FloatUnit.RDN;
            return zero(negative, isDouble);
        }
        return round(unit, s.signum() < 0, s.abs(), exp, false, rm, isDouble);
    }

    private static long zero(boolean negative, boolean isDouble) {
        return negative ? (isDouble ? SIGN : 1L << 31) : 0;
    }

    private static long round(FloatUnit unit, boolean negative, BigInteger magnitude, int exp, boolean sticky,
                              int rm, boolean isDouble) {
        int excess = magnitude.bitLength() - 63;
        if (excess > 0) {
            sticky |= magnitude.getLowestSetBit() < excess;
            magnitude = magnitude.shiftRight(excess);
            exp += excess;
        }
        return FloatRounder.round(unit, negative, magnitude.longValue(), exp, sticky, rm, isDouble);
    }
}
