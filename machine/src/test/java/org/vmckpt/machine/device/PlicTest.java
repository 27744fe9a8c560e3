package org.vmckpt.machine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.state.StateFormatException;

class PlicTest {
    // Context numbering on the virt board: 2h = hart h M-mode, 2h+1 = hart h S-mode.
    private static final int H0_M = 0;
    private static final int H0_S = 1;
    private static final int H1_S = 3;

    private final RecordingHart hart0 = new RecordingHart();
    private final RecordingHart hart1 = new RecordingHart();
    private final Plic plic = new Plic(new InterruptSink[] {hart0, hart1});

    private void setPriority(int source, int priority) {
        plic.write(4L * source, 4, priority);
    }

    private void enable(int context, int source) {
        long offset = 0x2000 + 0x80L * context + 4L * (source / 32);
        plic.write(offset, 4, plic.read(offset, 4) | (1L << (source % 32)));
    }

    private void setThreshold(int context, int threshold) {
        plic.write(0x200000 + 0x1000L * context, 4, threshold);
    }

    private int claim(int context) {
        return (int) plic.read(0x200004 + 0x1000L * context, 4);
    }

    private void complete(int context, int source) {
        plic.write(0x200004 + 0x1000L * context, 4, source);
    }

    @Test
    void sourceWithPriorityZeroNeverInterrupts() {
        enable(H0_S, 10);
        plic.line(10).set(true);
        assertTrue(plic.isPending(10));
        assertFalse(hart0.has(InterruptSink.SEIP));
        assertEquals(0, claim(H0_S));
    }

    @Test
    void enabledSourceRaisesSeipOnlyForItsContext() {
        setPriority(10, 1);
        enable(H0_S, 10);
        plic.line(10).set(true);
        assertTrue(hart0.has(InterruptSink.SEIP));
        assertFalse(hart0.has(InterruptSink.MEIP));
        assertFalse(hart1.has(InterruptSink.SEIP));
        enable(H0_M, 10);
        assertTrue(hart0.has(InterruptSink.MEIP));
        plic.line(10).set(false); // level-triggered: dropping the line withdraws the request
        assertFalse(plic.isPending(10));
        assertFalse(hart0.has(InterruptSink.SEIP));
        assertFalse(hart0.has(InterruptSink.MEIP));
    }

    @Test
    void claimCompleteCycleWithLineStillHighReArms() {
        setPriority(10, 1);
        enable(H0_S, 10);
        IrqLine uart = plic.line(10);
        uart.set(true);
        assertEquals(0x400, plic.read(0x1000, 4));
        assertEquals(10, claim(H0_S));
        assertFalse(plic.isPending(10));
        assertEquals(0, plic.read(0x1000, 4));
        assertFalse(hart0.has(InterruptSink.SEIP));
        assertEquals(0, claim(H0_S), "a claimed source is not claimable again");
        uart.set(true); // still high while being handled: stays claimed, not pending
        assertFalse(plic.isPending(10));
        complete(H0_S, 10);
        assertTrue(plic.isPending(10), "line still high after completion: pending again");
        assertTrue(hart0.has(InterruptSink.SEIP));
        assertEquals(10, claim(H0_S));
        uart.set(false);
        complete(H0_S, 10);
        assertFalse(plic.isPending(10));
        assertFalse(hart0.has(InterruptSink.SEIP));
    }

    @Test
    void claimPicksHighestPriorityThenLowestId() {
        for (int source : new int[] {1, 7, 8, 40}) {
            enable(H0_S, source);
            plic.line(source).set(true);
        }
        setPriority(1, 2);
        setPriority(7, 5);
        setPriority(8, 5);
        setPriority(40, 6);
        assertEquals(40, claim(H0_S));
        assertEquals(7, claim(H0_S));
        assertEquals(8, claim(H0_S));
        assertEquals(1, claim(H0_S));
        assertEquals(0, claim(H0_S));
    }

    @Test
    void thresholdMasksSourcesAtOrBelowIt() {
        setPriority(5, 3);
        enable(H0_S, 5);
        plic.line(5).set(true);
        setThreshold(H0_S, 3);
        assertFalse(hart0.has(InterruptSink.SEIP));
        assertEquals(0, claim(H0_S));
        assertEquals(3, plic.read(0x201000, 4));
        setThreshold(H0_S, 2);
        assertTrue(hart0.has(InterruptSink.SEIP));
        assertEquals(5, claim(H0_S));
    }

    @Test
    void contextsOfDifferentHartsAreIndependent() {
        setPriority(33, 1);
        setPriority(34, 1);
        enable(H0_S, 33);
        enable(H1_S, 34);
        assertEquals(1L << 2, plic.read(0x2000 + 0x80L * H1_S + 4, 4)); // source 34 = word 1, bit 2
        plic.line(33).set(true);
        plic.line(34).set(true);
        assertEquals(0b110, plic.read(0x1004, 4));
        assertTrue(hart0.has(InterruptSink.SEIP));
        assertTrue(hart1.has(InterruptSink.SEIP));
        assertEquals(34, claim(H1_S));
        assertFalse(hart1.has(InterruptSink.SEIP));
        assertTrue(hart0.has(InterruptSink.SEIP));
        complete(H0_S, 34); // not enabled for that context: ignored
        plic.line(34).set(true);
        assertFalse(plic.isPending(34));
        complete(H1_S, 34);
        assertTrue(plic.isPending(34));
    }

    @Test
    void registersHoldOnlyWhatTheHardwareHas() {
        setPriority(3, 0xFF);
        assertEquals(7, plic.read(12, 4));
        plic.write(0, 4, 5);                 // source 0 does not exist
        assertEquals(0, plic.read(0, 4));
        plic.write(0x2000, 4, 0xFFFF_FFFFL); // source 0 cannot be enabled
        assertEquals(0xFFFF_FFFEL, plic.read(0x2000, 4));
        plic.line(3).set(true);
        plic.write(0x1000, 4, 0);            // pending is read-only
        assertEquals(1L << 3, plic.read(0x1000, 4));
        assertThrows(IllegalArgumentException.class, () -> plic.line(0));
        assertThrows(IllegalArgumentException.class, () -> plic.line(96));
    }

    @Test
    void hostileAccessesNeverThrow() {
        Random random = new Random(7);
        for (int i = 0; i < 20_000; i++) {
            long offset = switch (random.nextInt(3)) {
                case 0 -> random.nextInt(0x4000000);
                case 1 -> 0x200000 + random.nextInt(0x10000);
                default -> random.nextLong();
            };
            int size = 1 << random.nextInt(4);
            plic.read(offset, size);
            plic.write(offset, size, random.nextLong());
        }
        complete(H0_S, -1);
        complete(H0_S, 1000);
        assertEquals(0, plic.read(0x200000 + 0x1000L * 4, 4), "context 4 does not exist with two harts");
    }

    @Test
    void stateRoundTripIsExactAndClaimsContinueIdentically() throws StateFormatException {
        setPriority(10, 1);
        setPriority(11, 4);
        setPriority(12, 4);
        enable(H0_S, 10);
        enable(H0_S, 11);
        enable(H0_S, 12);
        enable(H1_S, 12);
        setThreshold(H1_S, 2);
        plic.line(10).set(true);
        plic.line(11).set(true);
        plic.line(12).set(true);
        assertEquals(11, claim(H0_S)); // 11 is in flight when we checkpoint
        byte[] saved = StateRoundTrip.save(plic);

        RecordingHart copy0 = new RecordingHart();
        RecordingHart copy1 = new RecordingHart();
        Plic copy = new Plic(new InterruptSink[] {copy0, copy1});
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertEquals(hart0.mip, copy0.mip, "load drives the outputs");
        assertEquals(hart1.mip, copy1.mip);

        for (Plic p : new Plic[] {plic, copy}) {
            assertEquals(12, (int) p.read(0x200004 + 0x1000L * H1_S, 4));
            p.write(0x200004 + 0x1000L * H0_S, 4, 11);
            assertEquals(11, (int) p.read(0x200004 + 0x1000L * H0_S, 4), "line 11 still high: pending again after completion");
            assertEquals(10, (int) p.read(0x200004 + 0x1000L * H0_S, 4));
            assertEquals(0, (int) p.read(0x200004 + 0x1000L * H0_S, 4));
        }
        assertArrayEquals(StateRoundTrip.save(plic), StateRoundTrip.save(copy));
    }

    @Test
    void truncatedRecordsAndUnknownVersionsAreRejected() {
        setPriority(10, 1);
        byte[] saved = StateRoundTrip.save(plic);
        for (int n = 0; n < saved.length; n++) {
            byte[] truncated = Arrays.copyOf(saved, n);
            assertThrows(StateFormatException.class, () -> StateRoundTrip.load(new Plic(new InterruptSink[] {hart0, hart1}), truncated));
        }
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(plic, saved, 2));
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(new Plic(new InterruptSink[] {hart0}), saved));
        byte[] badPriority = saved.clone();
        badPriority[4 + 3 * 9] = 9; // priority byte of source 10
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(plic, badPriority));
    }
}
