package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class RunTableTest {
    @Test
    void consecutiveUnitsAndEqualKindsMergeIntoOneRun() {
        RunTable.Builder b = new RunTable.Builder();
        for (int i = 0; i < 10; i++) b.add(i, 1, TableEntry.data(2, 100 + i));
        b.add(10, 5, TableEntry.ZERO);
        b.add(15, 1, TableEntry.ZERO);
        b.add(16, 1, TableEntry.data(2, 110)); // continues the unit count, but after a gap of kinds: new run
        b.add(17, 1, TableEntry.data(3, 111)); // another pack: new run
        b.add(18, 2, TableEntry.diskBlock(7));
        b.add(20, 1, TableEntry.diskBlock(10)); // block 9 would continue the run
        RunTable t = b.build();
        assertEquals(6, t.runCount());
        assertEquals(21, t.end());
        assertEquals(TableEntry.data(2, 105), t.valueAt(5));
        assertEquals(TableEntry.ZERO, t.valueAt(15));
        assertEquals(TableEntry.data(3, 111), t.valueAt(17));
        assertEquals(TableEntry.diskBlock(8), t.valueAt(19));
        assertEquals(TableEntry.diskBlock(10), t.valueAt(20));
        assertEquals(TableEntry.ABSENT, t.valueAt(21));
        assertEquals(TableEntry.ABSENT, t.valueAt(-1));
    }

    @Test
    void gapsAreAbsentAndOverlayReplacesSingleKeys() {
        RunTable.Builder b = new RunTable.Builder();
        b.add(5, 3, TableEntry.data(0, 0));
        b.add(20, 2, TableEntry.ZERO);
        RunTable t = b.build();
        assertEquals(TableEntry.ABSENT, t.valueAt(0));
        assertEquals(TableEntry.ABSENT, t.valueAt(10));
        assertEquals(TableEntry.data(0, 2), t.valueAt(7));

        RunTable o = t.overlay(new long[]{6, 21, 30}, new long[]{TableEntry.ZERO, TableEntry.data(1, 0), TableEntry.data(1, 1)}, 3, 31);
        assertEquals(TableEntry.data(0, 0), o.valueAt(5));
        assertEquals(TableEntry.ZERO, o.valueAt(6));
        assertEquals(TableEntry.data(0, 2), o.valueAt(7), "the rest of the run keeps its units");
        assertEquals(TableEntry.ZERO, o.valueAt(20));
        assertEquals(TableEntry.data(1, 0), o.valueAt(21));
        assertEquals(TableEntry.ABSENT, o.valueAt(25));
        assertEquals(TableEntry.data(1, 1), o.valueAt(30));
        assertEquals(31, o.end());
    }

    @Test
    void overlayOfAUniformTableSplitsOnlyWhereNeeded() {
        RunTable t = RunTable.uniform(1000, TableEntry.ZERO);
        RunTable o = t.overlay(new long[]{500, 501}, new long[]{TableEntry.data(0, 0), TableEntry.data(0, 1)}, 2, 1000);
        assertEquals(3, o.runCount());
        assertEquals(TableEntry.data(0, 1), o.valueAt(501));
        assertEquals(TableEntry.ZERO, o.valueAt(999));
        assertThrows(IllegalArgumentException.class, () -> t.overlay(new long[]{5, 5}, new long[]{0, 0}, 2, 1000));
    }
}
