package org.vmckpt.machine.cpu;

import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

import static org.vmckpt.machine.cpu.Asm.*;

/**
 * The cost of an instruction inside a unit, for two loop shapes of the CPU benchmark's compute phase (a benchmark, not
 * a test: it prints figures for docs/BENCHMARKS.md, round 23). Each loop runs on a {@link Hart} built directly, its
 * unit built on the translator thread as in a real run (C1 tier 1 when the JVM has the launcher's WhiteBox options),
 * then, with the hot tier, promoted to C2:
 * <ul>
 * <li>{@code chain}: the shape of gzip's longest_match chain loop (busybox 6dd1c-6dd9e): two byte loads compared, a
 *     branch out, a halfword load from a table, a compare, a counter and the branch back: 10-13 instructions in 4-5
 *     blocks per iteration, the loads from a data page;</li>
 * <li>{@code rotate}: SHA-256's message schedule (busybox 9aec6-9af14): word loads, rotations made of {@code srliw},
 *     {@code slliw} and {@code or}, {@code xor}, {@code addw}, a word store: 27 instructions in one block;</li>
 * <li>{@code vli}: the signed guest's ECDSA, a big-number multiply-accumulate (vli_square's inner loop): two word loads,
 *     {@code mulhu}, {@code mul}, carries from {@code sltu} and {@code seqz}, a store: 27 instructions in one block (round 25);</li>
 * <li>{@code rounds}: SHA-256's rounds (busybox 9af56-9b056): two word loads through pointers that step by 4 and 8
 *     (round 35's base-register pages, retired in round 84);</li>
 * <li>{@code call}: a loop of 11 instructions that calls a 7-instruction function in another page every iteration
 *     (round 29's nested calls were retired in round 84);</li>
 * <li>{@code exitNarrow} and {@code exitWide}: a unit that runs 6 instructions and leaves by a {@code jalr} back to its
 *     own entry at every run (gzip's tally and output functions: 8-40 instructions a run, round 44); in
 *     {@code exitWide} a branch never taken leads to a block that reads 21 more registers and writes 20 of them, so the
 *     unit loads 25 registers at its entry and stores 23 at its exit against {@code exitNarrow}'s 4 and 3, for the same
 *     path run; in {@code exitWideRead} that block only reads them (25 loaded, 3 stored), which splits the cost between
 *     the entry's loads and the exit's stores (round 46: what a short unit's entry and exit cost against its body).</li>
 * </ul>
 * Run-thread CPU per guest instruction after a warm-up. Run with the launcher's JVM options, e.g.
 * {@code java $(opts) -cp machine/target/classes:machine/target/test-classes:$ASM org.vmckpt.machine.cpu.UnitCodeBench},
 * and compare builds in interleaved JVMs.
 */
public final class UnitCodeBench {
    static final long BASE = 0x8000_0000L, DATA = BASE + 0x10000;

    static Hart hart(String shape, boolean hotTier) {
        if (shape.equals("kernelSha")) return kernelSha(hotTier);
        if (shape.equals("shaLoop")) return shaLoop(hotTier);
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationInBackground(true);
        h.setBatchMayEndBeforeUnit(true);
        if (!hotTier) h.setPromotionThreshold(Long.MAX_VALUE);
        GuestMemory m = h.bus().ram();
        int[] code;
        switch (shape) {
            case "chain":
                // x10: window base, x11: table base, x12: current match (masked), x6: counter, x13: scan byte
                code = new int[] {
                        add(14, 10, 12),            // 0: head: x14 = window + cur
                        lbu(15, 14, 0),             // 4
                        b(12, 13, 15, 1),           // 8: bne x15, x13, +12 (to 20: mismatch)
                        lbu(15, 14, 1),             // 12
                        addi(16, 16, 1),            // 16: (a match: counted)
                        i(0xff, 12, 7, 12, 0x13),   // 20: andi x12, x12, 255
                        add(17, 12, 12),            // 24: x17 = 2 * cur
                        add(17, 17, 11),            // 28
                        i(0, 17, 5, 12, 0x03),      // 32: lhu x12, 0(x17): the next in the chain
                        b(8, 12, 0, 6),             // 36: bltu x0, x12, +8 (to 44)
                        addi(12, 12, 7),            // 40
                        addi(6, 6, -1),             // 44
                        b(-48, 0, 6, 1),            // 48: bne x6, x0, head
                        i(0, 1, 0, 0, 0x67),        // 52: ret (ends the region)
                };
                h.x[10] = DATA;
                h.x[11] = DATA + 0x1000;
                h.x[13] = 'a';
                for (int k = 0; k < 256; k++) {
                    m.write8(DATA + k, (byte) ('a' + k % 3));
                    m.write16(DATA + 0x1000 + 2L * k, (short) ((k * 37 + 11) & 0xff));
                }
                h.x[6] = Long.MAX_VALUE;
                break;
            case "rotate":
                // x13: the schedule's pointer (16 words), x14: its end; rotations as SHA-256's sigma0/sigma1
                code = new int[] {
                        lw(7, 13, 56),              // 0: w[t-2]
                        lw(8, 13, 4),               // w[t-15]
                        i(15, 7, 1, 10, 0x1b),      // slliw x10, x7, 15
                        i(17, 7, 5, 11, 0x1b),      // srliw x11, x7, 17
                        i(13, 7, 1, 17, 0x1b),      // slliw x17, x7, 13
                        r(0, 10, 11, 6, 11, 0x33),  // or x11, x11, x10
                        i(19, 7, 5, 10, 0x1b),      // srliw x10, x7, 19
                        r(0, 17, 10, 6, 10, 0x33),  // or x10, x10, x17
                        r(0, 10, 11, 4, 11, 0x33),  // xor x11, x11, x10
                        i(10, 7, 5, 7, 0x1b),       // srliw x7, x7, 10
                        lw(10, 13, 36),             // w[t-7]
                        r(0, 11, 7, 4, 7, 0x33),    // xor x7, x7, x11
                        lw(11, 13, 0),              // w[t-16]
                        i(14, 8, 1, 17, 0x1b),      // slliw x17, x8, 14
                        r(0, 10, 11, 0, 11, 0x3b),  // addw x11, x11, x10
                        r(0, 11, 7, 0, 7, 0x3b),    // addw x7, x7, x11
                        i(25, 8, 1, 10, 0x1b),      // slliw x10, x8, 25
                        i(7, 8, 5, 11, 0x1b),       // srliw x11, x8, 7
                        r(0, 10, 11, 6, 11, 0x33),  // or x11, x11, x10
                        i(18, 8, 5, 10, 0x1b),      // srliw x10, x8, 18
                        r(0, 17, 10, 6, 10, 0x33),  // or x10, x10, x17
                        r(0, 10, 11, 4, 11, 0x33),  // xor x11, x11, x10
                        i(3, 8, 5, 8, 0x1b),        // srliw x8, x8, 3
                        r(0, 11, 8, 4, 8, 0x33),    // xor x8, x8, x11
                        r(0, 7, 8, 0, 8, 0x3b),     // addw x8, x8, x7
                        sw(8, 13, 60),              // w[t] (one word on: the loop keeps rewriting the same 16)
                        b(-104, 0, 0, 0),           // beq x0, x0, head
                        i(0, 1, 0, 0, 0x67),        // ret (ends the region)
                };
                h.x[13] = DATA;
                for (int k = 0; k < 32; k++) m.write32(DATA + 4L * k, k * 0x9e3779b9);
                break;
            case "rounds":
                // SHA-256's 64 rounds (busybox 9af56-9b056, round 35): per round a word of the schedule and a word of the
                // constants, loaded through two pointers that step by 4 and 8 (x12 = a2, x18 = s2), the Sigma rotations and
                // the choice, 31 instructions; every 256 rounds both pointers step back (addi -1024, 4 x addi -512).
                code = new int[] {
                        i(26, 15, 1, 23, 0x1b),     // 0: head: slliw s7, a5, 26
                        i(6, 15, 5, 14, 0x1b),      // srliw a4, a5, 6
                        r(0, 23, 14, 6, 14, 0x33),  // or a4, a4, s7
                        i(21, 15, 1, 24, 0x1b),     // slliw s8, a5, 21
                        i(11, 15, 5, 23, 0x1b),     // srliw s7, a5, 11
                        r(0, 24, 23, 6, 23, 0x33),  // or s7, s7, s8
                        r(0, 23, 14, 4, 14, 0x33),  // xor a4, a4, s7
                        i(-1, 15, 4, 23, 0x13),     // not s7, a5
                        r(0, 28, 15, 7, 24, 0x33),  // and s8, a5, t3
                        r(0, 17, 23, 7, 23, 0x33),  // and s7, s7, a7
                        r(0, 24, 23, 4, 23, 0x33),  // xor s7, s7, s8
                        r(0, 23, 14, 0, 14, 0x3b),  // addw a4, a4, s7
                        lw(23, 12, 0),              // lw s7, 0(a2): the schedule's word
                        i(30, 13, 1, 24, 0x1b),     // slliw s8, a3, 30
                        addi(18, 18, 8),            // addi s2, s2, 8
                        r(0, 14, 23, 0, 14, 0x3b),  // addw a4, s7, a4
                        i(-4, 18, 6, 23, 0x03),     // lwu s7, -4(s2): the constant
                        addi(12, 12, 4),            // addi a2, a2, 4
                        r(0, 23, 14, 0, 14, 0x3b),  // addw a4, a4, s7
                        r(0, 22, 14, 0, 22, 0x3b),  // addw s6, a4, s6
                        i(19, 13, 1, 23, 0x1b),     // slliw s7, a3, 19
                        i(13, 13, 5, 14, 0x1b),     // srliw a4, a3, 13
                        r(0, 23, 14, 6, 14, 0x33),  // or a4, a4, s7
                        r(0, 24, 14, 4, 14, 0x33),  // xor a4, a4, s8
                        r(0, 14, 22, 0, 13, 0x3b),  // addw a3, s6, a4: the new a
                        addi(17, 28, 0),            // mv a7, t3
                        addi(28, 15, 0),            // mv t3, a5
                        r(0, 22, 13, 0, 15, 0x3b),  // addw a5, a3, s6: the new e
                        addi(6, 6, -1),             // addi t1, t1, -1
                        b(-116, 0, 6, 1),           // bne t1, x0, head
                        addi(6, 6, 256),            // t1 = 256 rounds again
                        addi(12, 12, -1024),
                        addi(18, 18, -512),
                        addi(18, 18, -512),
                        addi(18, 18, -512),
                        addi(18, 18, -512),
                        b(-144, 0, 0, 0),           // beq x0, x0, head
                        i(0, 1, 0, 0, 0x67),        // ret (ends the region)
                };
                h.x[12] = DATA;
                h.x[18] = DATA + 0x1000;
                h.x[6] = 256;
                for (int k = 0; k < 1024; k++) m.write32(DATA + 4L * k, k * 0x9e3779b9);
                break;
            case "vli":
                // The signed guest's ECDSA (vli_square's inner loop, RAM page 6ae, 6aea92-6aeaea, round 25): two words
                // multiplied (mulhu, mul) into a 192-bit accumulator with carries from sltu and seqz, the low sum stored back
                // over a word. x18: the words, x7 = 3; the index x10 runs 0..3 (andi) and the other word is 3 - x10.
                code = new int[] {
                        i(3, 10, 7, 10, 0x13),          // 0: head: andi a0, a0, 3
                        i(3, 10, 1, 15, 0x13),          // slli a5, a0, 3
                        add(15, 15, 18),                // add a5, a5, s2
                        ld(15, 15, 0),                  // ld a5, 0(a5)
                        r(0x20, 10, 7, 0, 16, 0x33),    // sub a6, t2, a0
                        i(3, 16, 1, 14, 0x13),          // slli a4, a6, 3
                        add(14, 14, 18),                // add a4, a4, s2
                        ld(30, 14, 0),                  // ld t5, 0(a4)
                        r(1, 30, 15, 3, 14, 0x33),      // mulhu a4, a5, t5
                        r(1, 30, 15, 0, 15, 0x33),      // mul a5, a5, t5
                        add(31, 31, 15),                // add t6, t6, a5
                        r(0, 15, 31, 3, 15, 0x33),      // sltu a5, t6, a5: the low word's carry
                        add(14, 14, 13),                // add a4, a4, a3
                        add(14, 14, 15),                // add a4, a4, a5
                        r(0x20, 13, 14, 0, 30, 0x33),   // sub t5, a4, a3
                        i(1, 30, 3, 30, 0x13),          // seqz t5, t5
                        r(0, 30, 15, 7, 15, 0x33),      // and a5, a5, t5
                        r(0, 13, 14, 3, 13, 0x33),      // sltu a3, a4, a3: the high word's carry
                        r(0, 15, 13, 6, 13, 0x33),      // or a3, a3, a5
                        i(1, 10, 0, 10, 0x1b),          // addiw a0, a0, 1
                        add(17, 17, 13),                // add a7, a7, a3
                        addi(13, 14, 0),                // mv a3, a4
                        i(3, 10, 7, 5, 0x13),           // andi t0, a0, 3
                        i(3, 5, 1, 5, 0x13),            // slli t0, t0, 3
                        add(5, 5, 18),                  // add t0, t0, s2
                        sd(31, 5, 0),                   // sd t6, 0(t0): the words change, so do the carries
                        b(-104, 0, 0, 0),               // beq x0, x0, head
                        i(0, 1, 0, 0, 0x67),            // ret (ends the region)
                };
                h.x[18] = DATA;
                h.x[7] = 3;
                java.util.Random rnd = new java.util.Random(25);
                for (int k = 0; k < 4; k++) m.write64(DATA + 8L * k, rnd.nextLong());
                break;
            case "call": {
                // A loop that calls a function in another page every iteration (round 29: gzip's and sha256's loops call
                // functions of other pages): 6 instructions, the call, 4 after it; the callee 6 and its return.
                long f = BASE + 0x3000;
                code = new int[] {
                        lbu(7, 10, 0),              // 0: head
                        addi(10, 10, 1),            // 4
                        i(0xff, 10, 7, 10, 0x13),   // 8: andi x10, x10, 255
                        add(10, 10, 11),            // 12
                        add(8, 8, 7),               // 16
                        addi(6, 6, -1),             // 20
                        j((int) (f - (BASE + 24)), 1), // 24: jal ra, f
                        add(9, 9, 12),              // 28
                        i(3, 9, 1, 13, 0x13),       // 32: slli x13, x9, 3
                        r(0, 13, 8, 4, 8, 0x33),    // 36: xor x8, x8, x13
                        b(-40, 0, 6, 1),            // 40: bne x6, x0, head
                        i(0, 1, 0, 0, 0x67),        // 44: ret (ends the region)
                };
                int[] callee = {
                        addi(12, 7, 3),             // f: x12 = x7 + 3
                        i(1, 12, 1, 14, 0x13),      // slli x14, x12, 1
                        add(12, 12, 14),
                        r(0, 8, 12, 4, 12, 0x33),   // xor x12, x12, x8
                        i(0xff, 12, 7, 12, 0x13),   // andi x12, x12, 255
                        addi(15, 15, 1),
                        i(0, 1, 0, 0, 0x67),        // ret
                };
                for (int k = 0; k < callee.length; k++) m.write32(f + 4L * k, callee[k]);
                h.x[10] = DATA;
                h.x[11] = DATA;
                for (int k = 0; k < 256; k++) m.write8(DATA + k, (byte) (k * 7));
                h.x[6] = Long.MAX_VALUE;
                break;
            }
            case "exitNarrow":
            case "exitWide":
            case "exitWideRead": {
                // x5: the entry's address; x6 counts down (never to 0 here); x7, x8: the body's values.
                int[] body = {
                        addi(6, 6, -1),             // 0: head
                        b(16, 0, 6, 0),             // 4: beq x6, x0, +16 (to 20: never taken)
                        add(8, 8, 7),               // 8
                        r(0, 8, 7, 4, 7, 0x33),     // 12: xor x7, x7, x8
                        i(0, 5, 0, 0, 0x67),        // 16: jalr x0, 0(x5): leaves the unit, back to head
                };
                int cold = shape.equals("exitWide") ? 20 : shape.equals("exitWideRead") ? 11 : 0;
                code = new int[body.length + cold + 1];
                System.arraycopy(body, 0, code, 0, body.length);
                for (int k = 0; k < cold; k++) {
                    code[body.length + k] = shape.equals("exitWide")
                            ? addi(10 + k, 11 + k, 1)                                  // x10..x29 from x11..x30
                            : add(0, 10 + 2 * k, Math.min(30, 11 + 2 * k));           // reads x10..x30, writes x0
                }
                code[code.length - 1] = i(0, 5, 0, 0, 0x67); // jalr x0, 0(x5)
                h.x[5] = BASE;
                h.x[6] = Long.MAX_VALUE;
                h.x[7] = 0x9e3779b97f4a7c15L;
                break;
            }
            default:
                throw new IllegalArgumentException(shape);
        }
        for (int k = 0; k < code.length; k++) m.write32(BASE + 4L * k, code[k]);
        h.pc = BASE;
        return h;
    }

    /**
     * {@code kernelSha} (round 65): the guest kernel's own {@code sha256_transform_blocks} (generic C for RV64GC, no Zbb:
     * the signed guest's module phase is 73% this function), run from the kernel Image itself. The Image
     * ({@code -Dimage=}, default the default guest's) is loaded at {@link #BASE} (its offset 0 is the kernel's virtual
     * 0xffffffff80000000; the function's code and constants are reached PC-relative, so it runs in M mode without
     * paging), its symbol at {@code -Dsha.offset} (default this guest's 0x52f2a8, from its /proc/kallsyms). A driver
     * after the Image calls it over and over: 64 blocks (4 KiB) of data a call, as a module's hash calls it with every
     * whole block of its buffer.
     */
    static Hart kernelSha(boolean hotTier) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 64 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationInBackground(true);
        h.setBatchMayEndBeforeUnit(true);
        if (!hotTier) h.setPromotionThreshold(Long.MAX_VALUE);
        GuestMemory m = h.bus().ram();
        byte[] image;
        try {
            image = java.nio.file.Files.readAllBytes(java.nio.file.Path.of(System.getProperty("image",
                    System.getProperty("user.home") + "/.cache/vmckpt/guest/Image")));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        m.writeBytes(BASE, image, 0, image.length);
        long f = BASE + Long.decode(System.getProperty("sha.offset", "0x52f2a8"));
        long driver = BASE + 0x1f00000, state = BASE + 0x3000000, data = state + 0x1000, tp = BASE + 0x3010000;
        int blocks = Integer.getInteger("sha.blocks", 64);
        long call = driver + 12, off = f - call, hi = (off + 0x800) & ~0xfffL;
        int[] code = {
                addi(10, 18, 0),                        // mv a0, s2: the state
                addi(11, 19, 0),                        // mv a1, s3: the data
                addi(12, 20, 0),                        // mv a2, s4: the blocks
                u((int) hi, 1, 0x17),                   // auipc ra, hi
                i((int) (off - hi), 1, 0, 1, 0x67),     // jalr ra, lo(ra)
                j(-20, 0),                              // j driver
        };
        for (int k = 0; k < code.length; k++) m.write32(driver + 4L * k, code[k]);
        int[] iv = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        for (int k = 0; k < 8; k++) m.write32(state + 4L * k, iv[k]);
        java.util.Random rnd = new java.util.Random(65);
        for (int k = 0; k < 64 * blocks; k++) m.write8(data + k, (byte) rnd.nextInt());
        h.x[18] = state;
        h.x[19] = data;
        h.x[20] = blocks;
        h.x[4] = tp;
        h.x[2] = BASE + 0x3100000;
        h.pc = driver;
        return h;
    }

    /**
     * {@code shaLoop} (round 68): busybox's own SHA-256 round loop (sha256_process_block64, 9af46-9b058 in the CPU
     * benchmark's busybox: the compute phase's hottest unit, 3c867f56), its bytes as they are, at the same page
     * offsets (the loop runs from 0xf56 of one page into the next): eight state words rotated by {@code mv}s every
     * round, a word of the schedule ({@code lw 0(a2)}) and of the constants ({@code lwu -4(s2)}) a round, 51
     * instructions. A driver in another page stands for the constants' {@code auipc} pairs before it (s2, a2, s5 from
     * s9, s10, s11) and, after the state's eight {@code addw}, for the stores and the stack check: a block of 64 rounds
     * after another, from the same schedule, each entering the loop's unit at its head.
     */
    static Hart shaLoop(boolean hotTier) {
        Hart h = new Hart(0, new Bus(new GuestMemory(BASE, 1 << 20)), () -> 0);
        h.setTranslation(true);
        h.setTranslationInBackground(true);
        h.setBatchMayEndBeforeUnit(true);
        if (!hotTier) h.setPromotionThreshold(Long.MAX_VALUE);
        GuestMemory m = h.bus().ram();
        String hex = "428b9a88768efa877e8a96851e85a6869b9ba7011bd76700336777011b9c57019bdbb700b3eb8b01334777011b9c77009bdb9701b3eb8b013347770193cbf7ff33fcc701b3fb1b01b3cb8b013b077701832b06001b9ce60121093b87eb00836bc9ff11063b0777013b0b67019b9b36011bd7d600336777019bdb2600b3eb8b01334777011b9ca6009bdb6601b3eb8b0133477701b34bb500b3fb7601337cb500b3cb8b013b0777013b07eb00bb0b4b012e8a468b63982a05b99cbb8efe00bb83d300bb82a200bb8fbf003b0f7f013b03c3013b08180124c8232a7404232c5404232ef4052320e4072322d4072324640623260407326783b70900b98f014791cbef20242bf288aa853e8e3685de87ba8601b7";
        long at = BASE + 0x1f46; // busybox's 9af46
        for (int k = 0; k < hex.length() / 2; k++) m.write8(at + k, (byte) Integer.parseInt(hex.substring(2 * k, 2 * k + 2), 16));
        // The driver, in a page of its own: s2, a2, s5 from s9, s10, s11, the eight state moves of 9af46-9af54 (as they
        // are), a jump to the loop's head (s3); after the state's addw, 9b01c jumps back to it (s0). So the loop's unit
        // is entered at its head and left at the loop's end, as the compute phase's 3c867f56.
        long driver = BASE + 0x5000;
        int[] d = {addi(18, 25, 0), addi(12, 26, 0), addi(21, 27, 0)};
        for (int k = 0; k < d.length; k++) m.write32(driver + 4L * k, d[k]);
        for (int k = 0; k < 16; k++) m.write8(driver + 12 + k, (byte) Integer.parseInt(hex.substring(2 * k, 2 * k + 2), 16));
        m.write32(driver + 28, i(0, 19, 0, 0, 0x67)); // jalr x0, 0(s3)
        m.write32(BASE + 0x201c, i(0, 8, 0, 0, 0x67)); // 9b01c: jalr x0, 0(s0)
        for (long p = BASE + 0x2020; p < BASE + 0x204a; p += 2) m.write16(p, (short) 1); // c.nop (never run)
        h.x[19] = BASE + 0x1f56;
        h.x[8] = driver;
        for (int k = 0; k < 128; k++) m.write32(DATA + 4L * k, k * 0x9e3779b9 + 0x428a2f98);
        for (int k = 0; k < 64; k++) m.write32(DATA + 0x1000 + 4L * k, k * 0x7f4a7c15 ^ 0x6a09e667);
        h.x[25] = DATA;          // s9: the constants, 8 bytes apart
        h.x[27] = DATA + 0x200;  // s11: their end
        h.x[26] = DATA + 0x1000; // s10: the schedule
        int[] iv = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
        int[] regs = {9, 7, 5, 31, 30, 29, 6, 16}; // s1 t2 t0 t6 t5 t4 t1 a6: the state the loop starts from
        for (int k = 0; k < 8; k++) h.x[regs[k]] = iv[k];
        h.pc = driver;
        return h;
    }

    public static void main(String[] args) {
        ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        long warm = Long.getLong("warm", 200_000_000L), measure = Long.getLong("measure", 400_000_000L);
        String[] shapes = args.length > 0 ? args : new String[] {"chain", "rotate"};
        String tiers = System.getProperty("tiers", "c1,hot");
        long verify = Long.getLong("verify", 0);
        if (verify > 0) { // the same count of instructions interpreted and translated: registers and memory must agree
            for (String shape : shapes) {
                Hart a = hart(shape, true), b = hart(shape, true);
                a.setTranslation(false);
                while (a.instret < verify) a.run((int) Math.min(4096, verify - a.instret));
                while (b.instret < verify) b.run((int) Math.min(4096, verify - b.instret));
                boolean same = a.pc == b.pc && java.util.Arrays.equals(a.x, b.x);
                for (long p = BASE + 0x3000000; same && p < BASE + 0x3000000 + 0x2000 && shape.equals("kernelSha"); p += 4)
                    same = a.bus().ram().read32(p) == b.bus().ram().read32(p);
                System.out.printf("verify %s %d insns (%d, %d): %s, pc %x, promoted %d%n", shape, verify, a.instret, b.instret,
                        same ? "same" : "DIFFERENT", b.pc, b.translationStats().promotions());
            }
            System.exit(0);
        }
        for (boolean hotTier : new boolean[] {false, true}) {
            if (!tiers.contains(hotTier ? "hot" : "c1")) continue;
            for (String shape : shapes) {
                Hart h = hart(shape, hotTier);
                while (h.instret < warm) h.run(4096);
                CodeCache.Stats s0 = h.translationStats();
                long i0 = h.instret, t0 = tmx.getCurrentThreadCpuTime();
                while (h.instret < i0 + measure) h.run(4096);
                long t1 = tmx.getCurrentThreadCpuTime();
                CodeCache.Stats s1 = h.translationStats();
                long insns = h.instret - i0, runs = s1.unitRuns() - s0.unitRuns();
                long translated = s1.translatedInstructionsRun() - s0.translatedInstructionsRun();
                System.out.printf("%-4s %-10s %6.3f ns/insn  %7.2f ns/unit run  %8.1f insns/unit run  %5.1f%% translated  promoted %d%n",
                        hotTier ? "hot" : "c1", shape, (t1 - t0) / (double) insns, (t1 - t0) / (double) Math.max(1, runs), insns / (double) Math.max(1, runs),
                        100.0 * translated / insns, s1.promotions());
            }
        }
        System.exit(0);
    }
}
