package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.cpu.Hart;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.Random;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Round 68: another thread hammers what writes the hart's TLB (a capture's freeze, its release, a page's array replaced)
 * while the bare-metal memwalk guest stores all over 4 MiB and fetches its loop, its run loop started again and again
 * (a capture asked for right after each start: where round 67's host crash came from). Nothing may crash; every frozen
 * view holds, after the guest ran on, exactly what it held at its freeze; and the guest's memory ends exactly as an
 * undisturbed run's (a store through a stale write mapping, into an array memory no longer holds, would be lost).
 * Deterministic, so the two runs are comparable at the same instruction count.
 */
class TlbRaceStressTest {
    private static final int SEGMENTS = 150;
    /** Instructions per run of the loop: a multiple of the batch, as a deterministic run's checkpoints are anywhere. */
    private static final long SEGMENT = Machine.BATCH * 24L;

    @Test
    void capturesReleasesAndReplacedPagesFromAnotherThreadLoseNoStoreAndChangeNoFrozenPage() throws Exception {
        long violationsBefore = Hart.ownerViolations();
        Machine reference = Machines.memwalk(new StringBuilder());
        reference.run(SEGMENTS * SEGMENT);

        Machine m = Machines.memwalk(new StringBuilder());
        Random random = new Random(68);
        int frozenPagesChecked = 0;
        for (int s = 0; s < SEGMENTS; s++) {
            Thread run = new Thread(() -> m.run(SEGMENT), "tlb-stress-run-" + s);
            run.start();
            // At once, while the run loop may still be starting: a capture, and the frozen pages' sums at that moment.
            Object[] taken = m.callAtInstructionBoundary(() -> {
                MachineCapture c = MachineCapture.take(m);
                return new Object[] {c, sums(c.memory())};
            });
            MachineCapture c = (MachineCapture) taken[0];
            long[] atFreeze = (long[]) taken[1];
            // Pages replaced under the running guest (same contents, new arrays while frozen): every mapping of the old
            // array must go before the guest's next access.
            int[] some = touchedPages(m.memory(), random, 32);
            m.callAtInstructionBoundary(() -> {
                for (int idx : some) m.memory().restorePage(idx, m.memory().peekPage(idx).clone());
                return null;
            });
            if ((s & 1) == 0) Thread.sleep(1); // the guest writes frozen pages meanwhile (copy-on-write)
            assertArrayEquals(atFreeze, sums(c.memory()), "segment " + s + ": a frozen page changed after its freeze");
            for (long v : atFreeze) if (v >= 0) frozenPagesChecked++;
            c.release(); // from this thread: done on the run thread (or here once its loop ended)
            run.join(30_000);
            assertFalse(run.isAlive(), "segment " + s + " ended");
        }
        assertEquals(reference.hart(0).instret, m.hart(0).instret);
        assertEquals(Machines.hash(reference), Machines.hash(m), "no store lost: " + Machines.diff(reference, m));
        assertTrue(frozenPagesChecked > SEGMENTS * 500, "frozen pages checked: " + frozenPagesChecked);
        assertEquals(violationsBefore, Hart.ownerViolations(), "no TLB write off its run thread (-Dvmckpt.mmu.checkOwner)");
    }

    /** CRC-32 of every page of the view, -1 for an untouched one. */
    private static long[] sums(FrozenMemory view) {
        long[] out = new long[view.pageCount()];
        CRC32 crc = new CRC32();
        for (int i = 0; i < out.length; i++) {
            byte[] p = view.page(i);
            if (p == null) {
                out[i] = -1;
                continue;
            }
            crc.reset();
            crc.update(p);
            out[i] = crc.getValue();
        }
        return out;
    }

    /** {@code n} pages that hold contents (the guest's), at random. */
    private static int[] touchedPages(GuestMemory memory, Random random, int n) {
        int[] out = new int[n];
        int found = 0;
        for (int tries = 0; found < n && tries < 100_000; tries++) {
            int idx = random.nextInt(memory.pageCount());
            if (memory.peekPage(idx) != null) out[found++] = idx;
        }
        return java.util.Arrays.copyOf(out, found);
    }
}
