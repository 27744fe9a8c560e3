package org.vmckpt.checkpoint.store;

/**
 * A run of consecutive pages (or disk blocks) of the same kind, as the manifest stores them. Restore code
 * can walk extents to skip whole runs of zero or free pages without asking page by page.
 *
 * @param start          first page index (or disk block number)
 * @param length         number of pages (or blocks), at least 1
 * @param kind           ZERO, FREE, DISK_BLOCK, SOURCE or DATA (never INHERITED)
 * @param firstDiskBlock for DISK_BLOCK: the base image block of page {@code start}; page {@code start+i}
 *                       equals block {@code firstDiskBlock+i}. For SOURCE: the source's 512-byte sector where
 *                       page {@code start} begins; page {@code start+i} begins 8*i sectors later. Otherwise -1.
 * @param source         for SOURCE: the source number; otherwise -1
 */
public record Extent(long start, long length, PageKind kind, long firstDiskBlock, int source) {
    public Extent(long start, long length, PageKind kind, long firstDiskBlock) {
        this(start, length, kind, firstDiskBlock, -1);
    }

    public long end() {
        return start + length;
    }
}
