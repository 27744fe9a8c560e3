package org.vmckpt.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;

/**
 * Replays reference vectors recorded on a RISC-V implementation (machine/src/test/c/fpu_vectors.c run under
 * QEMU) against FloatUnit: every result bit pattern and every fflags bit must match.
 */
class FloatUnitVectorTest {
    private static final String VECTORS = "/fpu/vectors.txt.gz";
    private static final String[] MODE_NAMES = {"rne", "rtz", "rdn", "rup", "rmm"};

    @Test
    void everyReferenceVectorMatches() throws IOException {
        List<String> mismatches = new ArrayList<>();
        int count = 0;
        try (InputStream raw = FloatUnitVectorTest.class.getResourceAsStream(VECTORS)) {
            assertTrue(raw != null, "missing test resource " + VECTORS);
            BufferedReader reader = new BufferedReader(
                    new InputStreamReader(new GZIPInputStream(raw), StandardCharsets.US_ASCII));
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                count++;
                String[] t = line.trim().split(" ");
                String op = t[0];
                int rm = Integer.parseInt(t[1]);
                long[] operands = new long[t.length - 4];
                for (int i = 0; i < operands.length; i++) {
                    operands[i] = Long.parseUnsignedLong(t[2 + i], 16);
                }
                long expected = Long.parseUnsignedLong(t[t.length - 2], 16);
                int expectedFlags = Integer.parseInt(t[t.length - 1], 16);
                FloatUnit unit = new FloatUnit();
                long actual = run(unit, op, operands, rm);
                if (actual != expected || unit.flags != expectedFlags) {
                    mismatches.add(String.format("%s %s %s: expected %x %s, got %x %s", op, MODE_NAMES[rm],
                            operandText(t), expected, flagText(expectedFlags), actual, flagText(unit.flags)));
                }
            }
        }
        assertTrue(count > 100_000, "too few vectors: " + count);
        if (!mismatches.isEmpty()) {
            StringBuilder message = new StringBuilder(mismatches.size() + " of " + count + " vectors differ:\n");
            mismatches.stream().limit(60).forEach(m -> message.append(m).append('\n'));
            fail(message.toString());
        }
    }

    private static String operandText(String[] t) {
        StringBuilder b = new StringBuilder();
        for (int i = 2; i < t.length - 2; i++) {
            b.append(i > 2 ? " " : "").append(t[i]);
        }
        return b.toString();
    }

    static String flagText(int flags) {
        StringBuilder b = new StringBuilder("[");
        String[] names = {"NX", "UF", "OF", "DZ", "NV"};
        for (int i = 0; i < names.length; i++) {
            if ((flags & (1 << i)) != 0) {
                b.append(b.length() > 1 ? " " : "").append(names[i]);
            }
        }
        return b.append(']').toString();
    }

    /** Runs one instruction; single-precision results come back as their 32-bit pattern. */
    private static long run(FloatUnit u, String op, long[] x, int rm) {
        int a = (int) x[0];
        int b = x.length > 1 ? (int) x[1] : 0;
        int c = x.length > 2 ? (int) x[2] : 0;
        switch (op) {
            case "fadd.d": return u.addD(x[0], x[1], rm);
            case "fsub.d": return u.subD(x[0], x[1], rm);
            case "fmul.d": return u.mulD(x[0], x[1], rm);
            case "fdiv.d": return u.divD(x[0], x[1], rm);
            case "fsqrt.d": return u.sqrtD(x[0], rm);
            case "fmadd.d": return u.fmaddD(x[0], x[1], x[2], rm);
            case "fmsub.d": return u.fmsubD(x[0], x[1], x[2], rm);
            case "fnmsub.d": return u.fnmsubD(x[0], x[1], x[2], rm);
            case "fnmadd.d": return u.fnmaddD(x[0], x[1], x[2], rm);
            case "fmin.d": return u.minD(x[0], x[1]);
            case "fmax.d": return u.maxD(x[0], x[1]);
            case "feq.d": return u.eqD(x[0], x[1]);
            case "flt.d": return u.ltD(x[0], x[1]);
            case "fle.d": return u.leD(x[0], x[1]);
            case "fsgnj.d": return u.fsgnjD(x[0], x[1]);
            case "fsgnjn.d": return u.fsgnjnD(x[0], x[1]);
            case "fsgnjx.d": return u.fsgnjxD(x[0], x[1]);
            case "fclass.d": return FloatUnit.classD(x[0]);
            case "fcvt.w.d": return u.cvtWD(x[0], rm);
            case "fcvt.wu.d": return u.cvtWuD(x[0], rm);
            case "fcvt.l.d": return u.cvtLD(x[0], rm);
            case "fcvt.lu.d": return u.cvtLuD(x[0], rm);
            case "fcvt.d.w": return u.cvtDW(x[0], rm);
            case "fcvt.d.wu": return u.cvtDWu(x[0], rm);
            case "fcvt.d.l": return u.cvtDL(x[0], rm);
            case "fcvt.d.lu": return u.cvtDLu(x[0], rm);
            case "fcvt.s.d": return single(u.cvtSD(x[0], rm));
            case "fcvt.d.s": return u.cvtDS(a);
            case "fadd.s": return single(u.addS(a, b, rm));
            case "fsub.s": return single(u.subS(a, b, rm));
            case "fmul.s": return single(u.mulS(a, b, rm));
            case "fdiv.s": return single(u.divS(a, b, rm));
            case "fsqrt.s": return single(u.sqrtS(a, rm));
            case "fmadd.s": return single(u.fmaddS(a, b, c, rm));
            case "fmsub.s": return single(u.fmsubS(a, b, c, rm));
            case "fnmsub.s": return single(u.fnmsubS(a, b, c, rm));
            case "fnmadd.s": return single(u.fnmaddS(a, b, c, rm));
            case "fmin.s": return single(u.minS(a, b));
            case "fmax.s": return single(u.maxS(a, b));
            case "feq.s": return u.eqS(a, b);
            case "flt.s": return u.ltS(a, b);
            case "fle.s": return u.leS(a, b);
            case "fsgnj.s": return single(u.fsgnjS(a, b));
            case "fsgnjn.s": return single(u.fsgnjnS(a, b));
            case "fsgnjx.s": return single(u.fsgnjxS(a, b));
            case "fclass.s": return FloatUnit.classS(a);
            case "fcvt.w.s": return u.cvtWS(a, rm);
            case "fcvt.wu.s": return u.cvtWuS(a, rm);
            case "fcvt.l.s": return u.cvtLS(a, rm);
            case "fcvt.lu.s": return u.cvtLuS(a, rm);
            case "fcvt.s.w": return single(u.cvtSW(x[0], rm));
            case "fcvt.s.wu": return single(u.cvtSWu(x[0], rm));
            case "fcvt.s.l": return single(u.cvtSL(x[0], rm));
            case "fcvt.s.lu": return single(u.cvtSLu(x[0], rm));
            default: throw new IllegalArgumentException("unknown operation in vector file: " + op);
        }
    }

    private static long single(int bits) {
        return bits & 0xffffffffL;
    }
}
