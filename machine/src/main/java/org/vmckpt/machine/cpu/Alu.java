package org.vmckpt.machine.cpu;

/**
 * The integer semantics of RV64IM, one small static method per operation: the interpreter's switch calls
 * them and the translator emits calls to them, so both engines share one definition of every operation.
 * Each method is tiny, so C1 inlines it at every call site, but for {@link #sllw} and {@link #srlw} (C1 refused them in
 * units, "callee uses too much stack"; {@link #sraw} has their shape), which the translator writes out
 * (Translator#emitWordShift), and {@link #sltu} and {@link #mulhu} and friends, whose {@code Long.compareUnsigned} and
 * {@code Math.multiplyHigh} C1 left as calls, which it writes out in C1 units (Translator#emitSetLessThanUnsigned,
 * Translator#emitMulHigh). C2 inlines methods of at most 6 bytes of bytecode, and larger ones only where the
 * method's own invocation count is not 0 (so the interpreter writes the branch conditions and the word shifts out, see
 * Interpreter).
 *
 * <p>Shift amounts are masked here, as the ISA says; callers pass register values or immediates unmasked.
 */
public final class Alu {
    private Alu() { }

    // ------------------------------------------------------------------ RV64I
    public static long add(long a, long b) { return a + b; }
    public static long sub(long a, long b) { return a - b; }
    // Java masks a long shift's distance to its low 6 bits, as the ISA does. Without a mask of their own these three
    // are 5 bytes of bytecode, so C2 inlines them at every call site (MaxTrivialSize); at 9 bytes it left them as calls
    // in the interpreter's loop whenever their own invocation count was 0 ("never executed": C1's code inlines them,
    // so they are hardly ever invoked as methods).
    public static long sll(long a, long b) { return a << b; }
    public static long srl(long a, long b) { return a >>> b; }
    public static long sra(long a, long b) { return a >> b; }
    public static long slt(long a, long b) { return a < b ? 1 : 0; }
    public static long sltu(long a, long b) { return Long.compareUnsigned(a, b) < 0 ? 1 : 0; }
    public static long xor(long a, long b) { return a ^ b; }
    public static long or(long a, long b) { return a | b; }
    public static long and(long a, long b) { return a & b; }

    // ------------------------------------------------------------------ RV64I word operations (results sign-extended)
    // The low 32 bits of the 64-bit sum are those of the 32-bit one; written so, these are 6 bytes of bytecode (see sll).
    public static long addw(long a, long b) { return (int) (a + b); }
    public static long subw(long a, long b) { return (int) (a - b); }
    public static long sllw(long a, long b) { return (int) a << (b & 31); }
    public static long srlw(long a, long b) { return (int) a >>> (b & 31); }
    public static long sraw(long a, long b) { return (int) a >> (b & 31); }

    // ------------------------------------------------------------------ RV64M
    public static long mul(long a, long b) { return a * b; }
    public static long mulh(long a, long b) { return Math.multiplyHigh(a, b); }
    public static long mulhsu(long a, long b) { return Math.multiplyHigh(a, b) + ((b >> 63) & a); }
    public static long mulhu(long a, long b) { return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a); }
    public static long div(long a, long b) { return b == 0 ? -1 : (a == Long.MIN_VALUE && b == -1 ? a : a / b); }
    public static long divu(long a, long b) { return b == 0 ? -1 : Long.divideUnsigned(a, b); }
    public static long rem(long a, long b) { return b == 0 ? a : (a == Long.MIN_VALUE && b == -1 ? 0 : a % b); }
    public static long remu(long a, long b) { return b == 0 ? a : Long.remainderUnsigned(a, b); }
    public static long mulw(long a, long b) { return (int) a * (int) b; }

    public static long divw(long a, long b) {
        int x = (int) a, y = (int) b;
        return y == 0 ? -1 : (x == Integer.MIN_VALUE && y == -1 ? x : x / y);
    }

    public static long divuw(long a, long b) {
        int x = (int) a, y = (int) b;
        return y == 0 ? -1 : Integer.divideUnsigned(x, y);
    }

    public static long remw(long a, long b) {
        int x = (int) a, y = (int) b;
        return y == 0 ? x : (x == Integer.MIN_VALUE && y == -1 ? 0 : x % y);
    }

    public static long remuw(long a, long b) {
        int x = (int) a, y = (int) b;
        return y == 0 ? x : Integer.remainderUnsigned(x, y);
    }

    // ------------------------------------------------------------------ Zba, Zbb, Zbs (Isa#BITMANIP)
    // The second operand is rs2 or the immediate (a shift amount, masked here as the ISA says; the unary operations
    // ignore it). The translator writes each out as the same JVM operations (Translator#emitBitmanip); BitmanipTest
    // compares the two on edge operands. The ".uw" forms are named "UW" (not ending in "w": no word result).

    // Zba: address generation. a is rs1 (the scaled or zero-extended operand), b is rs2.
    public static long addUW(long a, long b) { return b + (a & 0xffffffffL); }
    public static long sh1add(long a, long b) { return b + (a << 1); }
    public static long sh2add(long a, long b) { return b + (a << 2); }
    public static long sh3add(long a, long b) { return b + (a << 3); }
    public static long sh1addUW(long a, long b) { return b + ((a & 0xffffffffL) << 1); }
    public static long sh2addUW(long a, long b) { return b + ((a & 0xffffffffL) << 2); }
    public static long sh3addUW(long a, long b) { return b + ((a & 0xffffffffL) << 3); }
    public static long sllUW(long a, long b) { return (a & 0xffffffffL) << b; } // slli.uw

    // Zbb: logic with negation, counts, min/max, sign and zero extension, rotates, orc.b, rev8.
    public static long andn(long a, long b) { return a & ~b; }
    public static long orn(long a, long b) { return a | ~b; }
    public static long xnor(long a, long b) { return ~(a ^ b); }
    public static long clz(long a, long b) { return Long.numberOfLeadingZeros(a); }
    public static long ctz(long a, long b) { return Long.numberOfTrailingZeros(a); }
    public static long cpop(long a, long b) { return Long.bitCount(a); }
    public static long clzw(long a, long b) { return Integer.numberOfLeadingZeros((int) a); }
    public static long ctzw(long a, long b) { return Integer.numberOfTrailingZeros((int) a); }
    public static long cpopw(long a, long b) { return Integer.bitCount((int) a); }
    public static long max(long a, long b) { return Math.max(a, b); }
    public static long min(long a, long b) { return Math.min(a, b); }
    public static long maxu(long a, long b) { return a + Long.MIN_VALUE >= b + Long.MIN_VALUE ? a : b; }
    public static long minu(long a, long b) { return a + Long.MIN_VALUE <= b + Long.MIN_VALUE ? a : b; }
    public static long sextB(long a, long b) { return (byte) a; }
    public static long sextH(long a, long b) { return (short) a; }
    public static long zextH(long a, long b) { return a & 0xffffL; }
    public static long rol(long a, long b) { return Long.rotateLeft(a, (int) b); } // (the distance mod 64)
    public static long ror(long a, long b) { return Long.rotateRight(a, (int) b); }
    public static long rolw(long a, long b) { return Integer.rotateLeft((int) a, (int) b); } // (mod 32, sign-extended)
    public static long rorw(long a, long b) { return Integer.rotateRight((int) a, (int) b); }

    /** orc.b: each byte 0xff if it is not zero, else 0. Bit 7 of each byte of t is set iff the byte is not zero. */
    public static long orcB(long a, long b) {
        long t = (((a & 0x7f7f7f7f7f7f7f7fL) + 0x7f7f7f7f7f7f7f7fL) | a) & 0x8080808080808080L;
        return (t >>> 7) * 0xff;
    }

    public static long rev8(long a, long b) { return Long.reverseBytes(a); }

    // Zbs: single bits (the index mod 64: a long shift's distance).
    public static long bclr(long a, long b) { return a & ~(1L << b); }
    public static long bext(long a, long b) { return (a >>> b) & 1; }
    public static long binv(long a, long b) { return a ^ (1L << b); }
    public static long bset(long a, long b) { return a | (1L << b); }

    // ------------------------------------------------------------------ branches
    public static boolean beq(long a, long b) { return a == b; }
    public static boolean bne(long a, long b) { return a != b; }
    public static boolean blt(long a, long b) { return a < b; }
    public static boolean bge(long a, long b) { return a >= b; }
    public static boolean bltu(long a, long b) { return Long.compareUnsigned(a, b) < 0; }
    public static boolean bgeu(long a, long b) { return Long.compareUnsigned(a, b) >= 0; }
}
