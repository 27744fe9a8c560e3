package org.vmckpt.machine.cpu;

/**
 * The translator thread's first work, before any job arrives: one unit built from a small loop of guest code (a load,
 * an add, a store, a branch back, a return) and compiled as a real unit is, then dropped. So what a process does only
 * once, the first time it translates, is done while the machine is still being built and its boot files loaded (the
 * thread starts with the machine), instead of between the guest's first hot entry and its first unit: loading and
 * verifying ASM's classes (class-file version 49, which the class-data archive cannot hold, so each start loads them
 * from the jar with the old, type-inferring verifier: 80-230 ms at load 14, docs/BENCHMARKS.md round 25), the
 * translator's and the hidden-class definition's first runs, and the WhiteBox API's set-up. In a boot to /init the
 * first job came ~20 ms after the guest's first instruction, and its unit 350 ms later at load 14, 130 ms of it
 * loading ASM (docs/BENCHMARKS.md, round 27). The unit is never installed anywhere: unreachable, its class unloads.
 */
final class TranslatorWarmUp {
    private TranslatorWarmUp() { }

    /**
     * Off by default, {@code -Dvmckpt.jit.warmUp=true} turns it on: in the CLI module's tests at load 16-28, three
     * end-to-end boots of the default guest (separate processes) stopped after the kernel's first console lines and
     * were not explained in the round (docs/BENCHMARKS.md, round 27); until they are, the shared translator thread
     * starts as before.
     */
    static final boolean ENABLED = Boolean.getBoolean("vmckpt.jit.warmUp");

    /** Builds and compiles (where the WhiteBox API is there) the warm-up unit with {@code t}; true if it was built. */
    static boolean run(Translator t) {
        try {
            TranslatedUnit u = t.translate(page(), 0, 0);
            if (u == null) return false;
            // Through the API only: without it, the calls that queue a unit for C1 would get this one compiled for nothing.
            if (HotSpotCompiler.get() != null) BackgroundTranslator.compile(u);
            return true;
        } catch (RuntimeException | LinkageError e) {
            return false; // the first real unit then pays for what this would have done
        }
    }

    /** A page whose first bytes are the loop: {@code 1: ld a2,0(a0); addi a0,a0,8; add a3,a3,a2; sd a3,0(a1); bne a0,a4,1b; ret}. */
    static byte[] page() {
        int[] code = {
            iType(0, 10, 3, 12, 0x03),     // ld a2, 0(a0)
            iType(8, 10, 0, 10, 0x13),     // addi a0, a0, 8
            rType(0, 12, 13, 0, 13, 0x33), // add a3, a3, a2
            sType(0, 13, 11, 3, 0x23),     // sd a3, 0(a1)
            bType(-16, 14, 10, 1, 0x63),   // bne a0, a4, -16
            iType(0, 1, 0, 0, 0x67),       // jalr x0, 0(ra)
        };
        byte[] page = new byte[4096];
        for (int i = 0; i < code.length; i++) {
            for (int b = 0; b < 4; b++) page[i * 4 + b] = (byte) (code[i] >>> (8 * b));
        }
        return page;
    }

    private static int iType(int imm, int rs1, int funct3, int rd, int opcode) {
        return (imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }

    private static int rType(int funct7, int rs2, int rs1, int funct3, int rd, int opcode) {
        return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
    }

    private static int sType(int imm, int rs2, int rs1, int funct3, int opcode) {
        return (imm >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (imm & 0x1f) << 7 | opcode;
    }

    private static int bType(int imm, int rs2, int rs1, int funct3, int opcode) {
        return (imm >> 12 & 1) << 31 | (imm >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12
                | (imm >> 1 & 0xf) << 8 | (imm >> 11 & 1) << 7 | opcode;
    }
}
