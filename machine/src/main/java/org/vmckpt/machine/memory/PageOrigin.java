package org.vmckpt.machine.memory;

/**
 * Where the contents of one guest page came from, as far as the host knows: which 512-byte sectors of which
 * source (a disk's base image, the kernel Image, the initramfs, the firmware) a device or the loader copied
 * into it, and into which host array. Immutable, so a saver thread may read it while the guest runs.
 *
 * <p>The page equals the source's bytes {@code [firstSector*512, firstSector*512 + 4096)} only when all eight
 * sectors were filled ({@link #complete()}) and the host array is still {@link #page} (the guest has not
 * written it since: {@link GuestMemory} drops the origin on every change of the page).
 *
 * <p>Source numbers are part of the checkpoint format (docs/FORMAT.md, page kind SOURCE).
 */
public final class PageOrigin {
    /** The Linux Image the machine was booted with, as loaded (decompressed if it was gzip). */
    public static final int KERNEL = 0;
    /** The initramfs file. */
    public static final int INITRD = 1;
    /** The M-mode firmware file (--bios). */
    public static final int FIRMWARE = 2;
    /** Disk {@code d}'s base image is source {@code DISK_FIRST + d}. */
    public static final int DISK_FIRST = 8;
    /** Exclusive upper bound of source numbers. */
    public static final int MAX_SOURCE = DISK_FIRST + 64;

    public static final int SECTOR_SIZE = 512;
    public static final int SECTORS_PER_PAGE = GuestMemory.PAGE_SIZE / SECTOR_SIZE;
    static final int FULL_MASK = (1 << SECTORS_PER_PAGE) - 1;

    /** The host array the bytes were copied into (identity: a copy-on-write clone is another page). */
    final byte[] page;
    private final int source;
    private final long firstSector;
    /** Bit i: sector i of the page (bytes i*512..) holds source sector firstSector+i. */
    private final int sectorMask;

    PageOrigin(byte[] page, int source, long firstSector, int sectorMask) {
        this.page = page;
        this.source = source;
        this.firstSector = firstSector;
        this.sectorMask = sectorMask;
    }

    public int source() { return source; }

    /** The source sector whose bytes start the page. */
    public long firstSector() { return firstSector; }

    public int sectorMask() { return sectorMask; }

    /** All 4 KiB of the page came from the source, in order. */
    public boolean complete() { return sectorMask == FULL_MASK; }

    public static int diskSource(int disk) {
        return DISK_FIRST + disk;
    }

    @Override
    public String toString() {
        return "source " + source + " sector " + firstSector + " mask 0x" + Integer.toHexString(sectorMask);
    }
}
