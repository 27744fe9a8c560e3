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

    // ------------------------------------------------------------------ branches
    public static boolean beq(long a, long b) { return a == b; }
    public static boolean bne(long a, long b) { return a != b; }
    public static boolean blt(long a, long b) { return a < b; }
    public static boolean bge(long a, long b) { return a >= b; }
    public static boolean bltu(long a, long b) { return Long.compareUnsigned(a, b) < 0; }
    public static boolean bgeu(long a, long b) { return Long.compareUnsigned(a, b) >= 0; }
}
