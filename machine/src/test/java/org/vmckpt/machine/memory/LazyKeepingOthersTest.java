package org.vmckpt.machine.memory;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Post-copy after pre-copy rounds: only the pages named pending come from the source; the others keep their contents. */
class LazyKeepingOthersTest {
    private static final long BASE = 0x8000_0000L;

    @Test
    void pendingPagesAreLoadedFromTheSourceAndOthersKeepTheirContents() {
        GuestMemory mem = new GuestMemory(BASE, 16 * GuestMemory.PAGE_SIZE);
        for (int i = 0; i < 16; i++) mem.write64(BASE + (long) i * GuestMemory.PAGE_SIZE, 100 + i);
        BitSet pending = new BitSet();
        pending.set(3);
        pending.set(7);
        List<Integer> loaded = new ArrayList<>();
        mem.setLazySourceKeepingOthers(idx -> {
            loaded.add(idx);
            byte[] p = new byte[GuestMemory.PAGE_SIZE];
            p[0] = (byte) (200 + idx);
            return p;
        }, pending);
        for (int i = 0; i < 16; i++) {
            long v = mem.read64(BASE + (long) i * GuestMemory.PAGE_SIZE);
            assertEquals(pending.get(i) ? 200 + i : 100 + i, v, "page " + i);
        }
        assertEquals(List.of(3, 7), loaded);
        assertEquals(0, mem.lazyPendingCount());
    }
}
