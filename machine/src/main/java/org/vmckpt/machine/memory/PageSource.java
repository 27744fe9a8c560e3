package org.vmckpt.machine.memory;

/**
 * Supplies page contents on first touch (lazy restore). Called on the thread that touches the page, and
 * possibly concurrently from a prefetcher through {@link GuestMemory#prefetch(int)}.
 */
public interface PageSource {
    /** Returns the page's 4096 bytes, or {@code null} for a page of zeros. */
    byte[] loadPage(int pageIndex);

    /**
     * The source (a {@link PageOrigin} source number) page {@code pageIndex}'s contents were stored as a
     * reference to, or -1; with {@link #originSector}, memory remembers it once the page is loaded.
     */
    default int originSource(int pageIndex) {
        return -1;
    }

    /** For a page with an {@link #originSource}: the source sector where its bytes start. */
    default long originSector(int pageIndex) {
        return -1;
    }
}
