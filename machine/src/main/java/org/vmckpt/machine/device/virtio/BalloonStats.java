package org.vmckpt.machine.device.virtio;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One set of memory statistics the guest's balloon driver sent (tag -> value; sizes in bytes), and the
 * sequence number of the update that brought it (1 for the first).
 */
public record BalloonStats(long sequence, Map<Integer, Long> values) {
    public static final int SWAP_IN = 0;
    public static final int SWAP_OUT = 1;
    public static final int MAJOR_FAULTS = 2;
    public static final int MINOR_FAULTS = 3;
    public static final int MEMORY_FREE = 4;
    public static final int MEMORY_TOTAL = 5;
    public static final int MEMORY_AVAILABLE = 6;
    public static final int DISK_CACHES = 7;
    public static final int HUGETLB_ALLOCATIONS = 8;
    public static final int HUGETLB_FAILURES = 9;

    public static final BalloonStats NONE = new BalloonStats(0, Map.of());

    public BalloonStats {
        values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    /** The value for {@code tag}, or -1 if the guest did not send it. */
    public long get(int tag) {
        Long v = values.get(tag);
        return v == null ? -1 : v;
    }
}
