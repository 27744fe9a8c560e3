package org.vmckpt.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.vmckpt.machine.cpu.FloatUnit.DZ;
import static org.vmckpt.machine.cpu.FloatUnit.NV;
import static org.vmckpt.machine.cpu.FloatUnit.NX;
import static org.vmckpt.machine.cpu.FloatUnit.OF;
import static org.vmckpt.machine.cpu.FloatUnit.RDN;
import static org.vmckpt.machine.cpu.FloatUnit.RMM;
import static org.vmckpt.machine.cpu.FloatUnit.RNE;
import static org.vmckpt.machine.cpu.FloatUnit.RTZ;
import static org.vmckpt.machine.cpu.FloatUnit.RUP;
import static org.vmckpt.machine.cpu.FloatUnit.UF;

import org.junit.jupiter.api.Test;

/** Hand-worked cases for the rules that are easiest to get wrong. */
class FloatUnitTest {
    private static final long ONE = d(1.0);
    private static final long CANONICAL_NAN_D = 0x7ff8000000000000L;
    private static final int CANONICAL_NAN_S = 0x7fc00000;
    private static final long SNAN_D = 0x7ff0000000000001L;
    private static final int SNAN_S = 0x7f800001;
    private static final long POS_ZERO = 0L;
    private static final long NEG_ZERO = 0x8000000000000000L;
    private static final long MAX_D = d(Double.MAX_VALUE);
    private static final long INF_D = d(Double.POSITIVE_INFINITY);

    private final FloatUnit unit = new FloatUnit();

    private static long d(double v) {
        return Double.doubleToRawLongBits(v);
    }

    private static int s(float v) {
        return Float.floatToRawIntBits(v);
    }

    /** Checks the result and the flags of one operation, then clears the flags. */
    private void expect(long expected, int expectedFlags, long actual) {
        assertEquals(Long.toHexString(expected) + " " + FloatUnitVectorTest.flagText(expectedFlags),
                Long.toHexString(actual) + " " + FloatUnitVectorTest.flagText(unit.flags));
        unit.flags = 0;
    }

    @Test
    void roundToNearestTiesAwayDiffersFromTiesToEvenOnlyOnExactTies() {
        long tie = d(0x1p-53); // 1 + 2^-53 lies exactly halfway between 1 and 1 + 2^-52
        long oneUp = d(1 + 0x1p-52);
        expect(ONE, NX, unit.addD(ONE, tie, RNE));       // the even neighbour
        expect(oneUp, NX, unit.addD(ONE, tie, RMM));     // away from zero
        expect(oneUp | NEG_ZERO, NX, unit.addD(ONE | NEG_ZERO, tie | NEG_ZERO, RMM));
        expect(ONE, NX, unit.addD(ONE, tie, RTZ));
        expect(ONE, NX, unit.addD(ONE, tie, RDN));
        expect(oneUp, NX, unit.addD(ONE, tie, RUP));
        expect(oneUp | NEG_ZERO, NX, unit.addD(ONE | NEG_ZERO, tie | NEG_ZERO, RDN));
        // Just above the tie: both nearest modes go up.
        long aboveTie = d(0x1p-53 + 0x1p-80);
        expect(oneUp, NX, unit.addD(ONE, aboveTie, RNE));
        // 1 + 2^-24 to single: a tie; ties-to-even keeps 1, ties-away takes the next float.
        expect(s(1f), NX, unit.cvtSD(d(1 + 0x1p-24), RNE));
        expect(s(Math.nextUp(1f)), NX, unit.cvtSD(d(1 + 0x1p-24), RMM));
        // Conversions to integers round half away in RMM, half to even in RNE.
        expect(3, NX, unit.cvtWD(d(2.5), RMM));
        expect(2, NX, unit.cvtWD(d(2.5), RNE));
        expect(-3, NX, unit.cvtLD(d(-2.5), RMM));
        expect(-2, NX, unit.cvtLD(d(-2.5), RNE));
        expect(-3, NX, unit.cvtWS(s(-2.5f), RDN));
        expect(-2, NX, unit.cvtWS(s(-2.5f), RUP));
    }

    @Test
    void singleFusedMultiplyAddRoundsOnce() {
        // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 is a float tie; a tiny addend decides the side. Computing the sum in
        // double first would round it back onto the tie and then to even: the classic double rounding error.
        int a = s(1 + 0x1p-12f);
        int tiny = s(0x1p-80f);
        expect(s(1 + 0x1p-11f + 0x1p-23f), NX, unit.fmaddS(a, a, tiny, RNE));
        expect(s(1 + 0x1p-11f), NX, unit.fmaddS(a, a, tiny | 0x80000000, RNE));
        expect(s(1 + 0x1p-11f), NX, unit.fmaddS(a, a, 0, RNE)); // the plain tie goes to even
        expect(s(1 + 0x1p-11f + 0x1p-23f), NX, unit.fmaddS(a, a, 0, RMM));
    }

    @Test
    void underflowIsDetectedAfterRounding() {
        // (2^27-1) * 2^-538 times (2^27+1) * 2^-538 = 2^-1022 - 2^-1076, just under the smallest normal.
        long a = d(Math.scalb((double) ((1 << 27) - 1), -538));
        long b = d(Math.scalb((double) ((1 << 27) + 1), -538));
        long minNormal = d(Double.MIN_NORMAL);
        // With an unbounded exponent it rounds to 2^-1022 (a tie, to even), so it is not tiny: NX only.
        expect(minNormal, NX, unit.mulD(a, b, RNE));
        // Rounding toward zero leaves it below 2^-1022: tiny and inexact, so UF.
        expect(minNormal - 1, NX | UF, unit.mulD(a, b, RTZ));
        // (1 - 2^-53) * 2^-1022 is exactly representable with an unbounded exponent, below 2^-1022: tiny. It
        // rounds (to even) up to 2^-1022 all the same: UF is raised although the result is normal.
        expect(minNormal, NX | UF, unit.mulD(d(1 - 0x1p-53), minNormal, RNE));
        // The single-precision version: 18631 * 2^-75 * 1801 * 2^-76 = (2^25 - 1) * 2^-151 = 2^-126 - 2^-151.
        int x = s(Math.scalb(18631f, -75));
        int y = s(Math.scalb(1801f, -76));
        expect(s(Float.MIN_NORMAL), NX, unit.mulS(x, y, RNE));
        expect(s(Float.MIN_NORMAL) - 1, NX | UF, unit.mulS(x, y, RTZ));
        // An exact subnormal result raises nothing.
        expect(d(Double.MIN_VALUE), 0, unit.mulD(d(Double.MIN_VALUE * 0x1p52), d(0x1p-52), RNE));
        // Rounding to zero: UF and NX, sign kept.
        expect(NEG_ZERO, NX | UF, unit.mulD(d(-Double.MIN_VALUE), d(0.25), RNE));
        expect(d(-Double.MIN_VALUE), NX | UF, unit.mulD(d(-Double.MIN_VALUE), d(0.25), RDN));
    }

    @Test
    void overflowDependsOnTheRoundingMode() {
        long two = d(2.0);
        expect(INF_D, OF | NX, unit.mulD(MAX_D, two, RNE));
        expect(INF_D, OF | NX, unit.mulD(MAX_D, two, RMM));
        expect(MAX_D, OF | NX, unit.mulD(MAX_D, two, RTZ));
        expect(MAX_D, OF | NX, unit.mulD(MAX_D, two, RDN));
        expect(INF_D, OF | NX, unit.mulD(MAX_D, two, RUP));
        expect(INF_D | NEG_ZERO, OF | NX, unit.mulD(MAX_D | NEG_ZERO, two, RDN));
        expect(MAX_D | NEG_ZERO, OF | NX, unit.mulD(MAX_D | NEG_ZERO, two, RUP));
        // Just above the largest float: rounds down to it in RTZ without overflowing; RUP overflows.
        long justAbove = d(Float.MAX_VALUE + 0x1p100);
        expect(s(Float.MAX_VALUE), NX, unit.cvtSD(justAbove, RTZ));
        expect(s(Float.POSITIVE_INFINITY), OF | NX, unit.cvtSD(justAbove, RUP));
    }

    @Test
    void exactZeroSumsTakeTheSignOfTheRoundingMode() {
        expect(POS_ZERO, 0, unit.addD(ONE, ONE | NEG_ZERO, RNE));
        expect(NEG_ZERO, 0, unit.addD(ONE, ONE | NEG_ZERO, RDN));
        expect(NEG_ZERO, 0, unit.addD(NEG_ZERO, NEG_ZERO, RNE));
        expect(NEG_ZERO, 0, unit.addD(POS_ZERO, NEG_ZERO, RDN));
        expect(POS_ZERO, 0, unit.addD(POS_ZERO, POS_ZERO, RDN));
        expect(NEG_ZERO, 0, unit.fmaddD(ONE, ONE, ONE | NEG_ZERO, RDN));
        expect(POS_ZERO, 0, unit.fnmsubD(ONE, ONE, ONE, RNE));   // -(1*1) + 1
        expect(NEG_ZERO, 0, unit.fnmaddD(POS_ZERO, ONE, POS_ZERO, RNE)); // -(0*1) - 0
        expect(0x80000000L, 0, unit.subS(s(2f), s(2f), RDN) & 0xffffffffL);
        expect(POS_ZERO, 0, unit.subS(s(2f), s(2f), RUP));
    }

    @Test
    void fusedVariantsNegateTheRightTerms() {
        long two = d(2.0);
        long three = d(3.0);
        expect(d(7.0), 0, unit.fmaddD(two, three, ONE, RNE));
        expect(d(5.0), 0, unit.fmsubD(two, three, ONE, RNE));
        expect(d(-5.0), 0, unit.fnmsubD(two, three, ONE, RNE));
        expect(d(-7.0), 0, unit.fnmaddD(two, three, ONE, RNE));
        expect(s(-7f), 0, unit.fnmaddS(s(2f), s(3f), s(1f), RNE));
        // 0 * inf is invalid even when the addend is a quiet NaN.
        expect(CANONICAL_NAN_D, NV, unit.fmaddD(POS_ZERO, INF_D, CANONICAL_NAN_D, RNE));
        expect(CANONICAL_NAN_S, NV, unit.fmaddS(0, s(Float.POSITIVE_INFINITY), CANONICAL_NAN_S, RNE));
        expect(CANONICAL_NAN_D, NV, unit.fmaddD(INF_D, ONE, INF_D | NEG_ZERO, RNE)); // inf - inf
    }

    @Test
    void conversionsToIntegersSaturate() {
        long nan = CANONICAL_NAN_D;
        expect(0x7fffffffL, NV, unit.cvtWD(nan, RNE));
        expect(0xffffffff80000000L, NV, unit.cvtWD(d(Double.NEGATIVE_INFINITY), RNE));
        expect(0x7fffffffL, NV, unit.cvtWD(d(0x1p31), RNE));
        expect(0xffffffff80000000L, NX, unit.cvtWD(d(-0x1p31 - 0.5), RTZ)); // in range after rounding
        expect(0xffffffff80000000L, NV, unit.cvtWD(d(-0x1p31 - 0.5), RDN)); // out of range: NV, not NX
        expect(0, NV, unit.cvtWuD(d(-1.0), RNE));
        expect(0, NX, unit.cvtWuD(d(-0.5), RTZ)); // rounds to zero: representable
        expect(0, NV, unit.cvtWuD(d(-0.5), RMM)); // rounds to -1
        expect(-1L, 0, unit.cvtWuD(d(4294967295.0), RNE)); // 0xffffffff, sign-extended
        expect(-1L, NV, unit.cvtWuD(nan, RNE));
        expect(-1L, NV, unit.cvtWuD(d(0x1p32), RNE));
        expect(Long.MAX_VALUE, NV, unit.cvtLD(d(0x1p63), RNE));
        expect(Long.MIN_VALUE, 0, unit.cvtLD(d(-0x1p63), RNE));
        expect(Long.MAX_VALUE, NV, unit.cvtLD(nan, RNE));
        expect(Long.MIN_VALUE, 0, unit.cvtLuD(d(0x1p63), RNE)); // 2^63 as unsigned
        expect(-1L, NV, unit.cvtLuD(d(0x1p64), RNE));
        expect(-1L, NV, unit.cvtLuD(nan, RNE));
        expect(0, NV, unit.cvtLuD(d(Double.NEGATIVE_INFINITY), RNE));
        expect(0x7fffffffL, NV, unit.cvtWS(SNAN_S, RNE));
        expect(-1L, NV, unit.cvtLuS(s(Float.POSITIVE_INFINITY), RNE));
    }

    @Test
    void conversionsFromIntegersRoundInTheMode() {
        long big = (1L << 53) + 1; // not a double
        expect(d(0x1p53), NX, unit.cvtDL(big, RNE));
        expect(d(0x1p53 + 2), NX, unit.cvtDL(big, RUP));
        expect(d(-0x1p53 - 2), NX, unit.cvtDL(-big, RDN));
        expect(d(-0x1p53 - 2), NX, unit.cvtDL(-big, RMM));
        expect(d(0x1p64), NX, unit.cvtDLu(-1L, RNE));
        expect(d(0x1p64 - 2048), NX, unit.cvtDLu(-1L, RTZ));
        expect(d(-0x1p63), 0, unit.cvtDL(Long.MIN_VALUE, RNE));
        expect(d(-1.0), 0, unit.cvtDW(0x00000000ffffffffL, RNE)); // only the low 32 bits count
        expect(d(4294967295.0), 0, unit.cvtDWu(-1L, RNE));
        expect(s(0x1p24f), NX, unit.cvtSW(0x1000001, RNE));
        expect(s(0x1p24f + 2), NX, unit.cvtSW(0x1000001, RMM));
        expect(s(-0x1p31f), 0, unit.cvtSW(0x80000000L, RNE));
    }

    @Test
    void minAndMaxOrderZerosAndSkipNaNs() {
        expect(NEG_ZERO, 0, unit.minD(POS_ZERO, NEG_ZERO));
        expect(NEG_ZERO, 0, unit.minD(NEG_ZERO, POS_ZERO));
        expect(POS_ZERO, 0, unit.maxD(NEG_ZERO, POS_ZERO));
        expect(POS_ZERO, 0, unit.maxD(POS_ZERO, NEG_ZERO));
        expect(ONE, NV, unit.minD(SNAN_D, ONE));        // a signaling NaN raises NV but is skipped
        expect(ONE, 0, unit.maxD(ONE, CANONICAL_NAN_D)); // a quiet one is skipped silently
        expect(CANONICAL_NAN_D, 0, unit.minD(0x7ff8000000000123L, CANONICAL_NAN_D));
        expect(CANONICAL_NAN_D, NV, unit.maxD(SNAN_D, CANONICAL_NAN_D));
        expect(0x80000000L, 0, unit.minS(0, 0x80000000) & 0xffffffffL);
        expect(s(1f), NV, unit.maxS(SNAN_S, s(1f)));
        expect(CANONICAL_NAN_S, NV, unit.minS(SNAN_S, SNAN_S));
    }

    @Test
    void comparesRaiseInvalidAsRiscVSays() {
        expect(0, 0, unit.eqD(CANONICAL_NAN_D, ONE));  // quiet compare, quiet NaN
        expect(0, NV, unit.eqD(SNAN_D, ONE));
        expect(0, NV, unit.ltD(CANONICAL_NAN_D, ONE)); // signaling compares
        expect(0, NV, unit.leS(s(1f), CANONICAL_NAN_S));
        expect(1, 0, unit.eqD(POS_ZERO, NEG_ZERO));
        expect(0, 0, unit.ltD(NEG_ZERO, POS_ZERO));
        expect(1, 0, unit.leD(NEG_ZERO, POS_ZERO));
    }

    @Test
    void nanResultsAreCanonical() {
        expect(CANONICAL_NAN_D, 0, unit.addD(0xfff8000000000123L, ONE, RNE));
        expect(CANONICAL_NAN_D, NV, unit.mulD(SNAN_D, ONE, RNE));
        expect(CANONICAL_NAN_D, NV, unit.sqrtD(d(-1.0), RNE));
        expect(NEG_ZERO, 0, unit.sqrtD(NEG_ZERO, RNE));
        expect(CANONICAL_NAN_D, NV, unit.divD(POS_ZERO, POS_ZERO, RNE));
        expect(INF_D | NEG_ZERO, DZ, unit.divD(ONE, NEG_ZERO, RNE));
        expect(CANONICAL_NAN_S, 0, unit.addS(0xffc00123, s(1f), RNE));
        expect(CANONICAL_NAN_D, NV, unit.cvtDS(SNAN_S));
        expect(CANONICAL_NAN_S, NV, unit.cvtSD(SNAN_D, RNE));
        expect(CANONICAL_NAN_S, 0, unit.cvtSD(0xfff8000000000123L, RNE));
    }

    @Test
    void singlesAreNaNBoxed() {
        assertEquals(0xffffffff3f800000L, FloatUnit.boxS(s(1f)));
        assertEquals(0xffffffff80000000L, FloatUnit.boxS(0x80000000));
        assertEquals(s(1f), FloatUnit.unboxS(FloatUnit.boxS(s(1f))));
        assertEquals(CANONICAL_NAN_S, FloatUnit.unboxS(0x000000003f800000L)); // a double's bits, not boxed
        assertEquals(CANONICAL_NAN_S, FloatUnit.unboxS(0xfffffffe3f800000L));
        assertEquals(SNAN_S, FloatUnit.unboxS(FloatUnit.boxS(SNAN_S)));
    }

    @Test
    void classifiesEveryKindOfValue() {
        assertEquals(1 << 0, FloatUnit.classD(INF_D | NEG_ZERO));
        assertEquals(1 << 1, FloatUnit.classD(d(-1.0)));
        assertEquals(1 << 2, FloatUnit.classD(d(-Double.MIN_VALUE)));
        assertEquals(1 << 3, FloatUnit.classD(NEG_ZERO));
        assertEquals(1 << 4, FloatUnit.classD(POS_ZERO));
        assertEquals(1 << 5, FloatUnit.classD(d(Double.MIN_VALUE)));
        assertEquals(1 << 6, FloatUnit.classD(ONE));
        assertEquals(1 << 7, FloatUnit.classD(INF_D));
        assertEquals(1 << 8, FloatUnit.classD(SNAN_D));
        assertEquals(1 << 9, FloatUnit.classD(CANONICAL_NAN_D));
        assertEquals(1 << 8, FloatUnit.classS(SNAN_S));
        assertEquals(1 << 9, FloatUnit.classS(CANONICAL_NAN_S));
        assertEquals(1 << 2, FloatUnit.classS(0x807fffff));
    }

    @Test
    void signInjectionRaisesNothing() {
        expect(d(-1.0), 0, unit.fsgnjD(ONE, d(-2.0)));
        expect(d(-1.0), 0, unit.fsgnjnD(ONE, d(2.0)));
        expect(ONE, 0, unit.fsgnjxD(d(-1.0), d(-2.0)));
        expect(SNAN_D | NEG_ZERO, 0, unit.fsgnjnD(SNAN_D, SNAN_D)); // NaNs pass through untouched
        expect(s(-1f), 0, unit.fsgnjxS(s(1f), s(-3f)));
    }

    @Test
    void directedModesStepFromTheNearestResult() {
        long third = d(1.0 / 3.0); // 1/3 in nearest is below the true value
        expect(third, NX, unit.divD(ONE, d(3.0), RNE));
        expect(third, NX, unit.divD(ONE, d(3.0), RTZ));
        expect(third, NX, unit.divD(ONE, d(3.0), RDN));
        expect(d(Math.nextUp(1.0 / 3.0)), NX, unit.divD(ONE, d(3.0), RUP));
        expect(d(-Math.nextUp(1.0 / 3.0)), NX, unit.divD(ONE | NEG_ZERO, d(3.0), RDN));
        long sqrt2 = d(Math.sqrt(2.0)); // above the true value
        expect(sqrt2, NX, unit.sqrtD(d(2.0), RUP));
        expect(d(Math.nextDown(Math.sqrt(2.0))), NX, unit.sqrtD(d(2.0), RTZ));
        expect(d(2.0), 0, unit.sqrtD(d(4.0), RTZ));
    }
}
