package org.vmckpt.checkpoint.store;

/**
 * Layout constants of a pack file (see docs/FORMAT.md, "Pack file"). A pack holds 4 KiB units (guest pages
 * and disk blocks) in frames of up to {@link #MAX_UNITS_PER_FRAME} units compressed together; unit
 * {@code u} is slot {@code u % unitsPerFrame} of frame {@code u / unitsPerFrame}.
 */
final class PackFormat {
    private PackFormat() {
    }

    static final String NAME = "vmckpt-pack";
    /** Version 2: frames may be encrypted (codec bit 0x80); written only for encrypted repositories. */
    static final int VERSION = 2;
    static final int PLAIN_VERSION = 1;
    static final int ENCRYPTED = 0x80;
    static final int OLDEST_VERSION = 1;

    static final int UNIT_SIZE = 4096;
    /** Largest frame a reader accepts: bounds every decompression to 256 KiB. */
    static final int MAX_UNITS_PER_FRAME = 64;
    /** Frame size the writer uses. */
    static final int UNITS_PER_FRAME = 64;

    /** File header, pack id (16), units per frame (u16), reserved (u16), header CRC32C (u32). */
    static final int HEADER_LENGTH = FileCodec.headerLength(NAME) + Ids.PACK_ID_BYTES + 2 + 2 + 4;
    /** codec u8, reserved u8, units u16, uncompressed length u32, stored length u32, CRC32C u32. */
    static final int FRAME_HEADER_LENGTH = 16;
    /** unit count u64, frame count u32, magic "PEND", CRC32C u32. */
    static final int TRAILER_LENGTH = 20;
    static final byte[] TRAILER_MAGIC = {'P', 'E', 'N', 'D'};

    static String fileName(String packIdHex) {
        return packIdHex + ".pack";
    }
}
