package org.vmckpt.machine.cpu;

import java.util.Arrays;
import java.util.List;

/**
 * The access groups of one block ({@link Translator#accessGroups}): the loads, or the stores, through one base register
 * whose value does not change from the first of them to the last, with all their bytes within {@link #MAX_SPAN} bytes of
 * each other. A group of at least two accesses is checked once, at its first access, for the whole span (the TLB entry
 * of the lowest address, and the span inside its page); its accesses then use that page without a check each. An
 * instruction the interpreter runs ({@code HELPER}) ends every group, a write to the base register ends that register's
 * (after the access, if the access writes it: {@code ld a5, 8(a5)} may be its group's last). Loads and stores are
 * apart: they check different TLB entries (the write discipline). Pure analysis: no bytecode here.
 */
final class AccessGroups {
    /** Groups per block at most (the unit keeps a page and an offset local for each). */
    static final int MAX_GROUPS = 8;
    /**
     * A group's bytes lie within this many (from its lowest to its highest address; {@code -Dvmckpt.jit.accessGroupSpan=N}).
     * A group that crosses a page at run time takes the slow path for each of its accesses: a pointer walking memory
     * meets that once a page, for every access of the group then, so the span is kept small. To the signed guest's
     * {@code modules-end}, the slow paths taken in units in the module phase: 69 K without groups; with them 1.64 M at
     * 256 bytes (memset's unrolled loop: 32 {@code sd} over 256 bytes), 0.80 M at 64, 0.53 M at 32 (eight groups a
     * block), 0.28 M at 16 (round 64, untimed counts). 32 holds SHA-256's word loads and four 64-bit limbs.
     */
    static final int MAX_SPAN = Integer.getInteger("vmckpt.jit.accessGroupSpan", 32);

    /** Per instruction of the block: its group, or -1. */
    final int[] groupOf;
    /** Per instruction of the block: it is its group's first (where the group is checked). */
    final boolean[] first;
    /** Per group: the lowest offset from the base register, and the span of bytes from there. */
    final int[] minOff = new int[MAX_GROUPS], span = new int[MAX_GROUPS];
    /** Per group: whether it is of stores (else of loads). */
    final boolean[] stores = new boolean[MAX_GROUPS];
    /** Per group: the block indexes of its first and last access. */
    final int[] firstAt = new int[MAX_GROUPS], lastAt = new int[MAX_GROUPS];
    /** Groups found (at most {@link #MAX_GROUPS}). */
    final int count;

    private AccessGroups(int n, int count) {
        groupOf = new int[n];
        first = new boolean[n];
        Arrays.fill(groupOf, -1);
        this.count = count;
    }

    /** The groups whose first access is before block index {@code k} and last after it (bit g for group g). */
    int liveAcross(int k) {
        int m = 0;
        for (int g = 0; g < count; g++) if (firstAt[g] <= k && k < lastAt[g]) m |= 1 << g;
        return m;
    }

    /** The groups of {@code block}. */
    static AccessGroups of(List<Translator.Insn> block) {
        int n = block.size();
        // Candidates: at most one per access; open[w][r] is the candidate open for base r (w: stores).
        int[] cBase = new int[n], cMin = new int[n], cEnd = new int[n], cCount = new int[n], cFirst = new int[n], cLast = new int[n];
        boolean[] cStores = new boolean[n];
        int[] candOf = new int[n];
        Arrays.fill(candOf, -1);
        int[][] open = new int[2][32];
        for (int[] o : open) Arrays.fill(o, -1);
        int cands = 0;
        for (int k = 0; k < n; k++) {
            Translator.Insn in = block.get(k);
            int bits = in.bits();
            if (in.kind() == Translator.LOAD || in.kind() == Translator.STORE) {
                boolean store = in.kind() == Translator.STORE;
                int r = Decode.rs1(bits);
                int imm = (int) (store ? Decode.immS(bits) : Decode.immI(bits));
                int size = 1 << (Decode.funct3(bits) & 3);
                int w = store ? 1 : 0;
                int c = open[w][r];
                if (c >= 0 && Math.max(cEnd[c], imm + size) - Math.min(cMin[c], imm) > MAX_SPAN) c = -1;
                if (c < 0) {
                    c = cands++;
                    cBase[c] = r;
                    cStores[c] = store;
                    cMin[c] = imm;
                    cEnd[c] = imm + size;
                    cFirst[c] = k;
                    open[w][r] = c;
                } else {
                    cMin[c] = Math.min(cMin[c], imm);
                    cEnd[c] = Math.max(cEnd[c], imm + size);
                }
                cCount[c]++;
                cLast[c] = k;
                candOf[k] = c;
            }
            if (in.kind() == Translator.HELPER) {
                for (int[] o : open) Arrays.fill(o, -1);
            } else {
                int rd = Translator.writes(in) == 0 ? 0 : Decode.rd(bits);
                if (rd != 0) open[0][rd] = open[1][rd] = -1;
            }
        }
        int[] groupOfCand = new int[cands];
        int count = 0;
        for (int c = 0; c < cands; c++) groupOfCand[c] = cCount[c] >= 2 && count < MAX_GROUPS ? count++ : -1;
        AccessGroups gs = new AccessGroups(n, count);
        for (int c = 0; c < cands; c++) {
            int g = groupOfCand[c];
            if (g < 0) continue;
            gs.minOff[g] = cMin[c];
            gs.span[g] = cEnd[c] - cMin[c];
            gs.stores[g] = cStores[c];
            gs.firstAt[g] = cFirst[c];
            gs.lastAt[g] = cLast[c];
            gs.first[cFirst[c]] = true;
        }
        for (int k = 0; k < n; k++) if (candOf[k] >= 0) gs.groupOf[k] = groupOfCand[candOf[k]];
        return gs;
    }
}
