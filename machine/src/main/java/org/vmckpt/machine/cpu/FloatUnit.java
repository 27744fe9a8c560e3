package org.vmckpt.machine.cpu;

/**
 * The floating-point unit of the RV64 F and D extensions: IEEE-754 binary32/binary64 arithmetic in all five
 * RISC-V rounding modes, with the exception flags RISC-V defines (tininess after rounding, canonical NaNs,
 * saturating conversions to integers).
 *
 * <p>Operands and results are raw bit patterns. Every operation ORs the flags it raises into {@link #flags};
 * the hart accumulates them into fflags and clears the field, so it carries no state between instructions
 * (nothing to snapshot).
 *
 * <p>How it stays exact without being slow: Java arithmetic rounds to nearest-even. The fast path takes that
 * result together with the exact error of the operation (TwoSum for add, {@code fma(a,b,-p)} for mul, the
 * remainder for div, {@code fma(-r,r,a)} for sqrt, ErrFma for fma), which is exact whenever the result and the
 * error stay clear of underflow and overflow; the sign of the error (and, for RMM, whether it is exactly half
 * an ulp) tells whether to step one ulp for the other modes. Where that guarantee does not hold, {@link
 * FloatExact} computes the true value with big integers. Single precision runs in double, whose extra bits
 * (plus the error sign) let {@link FloatRounder} round to binary32 exactly once.
 */
public final class FloatUnit {
    public static final int RNE = 0, RTZ = 1, RDN = 2, RUP = 3, RMM = 4;
    public static final int NX = 1, UF = 2, OF = 4, DZ = 8, NV = 16;

    /** Exception flags raised since the hart last cleared this field. */
    public int flags;

    private static final long SIGN_D = 0x8000000000000000L;
    private static final long INF_D = 0x7ff0000000000000L;
    private static final long CANONICAL_NAN_D = 0x7ff8000000000000L;
    private static final long QUIET_BIT_D = 0x0008000000000000L;
    private static final int SIGN_S = 0x80000000;
    private static final int INF_S = 0x7f800000;
    private static final int CANONICAL_NAN_S = 0x7fc00000;
    private static final int QUIET_BIT_S = 0x00400000;

    /** Below this magnitude the error terms of mul/div/sqrt/fma may underflow: take the exact path. */
    private static final double ERROR_TERM_SAFE = 0x1p-968;
    /** Results below this magnitude may be (or step into) the subnormal range: take the exact path. */
    private static final double RESULT_SAFE = 0x1p-1020;

    // =====================================================================================================
    // binary64 arithmetic

    public long addD(long a, long b, int rm) {
        if (isNaND(a) || isNaND(b)) {
            return nanResultD(a, b);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            if (Double.isInfinite(x) && Double.isInfinite(y) && (a ^ b) < 0) {
                flags |= NV; // inf - inf
                return CANONICAL_NAN_D;
            }
            return Double.isInfinite(x) ? a : b;
        }
        double s = x + y;
        if (s == 0) { // a sum that reaches zero is exact
            if (rm == RDN) {
                return (a == 0 && b == 0) ? 0 : SIGN_D;
            }
            return Double.doubleToRawLongBits(s);
        }
        if (Double.isInfinite(s)) {
            return isNearest(rm) ? overflowD(s) : FloatExact.add(this, a, b, rm);
        }
        double bv = s - x; // TwoSum: s + err == x + y exactly
        double err = (x - (s - bv)) + (y - bv);
        if (err == 0) {
            return Double.doubleToRawLongBits(s);
        }
        if (!(Math.abs(s) >= RESULT_SAFE && Math.abs(err) < Double.POSITIVE_INFINITY)) {
            return FloatExact.add(this, a, b, rm);
        }
        return finishD(s, err > 0 ? 1 : -1, rm == RMM && isHalfUlp(s, err), rm);
    }

    public long subD(long a, long b, int rm) {
        return addD(a, b ^ SIGN_D, rm);
    }

    public long mulD(long a, long b, int rm) {
        if (isNaND(a) || isNaND(b)) {
            return nanResultD(a, b);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            if (x == 0 || y == 0) {
                flags |= NV; // 0 * inf
                return CANONICAL_NAN_D;
            }
            return ((a ^ b) & SIGN_D) | INF_D;
        }
        double p = x * y;
        if (x == 0 || y == 0) {
            return Double.doubleToRawLongBits(p); // a signed zero, exact
        }
        double ap = Math.abs(p);
        if (ap >= ERROR_TERM_SAFE && ap <= Double.MAX_VALUE) {
            double err = Math.fma(x, y, -p);
            if (err == 0) {
                return Double.doubleToRawLongBits(p);
            }
            return finishD(p, err > 0 ? 1 : -1, rm == RMM && isHalfUlp(p, err), rm);
        }
        if (Double.isInfinite(p)) {
            return isNearest(rm) ? overflowD(p) : FloatExact.mul(this, a, b, rm);
        }
        return FloatExact.mul(this, a, b, rm);
    }

    public long divD(long a, long b, int rm) {
        if (isNaND(a) || isNaND(b)) {
            return nanResultD(a, b);
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        long sign = (a ^ b) & SIGN_D;
        if (Double.isInfinite(x)) {
            if (Double.isInfinite(y)) {
                flags |= NV;
                return CANONICAL_NAN_D;
            }
            return sign | INF_D;
        }
        if (Double.isInfinite(y)) {
            return sign;
        }
        if (y == 0) {
            if (x == 0) {
                flags |= NV;
                return CANONICAL_NAN_D;
            }
            flags |= DZ;
            return sign | INF_D;
        }
        if (x == 0) {
            return sign;
        }
        double q = x / y;
        double aq = Math.abs(q);
        // The remainder x - q*y is exact when no part of it can underflow (Boldo and Daumas).
        if (aq >= RESULT_SAFE && aq <= Double.MAX_VALUE && Math.abs(x) >= ERROR_TERM_SAFE
                && Math.abs(y) >= Double.MIN_NORMAL) {
            double rem = Math.fma(-q, y, x);
            if (rem == 0) {
                return Double.doubleToRawLongBits(q);
            }
            // A quotient of two p-bit numbers is never exactly halfway: no tie to look for.
            return finishD(q, (rem > 0) == (y > 0) ? 1 : -1, false, rm);
        }
        if (Double.isInfinite(q)) {
            return isNearest(rm) ? overflowD(q) : FloatExact.div(this, a, b, rm);
        }
        return FloatExact.div(this, a, b, rm);
    }

    public long sqrtD(long a, int rm) {
        if (isNaND(a)) {
            return nanResultD(a, a);
        }
        double x = Double.longBitsToDouble(a);
        if (x == 0 || x == Double.POSITIVE_INFINITY) {
            return a; // sqrt(-0) is -0
        }
        if (x < 0) {
            flags |= NV;
            return CANONICAL_NAN_D;
        }
        if (x >= ERROR_TERM_SAFE) {
            double r = Math.sqrt(x);
            double err = Math.fma(-r, r, x);
            if (err == 0) {
                return Double.doubleToRawLongBits(r);
            }
            return finishD(r, err > 0 ? 1 : -1, false, rm); // square roots are never exactly halfway
        }
        return FloatExact.sqrt(this, a, rm);
    }

    /** a * b + c with one rounding. */
    public long fmaddD(long a, long b, long c, int rm) {
        return fmaD(a, b, c, rm);
    }

    /** a * b - c */
    public long fmsubD(long a, long b, long c, int rm) {
        return fmaD(a, b, c ^ SIGN_D, rm);
    }

    /** -(a * b) + c */
    public long fnmsubD(long a, long b, long c, int rm) {
        return fmaD(a ^ SIGN_D, b, c, rm);
    }

    /** -(a * b) - c */
    public long fnmaddD(long a, long b, long c, int rm) {
        return fmaD(a ^ SIGN_D, b, c ^ SIGN_D, rm);
    }

    private long fmaD(long a, long b, long c, int rm) {
        boolean productInvalid = (isZeroD(a) && isInfD(b)) || (isInfD(a) && isZeroD(b));
        if (isNaND(a) || isNaND(b) || isNaND(c)) {
            // RISC-V: 0 * inf raises NV even when the addend is a quiet NaN.
            if (isSignalingD(a) || isSignalingD(b) || isSignalingD(c) || productInvalid) {
                flags |= NV;
            }
            return CANONICAL_NAN_D;
        }
        if (productInvalid) {
            flags |= NV;
            return CANONICAL_NAN_D;
        }
        long productSign = (a ^ b) & SIGN_D;
        if (isInfD(a) || isInfD(b)) {
            if (isInfD(c) && (c & SIGN_D) != productSign) {
                flags |= NV; // inf - inf
                return CANONICAL_NAN_D;
            }
            return productSign | INF_D;
        }
        if (isInfD(c)) {
            return c;
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        double z = Double.longBitsToDouble(c);
        if (x == 0 || y == 0) { // the product is an exact signed zero
            if (z != 0) {
                return c;
            }
            return zeroSumD(productSign != 0, c < 0, rm);
        }
        double u1 = x * y;
        double au = Math.abs(u1);
        if (au >= 0x1p-960 && au <= 0x1p1000 && Math.abs(z) <= 0x1p1000) {
            double r1 = Math.fma(x, y, z);
            if (r1 == 0) { // exact cancellation: a*b and c are multiples of 2^-1074 here
                return rm == RDN ? SIGN_D : 0;
            }
            if (Math.abs(r1) >= RESULT_SAFE) {
                // ErrFma (Boldo and Muller, IEEE TC 2011): a*b + c == r1 + r2 + r3 exactly, |r3| <= ulp(r2)/2.
                double u2 = Math.fma(x, y, -u1);
                double alpha1 = z + u2;
                double t = alpha1 - z;
                double alpha2 = (z - (alpha1 - t)) + (u2 - t);
                double beta1 = u1 + alpha1;
                t = beta1 - u1;
                double beta2 = (u1 - (beta1 - t)) + (alpha1 - t);
                double gamma = (beta1 - r1) + beta2;
                double r2 = gamma + alpha2;
                double r3 = alpha2 - (r2 - gamma);
                if (r2 == 0) {
                    return Double.doubleToRawLongBits(r1);
                }
                return finishD(r1, r2 > 0 ? 1 : -1, rm == RMM && r3 == 0 && isHalfUlp(r1, r2), rm);
            }
        }
        return FloatExact.fma(this, a, b, c, rm);
    }

    /**
     * Finishes a fast-path result: {@code r} is the nearest-even rounding of an exact value x (finite, and
     * of magnitude at least RESULT_SAFE), {@code errSign} the sign of x - r, {@code tie} whether x lies
     * exactly halfway between r and its neighbour. Steps one ulp where the mode asks for it.
     */
    private long finishD(double r, int errSign, boolean tie, int rm) {
        flags |= NX;
        double result = r;
        switch (rm) {
            case RTZ:
                if (r > 0 && errSign < 0) {
                    result = Math.nextDown(r);
                } else if (r < 0 && errSign > 0) {
                    result = Math.nextUp(r);
                }
                break;
            case RDN:
                if (errSign < 0) {
                    result = Math.nextDown(r);
                }
                break;
            case RUP:
                if (errSign > 0) {
                    result = Math.nextUp(r);
                }
                break;
            case RMM:
                if (tie && (r > 0) == (errSign > 0)) { // nearest-even went toward zero: go away instead
                    result = errSign > 0 ? Math.nextUp(r) : Math.nextDown(r);
                }
                break;
            default:
                break;
        }
        if (Double.isInfinite(result)) {
            flags |= OF; // stepped past the largest finite number
        }
        return Double.doubleToRawLongBits(result);
    }

    /** Whether err is exactly half the distance from r to its neighbour on err's side. */
    private static boolean isHalfUlp(double r, double err) {
        double neighbour = err > 0 ? Math.nextUp(r) : Math.nextDown(r);
        double gap = Double.isInfinite(neighbour) ? Math.ulp(r) : Math.abs(neighbour - r);
        return Math.abs(err) * 2 == gap;
    }

    /**
     * Nearest-even gave infinity from finite operands: the exact value is at least halfway past the largest
     * finite number, so RNE and RMM overflow to that infinity. (Directed modes take the exact path.)
     */
    private long overflowD(double nearestInfinity) {
        flags |= OF | NX;
        return Double.doubleToRawLongBits(nearestInfinity);
    }

    private static boolean isNearest(int rm) {
        return rm == RNE || rm == RMM;
    }

    // =====================================================================================================
    // binary64 min/max, compares, class, sign injection

    /** fmin.d: IEEE 754-2019 minimumNumber; -0 is below +0; NaN only when both operands are NaN. */
    public long minD(long a, long b) {
        return minMaxD(a, b, false);
    }

    /** fmax.d: IEEE 754-2019 maximumNumber. */
    public long maxD(long a, long b) {
        return minMaxD(a, b, true);
    }

    private long minMaxD(long a, long b, boolean max) {
        if (isSignalingD(a) || isSignalingD(b)) {
            flags |= NV;
        }
        boolean aNaN = isNaND(a);
        boolean bNaN = isNaND(b);
        if (aNaN && bNaN) {
            return CANONICAL_NAN_D;
        }
        if (aNaN) {
            return b;
        }
        if (bNaN) {
            return a;
        }
        double x = Double.longBitsToDouble(a);
        double y = Double.longBitsToDouble(b);
        if (x != y) {
            return (x < y) != max ? a : b;
        }
        // Equal values: only +0 and -0 differ in bits; the negative one is the smaller.
        return (a < 0) != max ? a : b;
    }

    /** feq.d: quiet compare, NV only for a signaling NaN. Returns 1 or 0. */
    public long eqD(long a, long b) {
        if (isNaND(a) || isNaND(b)) {
            if (isSignalingD(a) || isSignalingD(b)) {
                flags |= NV;
            }
            return 0;
        }
        return Double.longBitsToDouble(a) == Double.longBitsToDouble(b) ? 1 : 0;
    }

    /** flt.d: signaling compare, NV for any NaN. */
    public long ltD(long a, long b) {
        if (isNaND(a) || isNaND(b)) {
            flags |= NV;
            return 0;
        }
        return Double.longBitsToDouble(a) < Double.longBitsToDouble(b) ? 1 : 0;
    }

    /** fle.d: signaling compare, NV for any NaN. */
    public long leD(long a, long b) {
        if (isNaND(a) || isNaND(b)) {
            flags |= NV;
            return 0;
        }
        return Double.longBitsToDouble(a) <= Double.longBitsToDouble(b) ? 1 : 0;
    }

    /** fclass.d: one bit set of ten (-inf, -normal, -subnormal, -0, +0, +subnormal, +normal, +inf, sNaN, qNaN). */
    public static long classD(long a) {
        return classify(a < 0, (int) ((a >>> 52) & 0x7ff), 0x7ff, a & 0x000fffffffffffffL, QUIET_BIT_D);
    }

    private static long classify(boolean negative, int biasedExp, int maxBiasedExp, long fraction, long quietBit) {
        if (biasedExp == maxBiasedExp) {
            if (fraction == 0) {
                return negative ? 1 : 1 << 7;
            }
            return (fraction & quietBit) != 0 ? 1 << 9 : 1 << 8;
        }
        if (biasedExp == 0) {
            if (fraction == 0) {
                return negative ? 1 << 3 : 1 << 4;
            }
            return negative ? 1 << 2 : 1 << 5;
        }
        return negative ? 1 << 1 : 1 << 6;
    }

    public long fsgnjD(long a, long b) {
        return (a & ~SIGN_D) | (b & SIGN_D);
    }

    public long fsgnjnD(long a, long b) {
        return (a & ~SIGN_D) | (~b & SIGN_D);
    }

    public long fsgnjxD(long a, long b) {
        return a ^ (b & SIGN_D);
    }

    // =====================================================================================================
    // binary64 conversions

    /** fcvt.w.d: to signed 32-bit, sign-extended to 64 bits. */
    public long cvtWD(long a, int rm) {
        return toInteger(a, rm, INT32);
    }

    /** fcvt.wu.d: to unsigned 32-bit; the 32-bit result is sign-extended, as RV64 does. */
    public long cvtWuD(long a, int rm) {
        return toInteger(a, rm, UINT32);
    }

    public long cvtLD(long a, int rm) {
        return toInteger(a, rm, INT64);
    }

    public long cvtLuD(long a, int rm) {
        return toInteger(a, rm, UINT64);
    }

    /** fcvt.d.w: from the signed low 32 bits; always exact. */
    public long cvtDW(long intValue, int rm) {
        return Double.doubleToRawLongBits((int) intValue);
    }

    /** fcvt.d.wu: from the unsigned low 32 bits; always exact. */
    public long cvtDWu(long intValue, int rm) {
        return Double.doubleToRawLongBits(intValue & 0xffffffffL);
    }

    public long cvtDL(long intValue, int rm) {
        if (Math.abs(intValue) <= 1L << 53) { // exact; so is MIN_VALUE (-2^63), whose abs stays negative
            return Double.doubleToRawLongBits(intValue);
        }
        return FloatRounder.round(this, intValue < 0, intValue < 0 ? -intValue : intValue, 0, false, rm, true);
    }

    public long cvtDLu(long intValue, int rm) {
        if (intValue >= 0 && intValue <= 1L << 53) {
            return Double.doubleToRawLongBits(intValue);
        }
        return FloatRounder.round(this, false, intValue, 0, false, rm, true);
    }

    private static final int INT32 = 0, UINT32 = 1, INT64 = 2, UINT64 = 3;

    /**
     * Converts to an integer of the given kind, rounding in rm. NaN and out-of-range values raise NV (and not
     * NX) and saturate per the RISC-V table: NaN and too-large give the maximum, too-small the minimum.
     */
    private long toInteger(long a, int rm, int kind) {
        if (isNaND(a)) {
            flags |= NV;
            return maxOf(kind);
        }
        double x = Double.longBitsToDouble(a);
        double r = roundToIntegral(x, rm);
        boolean inRange;
        long result;
        switch (kind) {
            case INT32:
                inRange = r >= -0x1p31 && r <= 0x1p31 - 1;
                result = (long) r;
                break;
            case UINT32:
                inRange = r >= 0 && r <= 0x1p32 - 1; // -0.0 counts as 0
                result = (int) (long) r; // the 32-bit value, sign-extended
                break;
            case INT64:
                inRange = r >= -0x1p63 && r < 0x1p63;
                result = (long) r;
                break;
            default:
                inRange = r >= 0 && r < 0x1p64;
                result = r < 0x1p63 ? (long) r : (long) (r - 0x1p63) | Long.MIN_VALUE;
                break;
        }
        if (!inRange) {
            flags |= NV;
            return x < 0 ? minOf(kind) : maxOf(kind);
        }
        if (r != x) {
            flags |= NX;
        }
        return result;
    }

    private static long maxOf(int kind) {
        switch (kind) {
            case INT32:
                return Integer.MAX_VALUE;
            case INT64:
                return Long.MAX_VALUE;
            default:
                return -1L; // 2^32-1 sign-extended, or 2^64-1
        }
    }

    private static long minOf(int kind) {
        switch (kind) {
            case INT32:
                return Integer.MIN_VALUE;
            case INT64:
                return Long.MIN_VALUE;
            default:
                return 0;
        }
    }

    /** x rounded to an integral value in rm; exact. Infinities come back unchanged. */
    private static double roundToIntegral(double x, int rm) {
        switch (rm) {
            case RNE:
                return Math.rint(x);
            case RTZ:
                return x < 0 ? Math.ceil(x) : Math.floor(x);
            case RDN:
                return Math.floor(x);
            case RUP:
                return Math.ceil(x);
            default: { // RMM
                if (!(Math.abs(x) < 0x1p52)) {
                    return x; // already integral (or infinite)
                }
                double t = x < 0 ? Math.ceil(x) : Math.floor(x);
                if (Math.abs(x - t) >= 0.5) { // x - t is exact here
                    t += Math.copySign(1.0, x);
                }
                return t;
            }
        }
    }

    /** fcvt.s.d */
    public int cvtSD(long a, int rm) {
        if (isNaND(a)) {
            if (isSignalingD(a)) {
                flags |= NV;
            }
            return CANONICAL_NAN_S;
        }
        double d = Double.longBitsToDouble(a);
        if (d == 0 || Double.isInfinite(d)) {
            return Float.floatToRawIntBits((float) d);
        }
        return finishS(d, 0, rm, false);
    }

    /** fcvt.d.s: exact; a NaN becomes the canonical NaN, NV for a signaling one. */
    public long cvtDS(int a) {
        if (isNaNS(a)) {
            if (isSignalingS(a)) {
                flags |= NV;
            }
            return CANONICAL_NAN_D;
        }
        return Double.doubleToRawLongBits(Float.intBitsToFloat(a));
    }

    // =====================================================================================================
    // binary32 arithmetic: computed in double, then rounded once to single

    public int addS(int a, int b, int rm) {
        if (isNaNS(a) || isNaNS(b)) {
            return nanResultS(a, b);
        }
        double x = Float.intBitsToFloat(a);
        double y = Float.intBitsToFloat(b);
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            if (Double.isInfinite(x) && Double.isInfinite(y) && (a ^ b) < 0) {
                flags |= NV;
                return CANONICAL_NAN_S;
            }
            return Double.isInfinite(x) ? a : b;
        }
        double s = x + y;
        if (s == 0) {
            if (rm == RDN) {
                return (a == 0 && b == 0) ? 0 : SIGN_S;
            }
            return Float.floatToRawIntBits((float) s);
        }
        double bv = s - x; // TwoSum (exact: no overflow in double)
        double err = (x - (s - bv)) + (y - bv);
        return finishS(s, err > 0 ? 1 : err < 0 ? -1 : 0, rm, false);
    }

    public int subS(int a, int b, int rm) {
        return addS(a, b ^ SIGN_S, rm);
    }

    public int mulS(int a, int b, int rm) {
        if (isNaNS(a) || isNaNS(b)) {
            return nanResultS(a, b);
        }
        double x = Float.intBitsToFloat(a);
        double y = Float.intBitsToFloat(b);
        if (Double.isInfinite(x) || Double.isInfinite(y)) {
            if (x == 0 || y == 0) {
                flags |= NV;
                return CANONICAL_NAN_S;
            }
            return ((a ^ b) & SIGN_S) | INF_S;
        }
        double p = x * y; // exact: 24 + 24 bits, far inside double's range
        if (p == 0) {
            return Float.floatToRawIntBits((float) p);
        }
        return finishS(p, 0, rm, false);
    }

    public int divS(int a, int b, int rm) {
        if (isNaNS(a) || isNaNS(b)) {
            return nanResultS(a, b);
        }
        double x = Float.intBitsToFloat(a);
        double y = Float.intBitsToFloat(b);
        int sign = (a ^ b) & SIGN_S;
        if (Double.isInfinite(x)) {
            if (Double.isInfinite(y)) {
                flags |= NV;
                return CANONICAL_NAN_S;
            }
            return sign | INF_S;
        }
        if (Double.isInfinite(y)) {
            return sign;
        }
        if (y == 0) {
            if (x == 0) {
                flags |= NV;
                return CANONICAL_NAN_S;
            }
            flags |= DZ;
            return sign | INF_S;
        }
        if (x == 0) {
            return sign;
        }
        double q = x / y;
        double rem = Math.fma(-q, y, x); // exact: single operands cannot underflow double
        return finishS(q, rem == 0 ? 0 : (rem > 0) == (y > 0) ? 1 : -1, rm, false);
    }

    public int sqrtS(int a, int rm) {
        if (isNaNS(a)) {
            return nanResultS(a, a);
        }
        double x = Float.intBitsToFloat(a);
        if (x == 0 || x == Double.POSITIVE_INFINITY) {
            return a;
        }
        if (x < 0) {
            flags |= NV;
            return CANONICAL_NAN_S;
        }
        double r = Math.sqrt(x);
        double err = Math.fma(-r, r, x);
        return finishS(r, err > 0 ? 1 : err < 0 ? -1 : 0, rm, false);
    }

    public int fmaddS(int a, int b, int c, int rm) {
        return fmaS(a, b, c, rm);
    }

    public int fmsubS(int a, int b, int c, int rm) {
        return fmaS(a, b, c ^ SIGN_S, rm);
    }

    public int fnmsubS(int a, int b, int c, int rm) {
        return fmaS(a ^ SIGN_S, b, c, rm);
    }

    public int fnmaddS(int a, int b, int c, int rm) {
        return fmaS(a ^ SIGN_S, b, c ^ SIGN_S, rm);
    }

    private int fmaS(int a, int b, int c, int rm) {
        boolean productInvalid = (isZeroS(a) && isInfS(b)) || (isInfS(a) && isZeroS(b));
        if (isNaNS(a) || isNaNS(b) || isNaNS(c)) {
            if (isSignalingS(a) || isSignalingS(b) || isSignalingS(c) || productInvalid) {
                flags |= NV;
            }
            return CANONICAL_NAN_S;
        }
        if (productInvalid) {
            flags |= NV;
            return CANONICAL_NAN_S;
        }
        int productSign = (a ^ b) & SIGN_S;
        if (isInfS(a) || isInfS(b)) {
            if (isInfS(c) && (c & SIGN_S) != productSign) {
                flags |= NV;
                return CANONICAL_NAN_S;
            }
            return productSign | INF_S;
        }
        if (isInfS(c)) {
            return c;
        }
        double p = (double) Float.intBitsToFloat(a) * Float.intBitsToFloat(b); // exact
        double z = Float.intBitsToFloat(c);
        double s = p + z;
        if (s == 0) { // p + z == 0 exactly (TwoSum error of a zero sum is zero)
            boolean negative = (productSign != 0) == (c < 0) ? c < 0 : rm == RDN;
            return negative ? SIGN_S : 0;
        }
        double bv = s - p;
        double err = (p - (s - bv)) + (z - bv);
        return finishS(s, err > 0 ? 1 : err < 0 ? -1 : 0, rm, true);
    }

    /**
     * Rounds the exact value d + e to single, where d is a finite non-zero double and e an error below half
     * of d's last bit with sign errSign. For add/sub/mul/div/sqrt the nearest-even float of d is already the
     * correctly rounded result (double has at least 2*24+2 bits); a fused result with an error is not, as d
     * may sit exactly on a float midpoint, so it goes through the exact rounding.
     */
    private int finishS(double d, int errSign, int rm, boolean fused) {
        float f = (float) d;
        if (errSign == 0 && (double) f == d) {
            return Float.floatToRawIntBits(f); // exact
        }
        float af = Math.abs(f);
        if (rm == RNE && (!fused || errSign == 0) && af > Float.MIN_NORMAL && af <= Float.MAX_VALUE) {
            flags |= NX;
            return Float.floatToRawIntBits(f);
        }
        return FloatRounder.roundDoubleToSingle(this, d, errSign, rm);
    }

    // =====================================================================================================
    // binary32 min/max, compares, class, sign injection

    public int minS(int a, int b) {
        return minMaxS(a, b, false);
    }

    public int maxS(int a, int b) {
        return minMaxS(a, b, true);
    }

    private int minMaxS(int a, int b, boolean max) {
        if (isSignalingS(a) || isSignalingS(b)) {
            flags |= NV;
        }
        boolean aNaN = isNaNS(a);
        boolean bNaN = isNaNS(b);
        if (aNaN && bNaN) {
            return CANONICAL_NAN_S;
        }
        if (aNaN) {
            return b;
        }
        if (bNaN) {
            return a;
        }
        float x = Float.intBitsToFloat(a);
        float y = Float.intBitsToFloat(b);
        if (x != y) {
            return (x < y) != max ? a : b;
        }
        return (a < 0) != max ? a : b;
    }

    public long eqS(int a, int b) {
        if (isNaNS(a) || isNaNS(b)) {
            if (isSignalingS(a) || isSignalingS(b)) {
                flags |= NV;
            }
            return 0;
        }
        return Float.intBitsToFloat(a) == Float.intBitsToFloat(b) ? 1 : 0;
    }

    public long ltS(int a, int b) {
        if (isNaNS(a) || isNaNS(b)) {
            flags |= NV;
            return 0;
        }
        return Float.intBitsToFloat(a) < Float.intBitsToFloat(b) ? 1 : 0;
    }

    public long leS(int a, int b) {
        if (isNaNS(a) || isNaNS(b)) {
            flags |= NV;
            return 0;
        }
        return Float.intBitsToFloat(a) <= Float.intBitsToFloat(b) ? 1 : 0;
    }

    public static long classS(int a) {
        return classify(a < 0, (a >>> 23) & 0xff, 0xff, a & 0x007fffff, QUIET_BIT_S);
    }

    public int fsgnjS(int a, int b) {
        return (a & ~SIGN_S) | (b & SIGN_S);
    }

    public int fsgnjnS(int a, int b) {
        return (a & ~SIGN_S) | (~b & SIGN_S);
    }

    public int fsgnjxS(int a, int b) {
        return a ^ (b & SIGN_S);
    }

    // =====================================================================================================
    // binary32 conversions

    public long cvtWS(int a, int rm) {
        return toInteger(singleToDoubleForInteger(a), rm, INT32);
    }

    public long cvtWuS(int a, int rm) {
        return toInteger(singleToDoubleForInteger(a), rm, UINT32);
    }

    public long cvtLS(int a, int rm) {
        return toInteger(singleToDoubleForInteger(a), rm, INT64);
    }

    public long cvtLuS(int a, int rm) {
        return toInteger(singleToDoubleForInteger(a), rm, UINT64);
    }

    /** The same value as a double (exactly); any NaN becomes the canonical double NaN (all give NV anyway). */
    private static long singleToDoubleForInteger(int a) {
        return isNaNS(a) ? CANONICAL_NAN_D : Double.doubleToRawLongBits(Float.intBitsToFloat(a));
    }

    public int cvtSW(long intValue, int rm) {
        int v = (int) intValue;
        return intToSingle(v < 0, Math.abs((long) v), rm);
    }

    public int cvtSWu(long intValue, int rm) {
        return intToSingle(false, intValue & 0xffffffffL, rm);
    }

    public int cvtSL(long intValue, int rm) {
        return intToSingle(intValue < 0, intValue < 0 ? -intValue : intValue, rm); // -MIN_VALUE reads as 2^63
    }

    public int cvtSLu(long intValue, int rm) {
        return intToSingle(false, intValue, rm);
    }

    /** magnitude is unsigned. */
    private int intToSingle(boolean negative, long magnitude, int rm) {
        if (magnitude == 0) {
            return 0;
        }
        if (magnitude > 0 && magnitude <= 1 << 24) { // exact
            return Float.floatToRawIntBits(negative ? -(float) magnitude : (float) magnitude);
        }
        return (int) FloatRounder.round(this, negative, magnitude, 0, false, rm, false);
    }

    // =====================================================================================================
    // NaN boxing (the hart keeps singles in 64-bit registers)

    /** A single in a 64-bit register: upper 32 bits all ones. */
    public static long boxS(int bits) {
        return 0xffffffff00000000L | (bits & 0xffffffffL);
    }

    /** The single in a register if it is properly NaN-boxed, else the canonical NaN (RISC-V spec 12.2). */
    public static int unboxS(long reg) {
        return (reg >>> 32) == 0xffffffffL ? (int) reg : CANONICAL_NAN_S;
    }

    // =====================================================================================================
    // shared helpers for both precisions

    private long nanResultD(long a, long b) {
        if (isSignalingD(a) || isSignalingD(b)) {
            flags |= NV;
        }
        return CANONICAL_NAN_D;
    }

    private static long zeroSumD(boolean negP, boolean negC, int rm) {
        boolean negative = negP == negC ? negP : rm == RDN;
        return negative ? SIGN_D : 0;
    }

    static boolean isNaND(long bits) {
        return (bits & ~SIGN_D) > INF_D;
    }

    static boolean isSignalingD(long bits) {
        return isNaND(bits) && (bits & QUIET_BIT_D) == 0;
    }

    private static boolean isInfD(long bits) {
        return (bits & ~SIGN_D) == INF_D;
    }

    private static boolean isZeroD(long bits) {
        return (bits & ~SIGN_D) == 0;
    }

    private int nanResultS(int a, int b) {
        if (isSignalingS(a) || isSignalingS(b)) {
            flags |= NV;
        }
        return CANONICAL_NAN_S;
    }

    private static boolean isInfS(int bits) {
        return (bits & ~SIGN_S) == INF_S;
    }

    private static boolean isZeroS(int bits) {
        return (bits & ~SIGN_S) == 0;
    }

    static boolean isNaNS(int bits) {
        return (bits & ~SIGN_S) > INF_S;
    }

    static boolean isSignalingS(int bits) {
        return isNaNS(bits) && (bits & QUIET_BIT_S) == 0;
    }
}
