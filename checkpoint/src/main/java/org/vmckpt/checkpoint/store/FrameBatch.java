package org.vmckpt.checkpoint.store;

/**
 * Consecutive frames of one pack holding some of a checkpoint's DATA pages: what bulk restore reads with one
 * positional read, checks and decompresses as a unit ({@link BatchReader}). Eager restore and the lazy
 * prefetcher hand batches to several threads at once. Made by {@link Checkpoint#dataBatches}.
 */
public final class FrameBatch {
    final int pack;
    final int firstFrame;
    final int frameCount;
    /** Triples (first page, first unit counted from the batch's first unit, page count): the pages this batch holds. */
    final int[] segments;
    private final int firstPage;
    private final int pageCount;

    FrameBatch(int pack, int firstFrame, int frameCount, int[] segments) {
        this.pack = pack;
        this.firstFrame = firstFrame;
        this.frameCount = frameCount;
        this.segments = segments;
        int first = Integer.MAX_VALUE, n = 0;
        for (int s = 0; s < segments.length; s += 3) {
            first = Math.min(first, segments[s]);
            n += segments[s + 2];
        }
        this.firstPage = first;
        this.pageCount = n;
    }

    /**
     * Batches in page order. A class of its own, not {@code Comparator.comparingInt(FrameBatch::firstPage)}: the JDK
     * spun that one's lambda at run time in every restore (it is not in the class-data archive), at the loading's start.
     */
    static final java.util.Comparator<FrameBatch> BY_FIRST_PAGE = new ByFirstPage();

    private static final class ByFirstPage implements java.util.Comparator<FrameBatch> {
        @Override
        public int compare(FrameBatch a, FrameBatch b) {
            return Integer.compare(a.firstPage, b.firstPage);
        }
    }

    /** The lowest page index this batch holds. */
    public int firstPage() {
        return firstPage;
    }

    /** How many of the checkpoint's pages this batch holds. */
    public int pageCount() {
        return pageCount;
    }

    /** True if page {@code index} is one of this batch's pages. */
    public boolean holds(int index) {
        for (int s = 0; s < segments.length; s += 3) {
            if (index >= segments[s] && index < segments[s] + segments[s + 2]) return true;
        }
        return false;
    }

    /** True if any page of {@code pages} is one of this batch's pages. */
    public boolean holdsAny(java.util.BitSet pages) {
        for (int s = 0; s < segments.length; s += 3) {
            int next = pages.nextSetBit(segments[s]);
            if (next >= 0 && next < segments[s] + segments[s + 2]) return true;
        }
        return false;
    }

    /** Calls {@code f} with every page index this batch holds. */
    public void forEachPage(java.util.function.IntConsumer f) {
        for (int s = 0; s < segments.length; s += 3) {
            for (int k = 0; k < segments[s + 2]; k++) f.accept(segments[s] + k);
        }
    }
}
