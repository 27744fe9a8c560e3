package org.vmckpt.checkpoint.store;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The last few decoded frames, so that reading the pages of one frame one by one (lazy restore touches
 * neighbours, eager restore goes in order) decompresses the frame once. Not thread-safe: its owner locks.
 */
final class FrameCache {
    private final LinkedHashMap<Long, byte[]> frames;

    FrameCache(int capacity) {
        this.frames = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, byte[]> eldest) {
                return size() > capacity;
            }
        };
    }

    static long key(int pack, int frame) {
        return (long) pack << 32 | (frame & 0xFFFFFFFFL);
    }

    byte[] get(long key) {
        return frames.get(key);
    }

    void put(long key, byte[] decoded) {
        frames.put(key, decoded);
    }

    void clear() {
        frames.clear();
    }
}
