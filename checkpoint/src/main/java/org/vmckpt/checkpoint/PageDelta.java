package org.vmckpt.checkpoint;

/**
 * A page as its XOR with another copy of it: what a live migration sends for a page the destination already holds
 * an older copy of (PAGE_DELTA), and what a checkpoint stores for a boot file's page the guest patched in a few bytes
 * (SOURCE_DELTA). The XOR of two nearly equal pages is nearly all zeros, which the pack's or the frame's zstd
 * compresses to a few dozen bytes.
 */
public final class PageDelta {
    private PageDelta() {
    }

    /**
     * The most bytes a page may differ from a boot file's page in to be stored as a delta: a quarter of the page. Below
     * it the XOR is at least three quarters zeros and compresses to well under what the page itself does (kernel text
     * compresses about 2:1); restore14 found the kernel's patched pages differing in fewer than 64 bytes each and the
     * pages it rewrote in nearly all of theirs, so the threshold only has to part those two.
     */
    public static final int MAX_DIFFERING_BYTES = 1024;

    /** {@code dst[dstOffset + j] = a[j] ^ b[j]} for the page's 4096 bytes. */
    public static void xor(byte[] a, byte[] b, byte[] dst, int dstOffset) {
        for (int j = 0; j < a.length; j++) dst[dstOffset + j] = (byte) (a[j] ^ b[j]);
    }

    /** {@code page[j] ^= delta[j]}: turns a base into the page (or a page into its delta) in place. */
    public static void apply(byte[] page, byte[] delta) {
        for (int j = 0; j < page.length; j++) page[j] ^= delta[j];
    }

    /** {@code page[j] ^= other[at + j]}: the same with the other page inside a larger array (a run of pages). */
    static void apply(byte[] page, byte[] other, int at) {
        for (int j = 0; j < page.length; j++) page[j] ^= other[at + j];
    }

    /** How many bytes {@code a} and {@code b} differ in, counting no further than {@code max + 1}. */
    static int differingBytes(byte[] a, byte[] b, int max) {
        int n = 0;
        int at = 0;
        while (at < a.length) {
            int m = java.util.Arrays.mismatch(a, at, a.length, b, at, b.length);
            if (m < 0) break;
            if (++n > max) return n;
            at += m + 1;
        }
        return n;
    }
}
