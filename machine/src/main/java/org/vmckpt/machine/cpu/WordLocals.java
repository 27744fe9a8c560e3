package org.vmckpt.machine.cpu;

import static org.vmckpt.machine.cpu.Translator.ALU_IMM;
import static org.vmckpt.machine.cpu.Translator.ALU_REG;
import static org.vmckpt.machine.cpu.Translator.LOAD;

/**
 * Word locals (round 65, {@code -Dvmckpt.jit.wordLocals=true}, off by default): the guest registers a hot-tier unit
 * keeps in JVM {@code int} locals instead of {@code long} ones, because every value the unit can give them is a 32-bit
 * value sign-extended to 64 bits. Such a register's 64-bit value is {@code (long) i} of its local {@code i}: read as
 * {@code ILOAD; I2L}, written as {@code L2I; ISTORE}, sign-extended only where a 64-bit value is needed (a 64-bit
 * operation, an address, a write-back at an exit).
 *
 * <p>Why: SHA-256 (the signed guest's module phase is 73% of it) keeps its eight state words in registers across its
 * round loop, and the translator's {@code long} locals made them {@code long} phis at the loop's head in C2's graph. Each
 * value then lived twice (its {@code int} for {@code rorx}/{@code add}, its {@code long} for the phi, the 64-bit
 * {@code and}/{@code or}/{@code xor} of Ch and Maj and the exits), with a sign extension per value: C2's code of the
 * kernel's round loop was ~695 x86 instructions for 309 guest ones, 295 of them stack spills and reloads
 * (docs/BENCHMARKS.md, round 65). With {@code int} phis the long forms are needed only on the exit paths.
 *
 * <p>Exact: a register qualifies only if the unit writes it, every write of it in the region is a word write (below),
 * and no instruction the interpreter runs for the unit ({@link Hart#execOne}) names it. Its value at the unit's entry,
 * which the unit did not make, is checked: the prologue leaves before the first instruction (the dispatcher's
 * interpreter runs the block, {@link Hart#unitExit}) unless every such register holds a sign-extended 32-bit value.
 * The word writes: RV64's word operations ({@code addw} ... {@code remuw} and the immediate forms); {@code lw},
 * {@code lh}, {@code lb}, {@code lhu}, {@code lbu}; and {@code and}, {@code or}, {@code xor} (and their immediate
 * forms) whose operands are x0, 12-bit immediates or such registers (the largest set, found as a fixed point).
 */
final class WordLocals {
    private WordLocals() { }

    /**
     * The registers (bit r for xr) a hot-tier unit of {@code region} (in offset order; {@code leaders}: its blocks'
     * first offsets) keeps in int locals; 0 for none. The largest set W such that every write of a register of W is a
     * word write when the registers of W, and those a word write set earlier in the same block, hold sign-extended
     * 32-bit values: found from every written register by dropping, until none is dropped, each one with a write
     * that is not. (Within a block, as {@code Translator.wordRegs}: a register reused for a 64-bit value, such as a
     * loop's bound, drops only itself, not every value computed from its word-valued uses.)
     */
    static int find(Translator.Insn[] region, TranslatorBits leaders, int entryOff) {
        int written = 0, excluded = 0;
        for (Translator.Insn in : region) {
            written |= Translator.writes(in);
            if (in.kind() == Translator.HELPER) {
                excluded |= 1 << Decode.rd(in.bits()) | 1 << Decode.rs1(in.bits()) | 1 << Decode.rs2(in.bits());
            }
        }
        int words = written & ~excluded & ~1;
        boolean changed = true;
        while (changed) { // (only shrinks: at most 31 rounds)
            changed = false;
            int local = 0; // registers a word write set earlier in this block
            for (Translator.Insn in : region) {
                if (leaders.get(in.off()) || in.kind() == Translator.HELPER) local = 0;
                int w = Translator.writes(in);
                if (w == 0) continue;
                boolean word = wordWrite(in, words | local | 1);
                if ((words & w) != 0 && !word) {
                    words &= ~w;
                    changed = true;
                }
                local = word ? local | w : local & ~w;
            }
        }
        return words & readFirst(region, entryOff);
    }

    /**
     * The registers an instruction reads before any instruction writes them, in offset order from {@code entryOff}
     * (round the region's end back to its start): the values a loop carries round to its head, when the unit is the
     * loop. Only these are worth an int local and the entry's check: a register the unit writes before it reads it
     * (a temporary) holds at the entry whatever the code before left there, often not a 32-bit value, and the check
     * would send every such entry to the interpreter. A heuristic, not a proof (the check keeps it exact).
     */
    static int readFirst(Translator.Insn[] region, int entryOff) {
        int read = 0, written = 0;
        int start = 0;
        while (start < region.length && region[start].off() < entryOff) start++;
        for (int k = 0; k < region.length; k++) {
            Translator.Insn in = region[(start + k) % region.length];
            read |= reads(in) & ~written;
            written |= Translator.writes(in);
        }
        return read & ~1;
    }

    private static int reads(Translator.Insn in) {
        int bits = in.bits();
        switch (in.kind()) {
            case ALU_REG: case Translator.BRANCH: case Translator.STORE: case Translator.HELPER:
                return 1 << Decode.rs1(bits) | 1 << Decode.rs2(bits);
            case ALU_IMM: case LOAD: case Translator.JALR:
                return 1 << Decode.rs1(bits);
            default:
                return 0;
        }
    }

    /** Whether {@code in} leaves a sign-extended 32-bit value in rd when the registers of {@code words} hold such values. */
    static boolean wordWrite(Translator.Insn in, int words) {
        int bits = in.bits();
        switch (in.kind()) {
            case LOAD: {
                int f3 = Decode.funct3(bits);
                return f3 == 0 || f3 == 1 || f3 == 2 || f3 == 4 || f3 == 5; // lb, lh, lw, lbu, lhu (not ld, lwu)
            }
            case ALU_IMM:
            case ALU_REG: {
                String op = Decode.aluOperation(bits);
                if (op == null) return false;
                if (op.endsWith("w")) return true;
                int rs1 = Decode.rs1(bits), rs2 = Decode.rs2(bits);
                boolean imm = in.kind() == ALU_IMM;
                boolean a = (words & 1 << rs1) != 0, b = imm || (words & 1 << rs2) != 0;
                if (op.equals("and") || op.equals("or") || op.equals("xor")) return a && b;
                if (op.equals("add")) { // li (addi rd, x0, imm), mv (addi rd, rs, 0; add rd, x0, rs)
                    if (imm) return rs1 == 0 || (a && Decode.immI(bits) == 0);
                    return (rs1 == 0 && b) || (rs2 == 0 && a);
                }
                return false;
            }
            default:
                return false;
        }
    }
}
