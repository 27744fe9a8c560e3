package org.vmckpt.machine.cpu;

/**
 * A live unit entered at one of its own block starts instead of its entry (Translator#innerEntries): the code cache's
 * entry for that address, where no unit of its own starts. The interpreter used to run such code until the address
 * got hot enough for a unit of its own (docs/BENCHMARKS.md round 27: 7-8 M instructions of the signed guest's module
 * phase began inside a live unit, not at its entry); now the unit that holds it runs it from there.
 *
 * <p>It runs the unit's own code: the unit's method looks at the pc's page offset and jumps to that block, after
 * checking the budget it needs ({@link #entryBlockLength}: the block and the longest run from it to the next check
 * point or out, so counts stay exact as at the entry; a smaller budget returns at once, touching nothing). Its exits are
 * the unit's, so it shares the unit's chain slots and exit kinds. Its key is its own address, so the dispatcher's
 * checks (live, the fetch TLB maps the pc to the key) are the same as for any unit. It lies in the unit's first page,
 * and dies with the unit: a write to that page drops its key like any other, and dropping the unit (a write to its
 * second page, a flush, its promotion to the hot tier, whose units have no inner entries) drops it too.
 *
 * <p>After it has retired {@link CodeCache#innerRebuild} instructions (counted down in {@link #untilHot}, as the hot
 * tier counts a unit's) an entry whose runs were short (fewer than {@link CodeCache#INNER_LONG_RUN} instructions each:
 * the unit's region ends soon after it) gives its address back to the heat rule, which builds a unit of its own there.
 */
final class InnerEntry extends TranslatedUnit {
    /** The unit whose code this enters. */
    final TranslatedUnit unit;
    /** Calls of this entry (for the rebuild rule and the profile). */
    long runs;

    InnerEntry(TranslatedUnit unit, long key, int need) {
        this.unit = unit;
        this.key = key;
        this.pageIndex = unit.pageIndex;
        this.nextPageIndex = unit.nextPageIndex;
        this.entryBlockLength = need;
        this.compiled = unit.compiled;
        this.chain = unit.chain; // (the same exits)
        this.exitKinds = unit.exitKinds;
        this.profExitCounts = unit.profExitCounts;
        this.profExitOffsets = unit.profExitOffsets;
        this.profExitCalls = unit.profExitCalls;
        this.profCode = unit.profCode;
        this.profFirst = unit.profFirst;
        this.profLast = unit.profLast;
    }

    @Override
    public int run(Hart h, int budget) {
        runs++;
        return unit.run(h, budget);
    }
}
