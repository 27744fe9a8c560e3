package org.vmckpt.checkpoint.store;

/** How the frames of a pack are compressed. The code is what the frame header stores. */
public enum Codec {
    /** Stored as is. */
    NONE(0),
    /** Zstandard (zstd-jni). Levels 1..19 are sensible; 1 is fast enough to keep up with a disk. */
    ZSTD(1);

    /** The zstd level used when the caller does not choose one. */
    public static final int DEFAULT_ZSTD_LEVEL = 1;
    /** Lowest and highest zstd level accepted (negative levels are zstd's "fast" modes). */
    public static final int MIN_ZSTD_LEVEL = -7;
    public static final int MAX_ZSTD_LEVEL = 22;

    final int code;

    Codec(int code) {
        this.code = code;
    }

    static Codec ofCode(int code) {
        for (Codec c : values()) {
            if (c.code == code) return c;
        }
        return null;
    }
}
