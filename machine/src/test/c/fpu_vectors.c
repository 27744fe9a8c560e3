/*
 * Generates reference vectors for the RV64 F and D extensions by running each instruction on a RISC-V
 * implementation (QEMU user mode, or real hardware) in every rounding mode and recording the result bits
 * and the fflags it raised. The output is replayed by FloatUnitVectorTest.
 *
 * Line format (all numbers hex, no prefix):  op rm operand... result flags
 *   single-precision operands and results are the 32-bit pattern; integer operands/results are 64-bit.
 *
 * See README.md in this folder for how to build and regenerate.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t u64;
typedef uint32_t u32;

static u64 rng_state = 0x9e3779b97f4a7c15ULL;
static u64 rng(void) {
    /* xorshift64*: deterministic, so regenerating gives the same file */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* ---------------------------------------------------------------- instruction runners */

/* Each runner sets frm, clears fflags, runs one instruction with rm=dyn and reads fflags back, all in
 * one asm block so the compiler cannot move the instruction away from the CSR accesses. */
#define BIN(name, insn, mvin, mvout)                                                          \
    static u64 name(u64 a, u64 b, int rm, u64 *flags) {                                      \
        u64 r, f;                                                                            \
        __asm__ volatile("fsrm %[rm]\n\tcsrw fflags, zero\n\t" mvin " ft0, %[a]\n\t" mvin      \
                         " ft1, %[b]\n\t" insn " ft2, ft0, ft1\n\t" mvout " %[r], ft2\n\t"      \
                         "frflags %[f]"                                                        \
                         : [r] "=r"(r), [f] "=r"(f)                                            \
                         : [a] "r"(a), [b] "r"(b), [rm] "r"((u64)rm)                           \
                         : "ft0", "ft1", "ft2");                                               \
        *flags = f;                                                                          \
        return r;                                                                            \
    }
#define TER(name, insn, mvin, mvout)                                                          \
    static u64 name(u64 a, u64 b, u64 c, int rm, u64 *flags) {                               \
        u64 r, f;                                                                            \
        __asm__ volatile("fsrm %[rm]\n\tcsrw fflags, zero\n\t" mvin " ft0, %[a]\n\t" mvin      \
                         " ft1, %[b]\n\t" mvin " ft2, %[c]\n\t" insn " ft3, ft0, ft1, ft2\n\t"  \
                         mvout " %[r], ft3\n\tfrflags %[f]"                                    \
                         : [r] "=r"(r), [f] "=r"(f)                                            \
                         : [a] "r"(a), [b] "r"(b), [c] "r"(c), [rm] "r"((u64)rm)               \
                         : "ft0", "ft1", "ft2", "ft3");                                        \
        *flags = f;                                                                          \
        return r;                                                                            \
    }
/* float -> float */
#define UNF(name, insn, mvin, mvout)                                                          \
    static u64 name(u64 a, int rm, u64 *flags) {                                             \
        u64 r, f;                                                                            \
        __asm__ volatile("fsrm %[rm]\n\tcsrw fflags, zero\n\t" mvin " ft0, %[a]\n\t" insn      \
                         " ft2, ft0\n\t" mvout " %[r], ft2\n\tfrflags %[f]"                    \
                         : [r] "=r"(r), [f] "=r"(f)                                            \
                         : [a] "r"(a), [rm] "r"((u64)rm)                                       \
                         : "ft0", "ft2");                                                      \
        *flags = f;                                                                          \
        return r;                                                                            \
    }
/* float -> integer register (compares, class, conversions to int) */
#define F2I(name, insn, mvin)                                                                 \
    static u64 name(u64 a, int rm, u64 *flags) {                                             \
        u64 r, f;                                                                            \
        __asm__ volatile("fsrm %[rm]\n\tcsrw fflags, zero\n\t" mvin " ft0, %[a]\n\t" insn      \
                         "\n\tfrflags %[f]"                                                    \
                         : [r] "=&r"(r), [f] "=r"(f)                                           \
                         : [a] "r"(a), [rm] "r"((u64)rm)                                       \
                         : "ft0");                                                             \
        *flags = f;                                                                          \
        return r;                                                                            \
    }
#define CMP(name, insn, mvin)                                                                 \
    static u64 name(u64 a, u64 b, int rm, u64 *flags) {                                      \
        u64 r, f;                                                                            \
        __asm__ volatile("fsrm %[rm]\n\tcsrw fflags, zero\n\t" mvin " ft0, %[a]\n\t" mvin      \
                         " ft1, %[b]\n\t" insn " %[r], ft0, ft1\n\tfrflags %[f]"              \
                         : [r] "=&r"(r), [f] "=r"(f)                                           \
                         : [a] "r"(a), [b] "r"(b), [rm] "r"((u64)rm)                           \
                         : "ft0", "ft1");                                                      \
        *flags = f;                                                                          \
        return r;                                                                            \
    }
/* integer register -> float */
#define I2F(name, insn, mvout)                                                                \
    static u64 name(u64 a, int rm, u64 *flags) {                                             \
        u64 r, f;                                                                            \
        __asm__ volatile("fsrm %[rm]\n\tcsrw fflags, zero\n\t" insn " ft2, %[a]\n\t" mvout     \
                         " %[r], ft2\n\tfrflags %[f]"                                          \
                         : [r] "=r"(r), [f] "=r"(f)                                            \
                         : [a] "r"(a), [rm] "r"((u64)rm)                                       \
                         : "ft2");                                                             \
        *flags = f;                                                                          \
        return r;                                                                            \
    }

BIN(fadd_d, "fadd.d", "fmv.d.x", "fmv.x.d")
BIN(fsub_d, "fsub.d", "fmv.d.x", "fmv.x.d")
BIN(fmul_d, "fmul.d", "fmv.d.x", "fmv.x.d")
BIN(fdiv_d, "fdiv.d", "fmv.d.x", "fmv.x.d")
BIN(fmin_d, "fmin.d", "fmv.d.x", "fmv.x.d")
BIN(fmax_d, "fmax.d", "fmv.d.x", "fmv.x.d")
BIN(fsgnj_d, "fsgnj.d", "fmv.d.x", "fmv.x.d")
BIN(fsgnjn_d, "fsgnjn.d", "fmv.d.x", "fmv.x.d")
BIN(fsgnjx_d, "fsgnjx.d", "fmv.d.x", "fmv.x.d")
TER(fmadd_d, "fmadd.d", "fmv.d.x", "fmv.x.d")
TER(fmsub_d, "fmsub.d", "fmv.d.x", "fmv.x.d")
TER(fnmsub_d, "fnmsub.d", "fmv.d.x", "fmv.x.d")
TER(fnmadd_d, "fnmadd.d", "fmv.d.x", "fmv.x.d")
UNF(fsqrt_d, "fsqrt.d", "fmv.d.x", "fmv.x.d")
UNF(fcvt_s_d, "fcvt.s.d", "fmv.d.x", "fmv.x.w")
CMP(feq_d, "feq.d", "fmv.d.x")
CMP(flt_d, "flt.d", "fmv.d.x")
CMP(fle_d, "fle.d", "fmv.d.x")
F2I(fclass_d, "fclass.d %[r], ft0", "fmv.d.x")
F2I(fcvt_w_d, "fcvt.w.d %[r], ft0, dyn", "fmv.d.x")
F2I(fcvt_wu_d, "fcvt.wu.d %[r], ft0, dyn", "fmv.d.x")
F2I(fcvt_l_d, "fcvt.l.d %[r], ft0, dyn", "fmv.d.x")
F2I(fcvt_lu_d, "fcvt.lu.d %[r], ft0, dyn", "fmv.d.x")
I2F(fcvt_d_w, "fcvt.d.w", "fmv.x.d")
I2F(fcvt_d_wu, "fcvt.d.wu", "fmv.x.d")
I2F(fcvt_d_l, "fcvt.d.l", "fmv.x.d")
I2F(fcvt_d_lu, "fcvt.d.lu", "fmv.x.d")

BIN(fadd_s, "fadd.s", "fmv.w.x", "fmv.x.w")
BIN(fsub_s, "fsub.s", "fmv.w.x", "fmv.x.w")
BIN(fmul_s, "fmul.s", "fmv.w.x", "fmv.x.w")
BIN(fdiv_s, "fdiv.s", "fmv.w.x", "fmv.x.w")
BIN(fmin_s, "fmin.s", "fmv.w.x", "fmv.x.w")
BIN(fmax_s, "fmax.s", "fmv.w.x", "fmv.x.w")
BIN(fsgnj_s, "fsgnj.s", "fmv.w.x", "fmv.x.w")
BIN(fsgnjn_s, "fsgnjn.s", "fmv.w.x", "fmv.x.w")
BIN(fsgnjx_s, "fsgnjx.s", "fmv.w.x", "fmv.x.w")
TER(fmadd_s, "fmadd.s", "fmv.w.x", "fmv.x.w")
TER(fmsub_s, "fmsub.s", "fmv.w.x", "fmv.x.w")
TER(fnmsub_s, "fnmsub.s", "fmv.w.x", "fmv.x.w")
TER(fnmadd_s, "fnmadd.s", "fmv.w.x", "fmv.x.w")
UNF(fsqrt_s, "fsqrt.s", "fmv.w.x", "fmv.x.w")
UNF(fcvt_d_s, "fcvt.d.s", "fmv.w.x", "fmv.x.d")
CMP(feq_s, "feq.s", "fmv.w.x")
CMP(flt_s, "flt.s", "fmv.w.x")
CMP(fle_s, "fle.s", "fmv.w.x")
F2I(fclass_s, "fclass.s %[r], ft0", "fmv.w.x")
F2I(fcvt_w_s, "fcvt.w.s %[r], ft0, dyn", "fmv.w.x")
F2I(fcvt_wu_s, "fcvt.wu.s %[r], ft0, dyn", "fmv.w.x")
F2I(fcvt_l_s, "fcvt.l.s %[r], ft0, dyn", "fmv.w.x")
F2I(fcvt_lu_s, "fcvt.lu.s %[r], ft0, dyn", "fmv.w.x")
I2F(fcvt_s_w, "fcvt.s.w", "fmv.x.w")
I2F(fcvt_s_wu, "fcvt.s.wu", "fmv.x.w")
I2F(fcvt_s_l, "fcvt.s.l", "fmv.x.w")
I2F(fcvt_s_lu, "fcvt.s.lu", "fmv.x.w")

/* ---------------------------------------------------------------- operand values */

#define D_SIGN 0x8000000000000000ULL
#define D_FRAC 0x000fffffffffffffULL
#define S_SIGN 0x80000000U
#define S_FRAC 0x007fffffU

static u64 dbits(double d) { union { double d; u64 u; } x; x.d = d; return x.u; }
static u32 sbits(float f) { union { float f; u32 u; } x; x.f = f; return x.u; }

/* Hand-picked doubles: zeros, subnormals, normal boundaries, small integers, halves, huge, infinities, NaNs. */
static const u64 D_SPECIAL[] = {
    0x0000000000000000ULL, 0x8000000000000000ULL,  /* +-0 */
    0x0000000000000001ULL, 0x800fffffffffffffULL,  /* min subnormal, -max subnormal */
    0x0010000000000000ULL, 0x8010000000000001ULL,  /* min normal, -(min normal + ulp) */
    0x3ff0000000000000ULL, 0xbff0000000000000ULL,  /* +-1 */
    0x3ff0000000000001ULL, 0x3fefffffffffffffULL,  /* 1+ulp, 1-ulp/2 */
    0x3ff8000000000000ULL, 0xc004000000000000ULL,  /* 1.5, -2.5 */
    0x3ca0000000000000ULL, 0xbc90000000000000ULL,  /* 2^-53, -2^-54 */
    0x4340000000000001ULL, 0x3fd5555555555555ULL,  /* 2^53+2, 1/3 */
    0x7fefffffffffffffULL, 0xffefffffffffffffULL,  /* +-max */
    0x7fe0000000000000ULL, 0x0360000000000000ULL,  /* 2^1023, 2^-969 */
    0x7ff0000000000000ULL, 0xfff0000000000000ULL,  /* +-inf */
    0x7ff8000000000000ULL, 0xfff8000000000123ULL,  /* qNaN, negative qNaN with payload */
    0x7ff0000000000001ULL, 0x7ff4000000000000ULL,  /* sNaNs */
};
#define N_D_SPECIAL (sizeof D_SPECIAL / sizeof D_SPECIAL[0])

static const u32 S_SPECIAL[] = {
    0x00000000U, 0x80000000U, 0x00000001U, 0x807fffffU, 0x00800000U, 0x80800001U,
    0x3f800000U, 0xbf800000U, 0x3f800001U, 0x3f7fffffU, 0x3fc00000U, 0xc0200000U,
    0x33800000U, 0xb3000000U, 0x4b800001U, 0x3eaaaaabU,
    0x7f7fffffU, 0xff7fffffU, 0x7f000000U, 0x0c800000U,
    0x7f800000U, 0xff800000U, 0x7fc00000U, 0xffc00123U, 0x7f800001U, 0x7fa00000U,
};
#define N_S_SPECIAL (sizeof S_SPECIAL / sizeof S_SPECIAL[0])

/* A fraction with a bias towards patterns that make rounding interesting: random, short (many trailing
 * zeros, so products and sums land exactly on ties or are exact), all ones, or nearly zero. */
static u64 rnd_frac(int bits) {
    u64 mask = (1ULL << bits) - 1;
    switch (rng() % 6) {
    case 0: case 1: return rng() & mask;
    case 2: return (rng() & mask) & ~((1ULL << (rng() % bits)) - 1);
    case 3: return mask - (rng() % 4);
    case 4: return rng() % 4;
    default: return (rng() & mask) & ~((1ULL << (bits / 2 + rng() % (bits / 2))) - 1);
    }
}

/* biased exponent: mostly near 1.0, sometimes extreme (subnormal, near min normal, near overflow) */
static int rnd_exp(int maxexp, int bias) {
    switch (rng() % 8) {
    case 0: return 0;
    case 1: return 1 + (int)(rng() % 3);
    case 2: return maxexp - 1 - (int)(rng() % 3);
    case 3: return 1 + (int)(rng() % (maxexp - 1));
    default: return bias + (int)(rng() % 41) - 20;
    }
}

static u64 rnd_d_exp(int e) {
    if (e < 0) e = 0;
    if (e > 2046) e = 2046;
    return ((rng() & 1) ? D_SIGN : 0) | ((u64)e << 52) | rnd_frac(52);
}
static u64 rnd_d(void) {
    if (rng() % 16 == 0) return D_SPECIAL[rng() % N_D_SPECIAL];
    return rnd_d_exp(rnd_exp(2047, 1023));
}
/* a value whose exponent is close to e, so sums of the two round in interesting places */
static u64 rnd_d_near(u64 other) {
    int e = (int)((other >> 52) & 0x7ff);
    if (e == 0x7ff || rng() % 4 == 0) return rnd_d();
    return rnd_d_exp(e + (int)(rng() % 121) - 60);
}

static u32 rnd_s_exp(int e) {
    if (e < 0) e = 0;
    if (e > 254) e = 254;
    return ((rng() & 1) ? S_SIGN : 0) | ((u32)e << 23) | (u32)rnd_frac(23);
}
static u32 rnd_s(void) {
    if (rng() % 16 == 0) return S_SPECIAL[rng() % N_S_SPECIAL];
    return rnd_s_exp(rnd_exp(255, 127));
}
static u32 rnd_s_near(u32 other) {
    int e = (int)((other >> 23) & 0xff);
    if (e == 0xff || rng() % 4 == 0) return rnd_s();
    return rnd_s_exp(e + (int)(rng() % 61) - 30);
}

/* integers for int->float conversions: boundaries and values with a random number of significant bits */
static const u64 I_SPECIAL[] = {
    0, 1, 2, 3, (u64)-1, (u64)-2, 0x7fffffffULL, 0x80000000ULL, 0xffffffffULL, 0xffffffff80000000ULL,
    0x7fffffffffffffffULL, 0x8000000000000000ULL, 0xfffffffffffffffeULL, 0x0020000000000001ULL,
    0x0020000000000003ULL, 0x0040000000000006ULL, 0xffdfffffffffffffULL, 0x1000001ULL, 0x1000003ULL,
    0x2000006ULL, 0xfeffffffULL, 0x7ffffffffffffc00ULL, 0x7ffffffffffffdffULL, 0xfffffffffffff800ULL,
    0xfffffffffffffc00ULL,
};
#define N_I_SPECIAL (sizeof I_SPECIAL / sizeof I_SPECIAL[0])

static u64 rnd_int(void) {
    if (rng() % 8 == 0) return I_SPECIAL[rng() % N_I_SPECIAL];
    int bits = 1 + (int)(rng() % 64);
    u64 v = bits == 64 ? rng() : rng() & ((1ULL << bits) - 1);
    if (rng() % 3 == 0) v = (u64)-(int64_t)v;
    return v;
}

/* doubles for double->int conversions: halves and values around the integer ranges' edges */
static u64 rnd_d_for_int(void) {
    static const double edges[] = {0.0, 0.5, 1.0, 1.5, 2.5, 2147483647.0, 2147483648.0, 4294967295.0,
                                   4294967296.0, 9223372036854775808.0, 18446744073709551616.0};
    switch (rng() % 4) {
    case 0: {
        double base = edges[rng() % (sizeof edges / sizeof edges[0])];
        double off = ((double)(int)(rng() % 9) - 4) * 0.25;
        double v = base + off;
        if (rng() & 1) v = -v;
        u64 b = dbits(v);
        return b + (u64)((int)(rng() % 3) - 1); /* nudge by one ulp either way */
    }
    case 1: return rnd_d_exp(1023 + (int)(rng() % 70) - 3);
    case 2: return D_SPECIAL[rng() % N_D_SPECIAL];
    default: return rnd_d();
    }
}

/* ---------------------------------------------------------------- output */

static void out_bin_d(const char *op, u64 (*f)(u64, u64, int, u64 *), u64 a, u64 b, int rm) {
    u64 fl, r = f(a, b, rm, &fl);
    printf("%s %d %016llx %016llx %016llx %02llx\n", op, rm, (unsigned long long)a, (unsigned long long)b,
           (unsigned long long)r, (unsigned long long)fl);
}
static void out_bin_s(const char *op, u64 (*f)(u64, u64, int, u64 *), u32 a, u32 b, int rm) {
    u64 fl, r = f(a, b, rm, &fl);
    printf("%s %d %08x %08x %08x %02llx\n", op, rm, a, b, (u32)r, (unsigned long long)fl);
}
static void out_cmp_d(const char *op, u64 (*f)(u64, u64, int, u64 *), u64 a, u64 b) {
    u64 fl, r = f(a, b, 0, &fl);
    printf("%s 0 %016llx %016llx %llx %02llx\n", op, (unsigned long long)a, (unsigned long long)b,
           (unsigned long long)r, (unsigned long long)fl);
}
static void out_cmp_s(const char *op, u64 (*f)(u64, u64, int, u64 *), u32 a, u32 b) {
    u64 fl, r = f(a, b, 0, &fl);
    printf("%s 0 %08x %08x %llx %02llx\n", op, a, b, (unsigned long long)r, (unsigned long long)fl);
}
static void out_ter_d(const char *op, u64 (*f)(u64, u64, u64, int, u64 *), u64 a, u64 b, u64 c, int rm) {
    u64 fl, r = f(a, b, c, rm, &fl);
    printf("%s %d %016llx %016llx %016llx %016llx %02llx\n", op, rm, (unsigned long long)a,
           (unsigned long long)b, (unsigned long long)c, (unsigned long long)r, (unsigned long long)fl);
}
static void out_ter_s(const char *op, u64 (*f)(u64, u64, u64, int, u64 *), u32 a, u32 b, u32 c, int rm) {
    u64 fl, r = f(a, b, c, rm, &fl);
    printf("%s %d %08x %08x %08x %08x %02llx\n", op, rm, a, b, c, (u32)r, (unsigned long long)fl);
}
/* unary with a 64-bit printed operand and result (width given) */
static void out_un(const char *op, u64 (*f)(u64, int, u64 *), u64 a, int awidth, int rwidth, int rm) {
    u64 fl, r = f(a, rm, &fl);
    if (rwidth == 8) r &= 0xffffffffULL;
    printf("%s %d %0*llx %0*llx %02llx\n", op, rm, awidth, (unsigned long long)a, rwidth, (unsigned long long)r,
           (unsigned long long)fl);
}

/* ---------------------------------------------------------------- the vector set */

int main(void) {
    static const char *const bin_names_d[] = {"fadd.d", "fsub.d", "fmul.d", "fdiv.d"};
    static u64 (*const bin_d[])(u64, u64, int, u64 *) = {fadd_d, fsub_d, fmul_d, fdiv_d};
    static const char *const bin_names_s[] = {"fadd.s", "fsub.s", "fmul.s", "fdiv.s"};
    static u64 (*const bin_s[])(u64, u64, int, u64 *) = {fadd_s, fsub_s, fmul_s, fdiv_s};
    static const char *const ter_names_d[] = {"fmadd.d", "fmsub.d", "fnmsub.d", "fnmadd.d"};
    static u64 (*const ter_d[])(u64, u64, u64, int, u64 *) = {fmadd_d, fmsub_d, fnmsub_d, fnmadd_d};
    static const char *const ter_names_s[] = {"fmadd.s", "fmsub.s", "fnmsub.s", "fnmadd.s"};
    static u64 (*const ter_s[])(u64, u64, u64, int, u64 *) = {fmadd_s, fmsub_s, fnmsub_s, fnmadd_s};
    static const char *const cmp_names_d[] = {"fmin.d", "fmax.d", "feq.d", "flt.d", "fle.d", "fsgnj.d",
                                              "fsgnjn.d", "fsgnjx.d"};
    static u64 (*const cmp_d[])(u64, u64, int, u64 *) = {fmin_d, fmax_d, feq_d, flt_d, fle_d, fsgnj_d,
                                                         fsgnjn_d, fsgnjx_d};
    static const char *const cmp_names_s[] = {"fmin.s", "fmax.s", "feq.s", "flt.s", "fle.s", "fsgnj.s",
                                              "fsgnjn.s", "fsgnjx.s"};
    static u64 (*const cmp_s[])(u64, u64, int, u64 *) = {fmin_s, fmax_s, feq_s, flt_s, fle_s, fsgnj_s,
                                                         fsgnjn_s, fsgnjx_s};
    static const char *const f2i_names_d[] = {"fcvt.w.d", "fcvt.wu.d", "fcvt.l.d", "fcvt.lu.d"};
    static u64 (*const f2i_d[])(u64, int, u64 *) = {fcvt_w_d, fcvt_wu_d, fcvt_l_d, fcvt_lu_d};
    static const char *const f2i_names_s[] = {"fcvt.w.s", "fcvt.wu.s", "fcvt.l.s", "fcvt.lu.s"};
    static u64 (*const f2i_s[])(u64, int, u64 *) = {fcvt_w_s, fcvt_wu_s, fcvt_l_s, fcvt_lu_s};
    static const char *const i2f_names_d[] = {"fcvt.d.w", "fcvt.d.wu", "fcvt.d.l", "fcvt.d.lu"};
    static u64 (*const i2f_d[])(u64, int, u64 *) = {fcvt_d_w, fcvt_d_wu, fcvt_d_l, fcvt_d_lu};
    static const char *const i2f_names_s[] = {"fcvt.s.w", "fcvt.s.wu", "fcvt.s.l", "fcvt.s.lu"};
    static u64 (*const i2f_s[])(u64, int, u64 *) = {fcvt_s_w, fcvt_s_wu, fcvt_s_l, fcvt_s_lu};

    /* special x special, every arithmetic op and rounding mode */
    for (unsigned i = 0; i < N_D_SPECIAL; i++)
        for (unsigned j = 0; j < N_D_SPECIAL; j++)
            for (int op = 0; op < 4; op++)
                for (int rm = 0; rm < 5; rm++) out_bin_d(bin_names_d[op], bin_d[op], D_SPECIAL[i], D_SPECIAL[j], rm);
    for (unsigned i = 0; i < N_S_SPECIAL; i++)
        for (unsigned j = 0; j < N_S_SPECIAL; j++)
            for (int op = 0; op < 4; op++)
                for (int rm = 0; rm < 5; rm++) out_bin_s(bin_names_s[op], bin_s[op], S_SPECIAL[i], S_SPECIAL[j], rm);
    /* special x special for min/max/compare/sign injection (no rounding) */
    for (unsigned i = 0; i < N_D_SPECIAL; i++)
        for (unsigned j = 0; j < N_D_SPECIAL; j++)
            for (int op = 0; op < 8; op++) {
                if (op < 2 || op >= 5) out_bin_d(cmp_names_d[op], cmp_d[op], D_SPECIAL[i], D_SPECIAL[j], 0);
                else out_cmp_d(cmp_names_d[op], cmp_d[op], D_SPECIAL[i], D_SPECIAL[j]);
            }
    for (unsigned i = 0; i < N_S_SPECIAL; i++)
        for (unsigned j = 0; j < N_S_SPECIAL; j++)
            for (int op = 0; op < 8; op++) {
                if (op < 2 || op >= 5) out_bin_s(cmp_names_s[op], cmp_s[op], S_SPECIAL[i], S_SPECIAL[j], 0);
                else out_cmp_s(cmp_names_s[op], cmp_s[op], S_SPECIAL[i], S_SPECIAL[j]);
            }
    /* random pairs with related exponents */
    for (int n = 0; n < 1500; n++) {
        u64 a = rnd_d(), b = rnd_d_near(a);
        for (int op = 0; op < 4; op++)
            for (int rm = 0; rm < 5; rm++) out_bin_d(bin_names_d[op], bin_d[op], a, b, rm);
        u32 x = rnd_s(), y = rnd_s_near(x);
        for (int op = 0; op < 4; op++)
            for (int rm = 0; rm < 5; rm++) out_bin_s(bin_names_s[op], bin_s[op], x, y, rm);
    }
    for (int n = 0; n < 300; n++) {
        u64 a = rnd_d(), b = rng() % 3 == 0 ? a : rnd_d_near(a);
        out_cmp_d(cmp_names_d[2 + n % 3], cmp_d[2 + n % 3], a, b);
        out_bin_d(cmp_names_d[n % 2], cmp_d[n % 2], a, b, 0);
        u32 x = rnd_s(), y = rng() % 3 == 0 ? x : rnd_s_near(x);
        out_cmp_s(cmp_names_s[2 + n % 3], cmp_s[2 + n % 3], x, y);
        out_bin_s(cmp_names_s[n % 2], cmp_s[n % 2], x, y, 0);
    }
    /* fused multiply-add: random triples, the addend often near -(a*b) (cancellation) or tiny (ties) */
    for (int n = 0; n < 3000; n++) {
        u64 a = rnd_d(), b = rnd_d_near(D_SPECIAL[6]), c;
        u64 fl;
        u64 p = fmul_d(a, b, 0, &fl);
        switch (rng() % 5) {
        case 0: c = p ^ D_SIGN; c += (u64)((int)(rng() % 5) - 2); break;
        case 1: c = rnd_d_near(p); break;
        case 4: /* far below a*b's last bit: a product on a tie plus a tiny addend is no longer a tie */
            c = rnd_d_exp((int)((p >> 52) & 0x7ff) - 54 - (int)(rng() % 60)); break;
        case 2: c = D_SPECIAL[rng() % N_D_SPECIAL]; break;
        default: c = rnd_d(); break;
        }
        int op = n % 4;
        for (int rm = 0; rm < 5; rm++) out_ter_d(ter_names_d[op], ter_d[op], a, b, c, rm);
        u32 x = rnd_s(), y = rnd_s_near(0x3f800000U), z;
        u32 q = (u32)fmul_s(x, y, 0, &fl);
        switch (rng() % 5) {
        case 0: z = q ^ S_SIGN; z += (u32)((int)(rng() % 5) - 2); break;
        case 1: z = rnd_s_near(q); break;
        case 4: /* below double precision of a*b: computing a*b+c in double would round twice */
            z = rnd_s_exp((int)((q >> 23) & 0xff) - 30 - (int)(rng() % 40)); break;
        case 2: z = S_SPECIAL[rng() % N_S_SPECIAL]; break;
        default: z = rnd_s(); break;
        }
        for (int rm = 0; rm < 5; rm++) out_ter_s(ter_names_s[op], ter_s[op], x, y, z, rm);
    }
    /* fma with special operands (0 * inf + qNaN must raise NV, signed zero sums, ...) */
    static const int fma_pick[] = {0, 1, 2, 6, 7, 14, 16, 18, 22, 23, 24, 26};
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            for (int k = 0; k < 12; k++) {
                int op = (i + j + k) % 4, rm = (i * 7 + j * 3 + k) % 5;
                out_ter_d(ter_names_d[op], ter_d[op], D_SPECIAL[fma_pick[i]], D_SPECIAL[fma_pick[j]],
                          D_SPECIAL[fma_pick[k]], rm);
                out_ter_s(ter_names_s[op], ter_s[op], S_SPECIAL[fma_pick[i]], S_SPECIAL[fma_pick[j]],
                          S_SPECIAL[fma_pick[k]], rm);
            }
    /* square root */
    for (int n = 0; n < 400; n++) {
        u64 a = n < (int)N_D_SPECIAL ? D_SPECIAL[n] : rnd_d();
        u32 x = n < (int)N_S_SPECIAL ? S_SPECIAL[n] : rnd_s();
        if (n >= 30 && (rng() & 1)) { a &= ~D_SIGN; x &= ~S_SIGN; }
        for (int rm = 0; rm < 5; rm++) {
            out_un("fsqrt.d", fsqrt_d, a, 16, 16, rm);
            out_un("fsqrt.s", fsqrt_s, x, 8, 8, rm);
        }
    }
    /* class */
    for (unsigned i = 0; i < N_D_SPECIAL; i++) out_un("fclass.d", fclass_d, D_SPECIAL[i], 16, 16, 0);
    for (unsigned i = 0; i < N_S_SPECIAL; i++) out_un("fclass.s", fclass_s, S_SPECIAL[i], 8, 16, 0);
    /* float -> int */
    for (int n = 0; n < 500; n++) {
        u64 a = rnd_d_for_int();
        u64 fl;
        u32 x = (u32)fcvt_s_d(a, n % 5, &fl);
        if ((x & 0x7f800000U) == 0x7f800000U && rng() % 2) x = S_SPECIAL[rng() % N_S_SPECIAL];
        for (int op = 0; op < 4; op++)
            for (int rm = 0; rm < 5; rm++) {
                out_un(f2i_names_d[op], f2i_d[op], a, 16, 16, rm);
                out_un(f2i_names_s[op], f2i_s[op], x, 8, 16, rm);
            }
    }
    /* int -> float */
    for (int n = 0; n < 400; n++) {
        u64 v = rnd_int();
        for (int op = 0; op < 4; op++)
            for (int rm = 0; rm < 5; rm++) {
                out_un(i2f_names_d[op], i2f_d[op], v, 16, 16, rm);
                out_un(i2f_names_s[op], i2f_s[op], v, 16, 8, rm);
            }
    }
    /* double <-> single */
    for (int n = 0; n < 700; n++) {
        u64 a;
        switch (n % 4) {
        case 0: a = rnd_d(); break;
        case 1: a = rnd_d_exp(1023 + (int)(rng() % 300) - 150); break; /* around the float range ends */
        case 2: a = n / 4 < (int)N_D_SPECIAL ? D_SPECIAL[n / 4] : rnd_d(); break;
        default: { /* exactly representable floats, float halfway points, and neighbours */
            u64 f = ((u64)rnd_s_exp(rnd_exp(255, 127)) & 0x7fffffffU);
            u64 d = dbits((double)((union { u32 u; float f; }){.u = (u32)f}).f);
            if (rng() & 1) d += 1ULL << 28; /* halfway between two floats (normal range) */
            d += (u64)((int)(rng() % 3) - 1);
            a = d | ((rng() & 1) ? D_SIGN : 0);
        }
        }
        for (int rm = 0; rm < 5; rm++) out_un("fcvt.s.d", fcvt_s_d, a, 16, 8, rm);
    }
    for (int n = 0; n < 200; n++) {
        u32 x = n < (int)N_S_SPECIAL ? S_SPECIAL[n] : rnd_s();
        out_un("fcvt.d.s", fcvt_d_s, x, 8, 16, 0);
    }
    (void)sbits;
    return 0;
}
