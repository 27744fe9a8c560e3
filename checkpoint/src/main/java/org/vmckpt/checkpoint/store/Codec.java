package org.vmckpt.checkpoint.store;

/** How the frames of a pack are compressed. The code is what the frame header stores. */
public enum Codec {
    /** Stored as is. */
    NONE(0),
    /** Zstandard (zstd-jni). Levels 1..19 are sensible; 1 and 3 are fast enough to keep up with a disk. */
    ZSTD(1);

    /** Lowest and highest zstd level accepted (negative levels are zstd's "fast" modes). */
    public static final int MIN_ZSTD_LEVEL = -7;
    public static final int MAX_ZSTD_LEVEL = 22;
    /** The JVM option that sets {@link #DEFAULT_ZSTD_LEVEL} (round 70, restore70). */
    public static final String DEFAULT_LEVEL_PROPERTY = "vmckpt.compress.defaultLevel";
    /**
     * The zstd level used when the caller does not choose one (no level in the request, no {@code vmckpt config} setting
     * in the repository): 3 (zstd's own default; 1 until round 70), or {@code -Dvmckpt.compress.defaultLevel=N}. Level 3 decodes
     * memory of words in constant steps ~12-18% faster than level 1 and stores it ~14% smaller, for ~7-11% more
     * compression CPU, and is level with 1 on other memory (docs/BENCHMARKS.md, round 70 restore70).
     */
    public static final int DEFAULT_ZSTD_LEVEL = defaultLevel(System.getProperty(DEFAULT_LEVEL_PROPERTY));

    /** The level used without the option (the lead turned 3 on after restore70's slot, round 70). */
    static final int BUILT_IN_LEVEL = 3;

    /** The default level from the option's text: {@link #BUILT_IN_LEVEL} when absent, not a number or outside the accepted levels. */
    static int defaultLevel(String option) {
        if (option == null) return BUILT_IN_LEVEL;
        try {
            int level = Integer.parseInt(option.trim());
            return level >= MIN_ZSTD_LEVEL && level <= MAX_ZSTD_LEVEL ? level : BUILT_IN_LEVEL;
        } catch (NumberFormatException e) {
            return BUILT_IN_LEVEL;
        }
    }

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
