package org.vmckpt.machine.cpu;

/**
 * The loops of a region's block graph, for {@link Translator#loopLive}: the strongly connected components with a cycle
 * (a loop and the loops nested in it are one component), and the guest registers each component's instructions read or
 * write, its live set. A block belongs to at most one loop.
 *
 * <p>Why: without it every register the region writes anywhere is kept in a JVM local to the unit's common exit, so
 * it is live in every block of every loop, and C2's allocator spills every value of a hot loop (round 85, gzip85:
 * gzip's chain step held no value in a register across its back edge). The name matches the translator's C1-only
 * directive ({@link UnitCompilerDirectives}); it uses arrays only.
 */
final class TranslatorLoops {
    /** The loop of each block (by block index), or -1. */
    final int[] loopOf;
    /** Each loop's live set: the registers its instructions read or write (bit r for xr). */
    final int[] loopRegs;

    private TranslatorLoops(int[] loopOf, int[] loopRegs) {
        this.loopOf = loopOf;
        this.loopRegs = loopRegs;
    }

    /**
     * The loops of a graph of {@code succ.length} blocks, {@code succ[b]} the blocks control may go to from b inside the
     * unit, {@code regs[b]} the registers block b reads or writes (Tarjan's algorithm, iterative).
     */
    static TranslatorLoops of(int[][] succ, int[] regs) {
        int n = succ.length;
        int[] index = new int[n], low = new int[n], comp = new int[n], stack = new int[n];
        int[] callStack = new int[n], edgeAt = new int[n];
        boolean[] onStack = new boolean[n];
        java.util.Arrays.fill(index, -1);
        java.util.Arrays.fill(comp, -1);
        int next = 0, sp = 0, comps = 0;
        for (int root = 0; root < n; root++) {
            if (index[root] >= 0) continue;
            int csp = 0;
            callStack[csp++] = root;
            index[root] = low[root] = next++;
            stack[sp++] = root;
            onStack[root] = true;
            edgeAt[root] = 0;
            while (csp > 0) {
                int v = callStack[csp - 1];
                if (edgeAt[v] < succ[v].length) {
                    int w = succ[v][edgeAt[v]++];
                    if (index[w] < 0) {
                        index[w] = low[w] = next++;
                        stack[sp++] = w;
                        onStack[w] = true;
                        edgeAt[w] = 0;
                        callStack[csp++] = w;
                    } else if (onStack[w]) {
                        low[v] = Math.min(low[v], index[w]);
                    }
                    continue;
                }
                csp--;
                if (csp > 0) {
                    int parent = callStack[csp - 1];
                    low[parent] = Math.min(low[parent], low[v]);
                }
                if (low[v] == index[v]) {
                    int w;
                    do {
                        w = stack[--sp];
                        onStack[w] = false;
                        comp[w] = comps;
                    } while (w != v);
                    comps++;
                }
            }
        }
        // Components with a cycle: more than one block, or a block that goes to itself.
        int[] size = new int[comps];
        for (int b = 0; b < n; b++) size[comp[b]]++;
        boolean[] cyclic = new boolean[comps];
        for (int b = 0; b < n; b++) {
            if (size[comp[b]] > 1) cyclic[comp[b]] = true;
            for (int w : succ[b]) if (w == b) cyclic[comp[b]] = true;
        }
        int[] number = new int[comps];
        int loops = 0;
        for (int c = 0; c < comps; c++) number[c] = cyclic[c] ? loops++ : -1;
        int[] loopOf = new int[n];
        int[] loopRegs = new int[loops];
        for (int b = 0; b < n; b++) {
            loopOf[b] = number[comp[b]];
            if (loopOf[b] >= 0) loopRegs[loopOf[b]] |= regs[b];
        }
        return new TranslatorLoops(loopOf, loopRegs);
    }

    int loops() {
        return loopRegs.length;
    }
}
