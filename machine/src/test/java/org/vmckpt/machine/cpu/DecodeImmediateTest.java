package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link Decode#immB} and {@link Decode#immJ} give the instruction set's immediates (checked against the bit layout
 * of the unprivileged spec, one bit at a time, on every single-bit word and random words), in at most 35 bytes of
 * bytecode: C2's MaxInlineSize, below which it inlines a call that has run at all into the interpreter's loop.
 */
class DecodeImmediateTest {
    private static long bit(int insn, int i) {
        return (insn >>> i) & 1;
    }

    /** B-type: imm[12|10:5] in insn[31:25], imm[4:1|11] in insn[11:7], sign from imm[12]. */
    private static long referenceB(int insn) {
        long imm = bit(insn, 31) << 12 | bit(insn, 7) << 11;
        for (int i = 0; i < 6; i++) imm |= bit(insn, 25 + i) << (5 + i);
        for (int i = 0; i < 4; i++) imm |= bit(insn, 8 + i) << (1 + i);
        return imm << 51 >> 51;
    }

    /** J-type: imm[20|10:1|11|19:12] in insn[31:12], sign from imm[20]. */
    private static long referenceJ(int insn) {
        long imm = bit(insn, 31) << 20 | bit(insn, 20) << 11;
        for (int i = 0; i < 10; i++) imm |= bit(insn, 21 + i) << (1 + i);
        for (int i = 0; i < 8; i++) imm |= bit(insn, 12 + i) << (12 + i);
        return imm << 43 >> 43;
    }

    @Test
    void immediatesFollowTheBitLayout() {
        int[] words = new int[32 + 3 + 100_000];
        for (int i = 0; i < 32; i++) words[i] = 1 << i;
        words[32] = 0;
        words[33] = -1;
        words[34] = 0x7fffffff;
        Random r = new Random(7);
        for (int i = 35; i < words.length; i++) words[i] = r.nextInt();
        for (int w : words) {
            assertEquals(referenceB(w), Decode.immB(w), () -> "immB of " + Integer.toHexString(w));
            assertEquals(referenceJ(w), Decode.immJ(w), () -> "immJ of " + Integer.toHexString(w));
        }
    }

    @Test
    void immediatesFitC2sInlineSize() throws IOException {
        Map<String, Integer> sizes = codeLengths(Decode.class);
        assertTrue(sizes.get("immB") <= 35, "immB is " + sizes.get("immB") + " bytes of bytecode");
        assertTrue(sizes.get("immJ") <= 35, "immJ is " + sizes.get("immJ") + " bytes of bytecode");
    }

    /** Each method's code_length, read from the class file (JVMS 4.1, 4.6, 4.7.3). */
    static Map<String, Integer> codeLengths(Class<?> c) throws IOException {
        ClassReader r;
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            r = new ClassReader(in);
        }
        Map<String, Integer> out = new HashMap<>();
        char[] buf = new char[r.getMaxStringLength()];
        int p = r.header + 6;
        p += 2 + 2 * r.readUnsignedShort(p); // interfaces
        for (int pass = 0; pass < 2; pass++) { // fields, then methods
            int count = r.readUnsignedShort(p);
            p += 2;
            for (int m = 0; m < count; m++) {
                String name = r.readUTF8(p + 2, buf);
                int attributes = r.readUnsignedShort(p + 6);
                p += 8;
                for (int a = 0; a < attributes; a++) {
                    if (pass == 1 && "Code".equals(r.readUTF8(p, buf))) out.put(name, r.readInt(p + 10));
                    p += 6 + r.readInt(p + 2);
                }
            }
        }
        return out;
    }
}
