package org.vmckpt.machine.memory;

/**
 * Supplies page contents on first touch (lazy restore). Called on the thread that touches the page, and
 * possibly concurrently from a prefetcher through {@link GuestMemory#prefetch(int)}.
 */
public interface PageSource {
    /** Returns the page's 4096 bytes, or {@code null} for a page of zeros. */
    byte[] loadPage(int pageIndex);
}
