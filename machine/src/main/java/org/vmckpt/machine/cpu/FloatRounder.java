package org.vmckpt.machine.cpu;

/**
 * Rounds an exactly known value to IEEE-754 binary32 or binary64 in any RISC-V rounding mode, the way the
 * standard says: one rounding, gradual underflow, tininess detected after rounding (as RISC-V requires),
 * overflow to infinity or to the largest finite number depending on the mode. It raises NX, UF and OF into
 * the given unit's flags. Works on longs only, so it never allocates.
 */
final class FloatRounder {
    private FloatRounder() {
    }

    /**
     * Rounds {@code (-1)^negative * (sig + f) * 2^exp}, where {@code sig} is an unsigned, non-zero integer and
     * {@code 0 <= f < 1} is a fraction known only by whether it is zero ({@code sticky == false}) or not.
     *
     * @param isDouble true for binary64, false for binary32 (the result is then in the low 32 bits)
     * @return the raw bit pattern of the rounded result
     */
    static long round(FloatUnit unit, boolean negative, long sig, int exp, boolean sticky, int rm,
                      boolean isDouble) {
        final int precision = isDouble ? 53 : 24;
        final int minExp = isDouble ? -1022 : -126;   // exponent of the smallest normal number
        final int maxExp = isDouble ? 1023 : 127;
        final long signBit = isDouble ? 1L << 63 : 1L << 31;
        final long infinity = isDouble ? 0x7ff0000000000000L : 0x7f800000L;
        final int lowestLsb = minExp - (precision - 1); // exponent of the smallest subnormal

        // Normalise so the leading one sits at bit 62: value = sig * 2^exp with sig in [2^62, 2^63).
        int leadingZeros = Long.numberOfLeadingZeros(sig);
        if (leadingZeros == 0) {
            sticky |= (sig & 1) != 0;
            sig >>>= 1;
            exp += 1;
        } else if (leadingZeros > 1) {
            sig <<= leadingZeros - 1;
            exp -= leadingZeros - 1;
        }
        int top = exp + 62; // exponent of the leading bit

        // Tininess after rounding: is the value, rounded to `precision` bits with an unbounded exponent range,
        // below the smallest normal? Only a value just under it can round up into it.
        boolean tiny = top < minExp;
        if (top == minExp - 1) {
            int drop = 63 - precision;
            long kept = sig >>> drop;
            long rem = sig & ((1L << drop) - 1);
            boolean up = roundsUp(rm, negative, kept, compareHalf(rem, 1L << (drop - 1), sticky), rem != 0 || sticky);
            tiny = !(up && kept == (1L << precision) - 1);
        }

        // The real rounding: subnormal results keep fewer bits.
        int lsbExp = Math.max(top - (precision - 1), lowestLsb);
        int drop = lsbExp - exp; // at least 63 - precision
        long kept;
        int half;
        boolean inexact;
        if (drop >= 64) {
            kept = 0;
            half = -1; // the whole value is below half of the smallest subnormal
            inexact = true;
        } else {
            kept = sig >>> drop;
            long rem = sig & ((1L << drop) - 1);
            half = compareHalf(rem, 1L << (drop - 1), sticky);
            inexact = rem != 0 || sticky;
        }
        if (roundsUp(rm, negative, kept, half, inexact)) {
            kept++;
            if (kept == 1L << precision) { // carried into the next binade
                kept >>>= 1;
                lsbExp++;
            }
        }
        long sign = negative ? signBit : 0;
        if (kept != 0 && lsbExp + precision - 1 > maxExp) {
            unit.flags |= FloatUnit.OF | FloatUnit.NX;
            boolean toInfinity = rm == FloatUnit.RNE || rm == FloatUnit.RMM
                    || (rm == FloatUnit.RUP && !negative) || (rm == FloatUnit.RDN && negative);
            return sign | (toInfinity ? infinity : infinity - 1);
        }
        if (inexact) {
            unit.flags |= tiny ? FloatUnit.NX | FloatUnit.UF : FloatUnit.NX;
        }
        // A normal `kept` carries its hidden bit into the exponent field, so one formula covers both cases.
        return sign | (((long) (lsbExp - lowestLsb) << (precision - 1)) + kept);
    }

    /**
     * Rounds {@code d + e} to binary32, where {@code d} is a finite non-zero double and {@code e} is an
     * error so small against {@code d}'s last bit that only its sign, {@code errSign}, matters.
     */
    static int roundDoubleToSingle(FloatUnit unit, double d, int errSign, int rm) {
        long bits = Double.doubleToRawLongBits(d);
        boolean negative = bits < 0;
        int biased = (int) ((bits >>> 52) & 0x7ff);
        long sig = bits & 0x000fffffffffffffL;
        int exp;
        if (biased == 0) {
            exp = -1074;
        } else {
            sig |= 1L << 52;
            exp = biased - 1075;
        }
        // Two extra low bits make room to place the value just above or just below d.
        sig <<= 2;
        exp -= 2;
        boolean sticky = errSign != 0;
        int magnitudeErr = negative ? -errSign : errSign;
        if (magnitudeErr < 0) {
            sig -= 1;
        }
        return (int) round(unit, negative, sig, exp, sticky, rm, false);
    }

    /** -1, 0, 1 as the dropped bits (plus the sticky fraction below them) are below, at, above half. */
    private static int compareHalf(long rem, long half, boolean sticky) {
        if (rem != half) {
            return rem > half ? 1 : -1;
        }
        return sticky ? 1 : 0;
    }

    private static boolean roundsUp(int rm, boolean negative, long kept, int half, boolean inexact) {
        switch (rm) {
            case FloatUnit.RNE:
                return half > 0 || (half == 0 && (kept & 1) != 0);
            case FloatUnit.RMM:
                return half >= 0 && inexact;
            case FloatUnit.RDN:
                return inexact && negative;
            case FloatUnit.RUP:
                return inexact && !negative;
            default: // RTZ
                return false;
        }
    }
}
