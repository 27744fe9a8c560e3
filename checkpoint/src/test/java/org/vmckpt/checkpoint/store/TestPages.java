package org.vmckpt.checkpoint.store;

import java.util.Map;
import java.util.Random;

/** Deterministic page contents and metadata for the store tests. */
final class TestPages {
    private TestPages() {
    }

    static final int PAGE = 4096;

    /** A page that is partly random (so it is not trivially compressible) and different for every seed. */
    static byte[] page(long seed) {
        byte[] p = new byte[PAGE];
        Random r = new Random(seed * 7919 + 17);
        for (int i = 0; i < PAGE; i += 64) {
            if (r.nextInt(3) == 0) {
                for (int j = 0; j < 64; j++) p[i + j] = (byte) r.nextInt();
            } else {
                for (int j = 0; j < 64; j++) p[i + j] = (byte) (seed + j);
            }
        }
        p[0] = (byte) seed;
        p[1] = (byte) (seed >>> 8);
        p[2] = (byte) (seed >>> 16);
        return p;
    }

    static CheckpointMeta meta(String label, int pageCount) {
        return new CheckpointMeta(label, CaptureMode.STOP, pageCount,
                Map.of("memory", String.valueOf((long) pageCount * PAGE), "harts", "1"));
    }
}
