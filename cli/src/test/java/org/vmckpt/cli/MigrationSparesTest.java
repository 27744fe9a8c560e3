package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A VM started for migration fills guest memory's whole ring of copy-on-write spares (docs/BENCHMARKS.md run 30: with
 * half of it, memdirty's source made 14-23 thousand new page arrays during a migration, which its young collections
 * promoted, 7-11 MiB each), and never more spares than the guest has pages.
 */
class MigrationSparesTest {
    private static final long BASE = 0x8000_0000L;

    @Test
    void aSourceFillsTheWholeRingOfSpares() {
        GuestMemory big = new GuestMemory(BASE, 1L << 30);
        VmSession.fillMigrationSpares(big);
        assertEquals(big.spares().capacity(), big.spares().size(), "the ring is full");
        assertEquals(16_384, big.spares().size(), "64 MiB of spares for a 1 GiB guest");

        GuestMemory small = new GuestMemory(BASE, 16L << 20);
        VmSession.fillMigrationSpares(small);
        assertEquals(small.pageCount(), small.spares().size(), "a small guest: one spare per page at most");
    }
}
