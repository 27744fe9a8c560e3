package org.vmckpt.machine.cpu;

/**
 * A unit being built off the guest's thread ({@link BackgroundTranslator}): its place in the {@link CodeCache}
 * until it is installed, and the job the translator thread works on.
 *
 * <p>It stands in the cache's table under its key from the moment the entry got hot. While it is there the
 * dispatcher interprets (its entry block never fits a budget) and the entry gathers no more heat. Any write to
 * the page (the page is a code page from the moment the job is made), a flush, a restore or a reset removes it
 * from the table; so the cache installs the built unit only if this very object is still in its slot: a unit
 * built from bytes that changed meanwhile is never installed. The page's bytes are copied when the job is made,
 * on the guest's thread.
 */
final class PendingUnit extends TranslatedUnit {
    final CodeCache cache;
    /** A copy of the page at the time the entry got hot. */
    final byte[] code;
    final int entryOff;
    /** The RAM page mapped after the entry's page when the entry got hot, and a copy of it then; -1 and null if none. */
    final int nextIndex;
    final byte[] nextCode;
    /** Set by the translator thread: the unit, or null if the entry cannot start one. Read after the cache took it from its completed queue. */
    TranslatedUnit built;
    /** C1 could not compile the built unit ({@link BackgroundTranslator#compile}): the entry stays interpreted. */
    boolean compileRefused;
    /** CPU time the translator thread spent on it. Read after the cache took it from its completed queue. */
    long cpuNanos;
    /**
     * For a hot-tier build ({@link CodeCache#hot}): the live unit it is to replace (this job is not in the table; that
     * unit is). If that unit dies meanwhile (a write to its pages, a flush) the build is dropped, never installed.
     */
    TranslatedUnit replaces;
    /**
     * For a C1 rebuild with the slow paths' calls (Translator#c1Calls, CodeCache#missLeft): the live C1 unit it is to
     * replace, which left before a miss too often (this job is not in the table; that unit is). Dropped if that unit
     * dies or is promoted meanwhile.
     */
    TranslatedUnit rebuildOf;
    /**
     * Guest instructions the interpreter ran from this entry since the job was queued (the dispatcher found it pending and
     * interpreted: CodeCache#interpreted), saturating: the translator thread takes the job with the most first
     * ({@link BackgroundTranslator#next}). Written by the guest's thread only, read by the translator thread
     * without a lock (an int: never torn; a late value only delays the job behind another).
     */
    int interpreted;
    /** Profile only: the guest's instruction count when it was queued, and how far the translator thread got (1 taken, 2 built, 3 handed back). */
    long queuedAt;
    /** 0 queued, 1 taken (translating), 4 translated (C1 compiling), 2 built, 3 handed back (see BackgroundTranslator#work). */
    volatile int stage;
    /** Profile only: {@link #interpreted} when the translator thread took the job. */
    int interpretedAtTake;
    /** Profile only: guest instructions from the entry's heat slot's first heat to its getting hot. */
    long heatSpan;
    /**
     * Profile only: System.nanoTime when it was queued, taken by the translator thread, translated, compiled (handed
     * back), and the jobs in the queue ahead of it when it was queued (CodeCache's "wait by part").
     */
    long queuedNanos, takenNanos, translatedNanos, compiledNanos;
    int queuedBehind;
    /** Profile only: jobs queued after this one that the translator thread took before it (BackgroundTranslator#take). */
    int overtaken;
    /** The cache dropped it from its table (a write to the page, a flush): the translator thread may skip it. */
    volatile boolean cancelled;

    PendingUnit(CodeCache cache, long key, int pageIndex, byte[] code, int nextIndex, byte[] nextCode) {
        this.cache = cache;
        this.nextIndex = nextIndex;
        this.nextCode = nextCode;
        this.key = key;
        this.pageIndex = pageIndex;
        this.code = code;
        this.entryOff = (int) (key & 0xfff);
        this.entryBlockLength = Integer.MAX_VALUE; // never runs: the dispatcher interprets until it is replaced
        this.compiled = true;
    }

    @Override
    public int run(Hart h, int budget) {
        throw new IllegalStateException("a unit still being translated was run");
    }
}
