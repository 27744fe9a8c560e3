package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A VM started for migration fills 16,384 copy-on-write spares, the whole ring unless checkpoints recycle their frozen
 * pages into it (then it has room for every page, round 64) (docs/BENCHMARKS.md run 30: with
 * half of it, memdirty's source made 14-23 thousand new page arrays during a migration, which its young collections
 * promoted, 7-11 MiB each), and never more spares than the guest has pages.
 */
class MigrationSparesTest {
    private static final long BASE = 0x8000_0000L;

    @Test
    void aSourceFillsTheWholeRingOfSpares() {
        GuestMemory big = new GuestMemory(BASE, 1L << 30);
        VmSession.fillMigrationSpares(big);
        assertEquals(16_384, big.spares().size(), "64 MiB of spares for a 1 GiB guest");
        if (!big.spares().recycling()) assertEquals(big.spares().capacity(), big.spares().size(), "the ring is full");
        else assertEquals(big.pageCount(), big.spares().capacity(), "recycling frozen pages: room for every page");

        GuestMemory small = new GuestMemory(BASE, 16L << 20);
        VmSession.fillMigrationSpares(small);
        assertEquals(small.pageCount(), small.spares().size(), "a small guest: one spare per page at most");
    }
}
