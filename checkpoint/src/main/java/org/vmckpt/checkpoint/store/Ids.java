package org.vmckpt.checkpoint.store;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Random identifiers in lower-case hex: 64-bit checkpoint and writer ids, 128-bit pack ids. */
final class Ids {
    private Ids() {
    }

    static final int CHECKPOINT_ID_LENGTH = 16;
    static final int PACK_ID_BYTES = 16;
    static final int PACK_ID_LENGTH = PACK_ID_BYTES * 2;

    private static final HexFormat HEX = HexFormat.of();

    /**
     * The generator, set up when the first id is made, not when this class is first used: every command checks names
     * with {@link #isCheckpointId}, and setting up a SecureRandom (the security providers) took 24-46 ms of a cold JVM
     * at load 8, inside a restore's opening of its checkpoint, which makes no id (docs/BENCHMARKS.md, round 56).
     */
    private static final class Generator {
        static final SecureRandom RANDOM = new SecureRandom();
    }

    static String newCheckpointId() {
        byte[] b = new byte[CHECKPOINT_ID_LENGTH / 2];
        Generator.RANDOM.nextBytes(b);
        return HEX.formatHex(b);
    }

    static byte[] newPackId() {
        byte[] b = new byte[PACK_ID_BYTES];
        Generator.RANDOM.nextBytes(b);
        return b;
    }

    static String hex(byte[] b) {
        return HEX.formatHex(b);
    }

    static boolean isHex(String s, int length) {
        if (s.length() != length) return false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) return false;
        }
        return true;
    }

    static boolean isCheckpointId(String s) {
        return isHex(s, CHECKPOINT_ID_LENGTH);
    }
}
