package org.vmckpt.checkpoint.store;

/**
 * One page-table or disk-table value packed into a {@code long}, as {@link RunTable} keeps them in memory.
 *
 * <pre>
 *   bits 63..60  kind: 0 ZERO, 1 FREE, 2 DISK_BLOCK, 3 DATA, 4 ABSENT (disk block not in the overlay), 5 SOURCE,
 *                6 DELTA (in memory only: a DATA page whose unit is its XOR with a source's page; the value then holds
 *                that page's reference as SOURCE does, the unit is in the stored page table)
 *   bits 59..40  pack index into the manifest's pack list (DATA), source number (SOURCE)
 *   bits 39..0   base: the unit number inside the pack (DATA), the disk block number (DISK_BLOCK), the 512-byte
 *                sector of the source where the page starts (SOURCE)
 * </pre>
 *
 * A run of {@code n} keys starting with value {@code v} means key {@code start+i} has value
 * {@code advance(v, i)}: consecutive DATA pages stored in consecutive units, or consecutive DISK_BLOCK pages
 * equal to consecutive blocks, or consecutive SOURCE pages 8 sectors apart in one source, form one run.
 */
final class TableEntry {
    private TableEntry() {
    }

    static final int KIND_ZERO = 0;
    static final int KIND_FREE = 1;
    static final int KIND_DISK_BLOCK = 2;
    static final int KIND_DATA = 3;
    static final int KIND_ABSENT = 4;
    static final int KIND_SOURCE = 5;
    static final int KIND_DELTA = 6;
    /** Sectors per page of a SOURCE run. */
    static final int SOURCE_SECTORS_PER_PAGE = 8;
    /** Exclusive upper bound of a source number. */
    static final int MAX_SOURCE = 1 << 16;

    /** Exclusive upper bound of a unit number or disk block number. */
    static final long MAX_BASE = 1L << 40;
    /** Exclusive upper bound of a pack index. */
    static final int MAX_PACK_INDEX = 1 << 20;

    static final long ZERO = make(KIND_ZERO, 0, 0);
    static final long FREE = make(KIND_FREE, 0, 0);
    static final long ABSENT = make(KIND_ABSENT, 0, 0);

    static long make(int kind, int pack, long base) {
        return (long) kind << 60 | (long) pack << 40 | base;
    }

    static long data(int pack, long unit) {
        return make(KIND_DATA, pack, unit);
    }

    static long diskBlock(long block) {
        return make(KIND_DISK_BLOCK, 0, block);
    }

    static long source(int source, long sector) {
        return make(KIND_SOURCE, source, sector);
    }

    static int kind(long v) {
        return (int) (v >>> 60);
    }

    static int pack(long v) {
        return (int) (v >>> 40) & (MAX_PACK_INDEX - 1);
    }

    static long base(long v) {
        return v & (MAX_BASE - 1);
    }

    /** The value of the key {@code delta} places after a key whose value is {@code v}, in the same run. */
    static long advance(long v, long delta) {
        int k = kind(v);
        if (k == KIND_SOURCE || k == KIND_DELTA) return v + delta * SOURCE_SECTORS_PER_PAGE;
        return k == KIND_DATA || k == KIND_DISK_BLOCK ? v + delta : v;
    }

    static long withPack(long v, int pack) {
        return make(kind(v), pack, base(v));
    }

    static PageKind pageKind(long v) {
        return switch (kind(v)) {
            case KIND_ZERO -> PageKind.ZERO;
            case KIND_FREE -> PageKind.FREE;
            case KIND_DISK_BLOCK -> PageKind.DISK_BLOCK;
            case KIND_DATA -> PageKind.DATA;
            case KIND_SOURCE -> PageKind.SOURCE;
            case KIND_DELTA -> PageKind.SOURCE_DELTA;
            default -> null;
        };
    }
}
