package org.vmckpt.machine.cpu;

/**
 * A loop region's exit paths ({@code -Dvmckpt.jit.loopExits=hot|all}; <b>off by default</b>, round 66): the code on a
 * loop's exits up to the head of the next loop, taken into the loop's unit.
 *
 * <p>Why: a loop region holds only the instructions on its cycles ({@link Translator#MAX_LOOP_INSTRUCTIONS}), so the code
 * between two loops (a few loads and moves before the next loop's head) is a unit of its own, entered once per loop
 * run. The signed guest's SHA-256 ({@code sha256_transform_blocks}) runs three loops per 64-byte block with four such
 * units between them ({@code +0x6c} 3 instructions, {@code +0x2e8} 19, {@code +0x5fe} 20, {@code +0xaf0} 25): each a
 * dispatcher trip, a C1 unit's entry and exit, and another trip, ~8 trips a block and ~24% of SHA-256's time
 * (docs/BENCHMARKS.md rounds 64, 65). Those units never reach the hot tier (0.31 M runs of ~20 instructions each in
 * the module phase, far under its 20 M instructions). With the exit paths in the loop's unit, the loop's exit chains
 * straight to the next loop's unit: half the trips, and the code between the loops runs in the loop's compiled code.
 *
 * <p>What an exit path is: from each edge out of the loop region (a branch's other way, a jump's target, the
 * fall-through after the region), the code in sequence, through plain jumps and both ways of conditional branches,
 * breadth-first, up to {@code cap} instructions in all. A path stops before: a call (a {@code jal} that links; its
 * callee is not taken in), an instruction that ends a region, an offset outside the code, an instruction the region
 * already holds (the jump is then an edge inside the unit), and an offset inside a loop a loop region may hold (between
 * the target and a branch or jump back to it, fewer than {@code maxLoop} instructions apart, found by decoding ahead in
 * sequence, and not around the loop's own entry: an outer loop's body is walked, up to its inner loops): that is the
 * next loop's unit, which the exit chains to. A {@code jalr} ends its path (it leaves). Every
 * instruction taken in runs as translated code under the same rules as any of the region (budget check points, exits,
 * write-backs): only the region is larger.
 */
final class TranslatorLoopExits {
    private TranslatorLoopExits() {
    }

    /** Off, in hot-tier builds only, in every loop region ({@code -Dvmckpt.jit.loopExits=off|hot|all}). */
    static final int OFF = 0, HOT = 1, ALL = 2;

    /** The mode asked for on the command line: {@code off} (the default), {@code hot} or {@code all}. */
    static final int MODE = parse(System.getProperty("vmckpt.jit.loopExits", "off"));

    /** Instructions of exit paths a loop region takes in, at most ({@code -Dvmckpt.jit.loopExitInstructions}). */
    static final int MAX_INSTRUCTIONS = Integer.getInteger("vmckpt.jit.loopExitInstructions", 64);

    /** Loop regions built with exit paths (for tests and --stats). */
    static final java.util.concurrent.atomic.AtomicLong units = new java.util.concurrent.atomic.AtomicLong();

    static int parse(String s) {
        switch (s) {
            case "hot": return HOT;
            case "all": case "true": return ALL;
            case "off": case "false": case "": return OFF;
            default: throw new IllegalArgumentException("vmckpt.jit.loopExits: off, hot or all, not " + s);
        }
    }

    /**
     * {@code loop} (a whole loop region of {@code code}, which ends at {@code limit}) with the exit paths of its loop, at
     * most {@code cap} instructions of them; null if there are none.
     */
    static TranslatorRegion withExits(byte[] code, TranslatorRegion loop, int entryOff, int limit, int maxLoop, int cap) {
        TranslatorRegion out = new TranslatorRegion();
        out.putAll(loop);
        LoopSpans spans = new LoopSpans(code, entryOff, limit, maxLoop, cap);
        int[] work = new int[2 * (loop.size() + cap) + 2];
        int head = 0, tail = 0;
        for (Translator.Insn in : loop.values()) {
            for (long t : exitsOf(in)) {
                if (t >= 0 && t < limit && !loop.containsKey((int) t)) work[tail++] = (int) t;
            }
        }
        int added = 0;
        while (head < tail && added < cap) {
            int off = work[head++];
            spans.scanFrom(off);
            while (added < cap && !out.containsKey(off) && !spans.inLoop(off)) {
                Translator.Insn in = Translator.decodeAt(code, off, limit);
                if (in == null || in.kind() == 0) break;
                if (in.kind() == Translator.JAL && Decode.rd(in.bits()) != 0) break; // a call: the path stops before it
                out.put(off, in);
                added++;
                if (in.kind() == Translator.JAL || in.kind() == Translator.BRANCH || in.kind() == Translator.JALR) {
                    for (long t : exitsOf(in)) {
                        if (t >= 0 && t < limit && !out.containsKey((int) t)) work[tail++] = (int) t;
                    }
                    break;
                }
                off += in.len();
            }
        }
        return added == 0 ? null : out;
    }

    /**
     * Where control goes after {@code in} that an exit path may follow: a branch's two ways (target first), a plain
     * jump's target, the next instruction; nothing after a {@code jalr} or a call (its callee is not followed).
     */
    private static long[] exitsOf(Translator.Insn in) {
        switch (in.kind()) {
            case Translator.JAL:
                return Decode.rd(in.bits()) != 0 ? new long[0] : new long[] {in.off() + Decode.immJ(in.bits())};
            case Translator.JALR:
                return new long[0];
            case Translator.BRANCH:
                return new long[] {in.off() + Decode.immB(in.bits()), in.off() + in.len()};
            default:
                return new long[] {in.off() + in.len()};
        }
    }

    /**
     * The loops a loop region may hold, as spans of offsets from a loop's head to its back branch or jump (fewer than
     * {@code maxLoop} instructions), found by decoding ahead in sequence from each place an exit path starts.
     */
    private static final class LoopSpans {
        private final byte[] code;
        private final int entryOff, limit, maxLoop, ahead;
        private final TranslatorBits scanned, inLoop;

        LoopSpans(byte[] code, int entryOff, int limit, int maxLoop, int cap) {
            this.code = code;
            this.entryOff = entryOff;
            this.limit = limit;
            this.maxLoop = maxLoop;
            this.ahead = maxLoop + cap;
            scanned = new TranslatorBits(limit);
            inLoop = new TranslatorBits(limit);
        }

        boolean inLoop(int off) {
            return inLoop.get(off);
        }

        /**
         * Decodes {@code maxLoop + cap} instructions in sequence from {@code from} (an exit path's instructions all lie
         * within {@code cap} of it, and a short loop around one ends within {@code maxLoop} after it) and marks the span
         * of every back branch or plain jump among them whose loop is short and does not hold the entry (an outer loop's
         * body is exit path up to its next inner loop, as the loop's own span is past its cycles).
         */
        void scanFrom(int from) {
            if (from < 0 || from >= limit || scanned.get(from)) return;
            scanned.set(from);
            int off = from;
            for (int k = 0; k < ahead; k++) {
                Translator.Insn in = Translator.decodeAt(code, off, limit);
                if (in == null) break;
                long t = in.kind() == Translator.BRANCH ? off + Decode.immB(in.bits())
                        : in.kind() == Translator.JAL && Decode.rd(in.bits()) == 0 ? off + Decode.immJ(in.bits()) : -1;
                if (t >= 0 && t <= off && !(t <= entryOff && entryOff <= off) && instructionsBetween((int) t, off) < maxLoop) {
                    for (int o = (int) t; o <= off; o += 2) inLoop.set(o);
                }
                off += in.len();
            }
        }

        /** Instructions decoded in sequence from {@code from} to {@code to} (both in), {@code maxLoop} at most. */
        private int instructionsBetween(int from, int to) {
            int n = 0;
            for (int off = from; off <= to && n < maxLoop; n++) {
                Translator.Insn in = Translator.decodeAt(code, off, limit);
                if (in == null) return maxLoop;
                off += in.len();
            }
            return n;
        }
    }
}
