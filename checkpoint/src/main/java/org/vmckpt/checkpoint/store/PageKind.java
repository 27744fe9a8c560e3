package org.vmckpt.checkpoint.store;

/**
 * What a checkpoint holds for one guest page (or one disk overlay block).
 *
 * <p>Only {@link #DATA} costs space in a pack. {@link #INHERITED} is what the capture side says for a page
 * of an incremental checkpoint that did not change since the parent; it is resolved at commit and never
 * stored, so a stored table says for every page where its contents are.
 */
public enum PageKind {
    /** Evicted: all zeros. */
    ZERO(0),
    /** Evicted: the guest reported it free (balloon); restored as zeros. Pages only. */
    FREE(1),
    /** Evicted: equal to one 4 KiB block of the disk's base image; the block number is stored. Pages only. */
    DISK_BLOCK(2),
    /** 4096 bytes stored in a pack. */
    DATA(3),
    /**
     * Evicted (manifest version 3): equal to 4096 bytes of a source file (a disk's base image, the kernel, the
     * initramfs, the firmware) starting at a 512-byte sector; the source number and sector are stored. Pages only.
     */
    SOURCE(5),
    /**
     * A boot file's page that the guest patched in a few bytes (the kernel's own boot-time code patching): the XOR of
     * the page and those 4096 bytes of the file, stored in a pack like DATA (mostly zeros: it compresses to a few
     * dozen bytes), plus the reference (source and sector). Manifest version 6 stores it as a DATA page-table entry
     * and the reference in the manifest's boot-file delta section; {@link Checkpoint} reports it as this kind.
     */
    SOURCE_DELTA(6),
    /** Incremental checkpoints only: the same as in the parent checkpoint. Never stored. */
    INHERITED(-1);

    /** The number that stands for this kind in the manifest, or -1 if it is never stored. */
    final int code;

    PageKind(int code) {
        this.code = code;
    }

    /** The kind stored under {@code code}, or {@code null} if no stored kind has that code. */
    static PageKind ofCode(int code) {
        for (PageKind k : values()) {
            if (k.code == code && code >= 0) return k;
        }
        return null;
    }
}
