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

class ClintTest {
    private final SettableClock clock = new SettableClock();
    private final RecordingHart hart0 = new RecordingHart();
    private final RecordingHart hart1 = new RecordingHart();
    private final Clint clint = new Clint(clock, new InterruptSink[] {hart0, hart1});

    @Test
    void mtimecmpResetsToAllOnesSoNoTimerFires() {
        assertEquals(-1L, clint.read(0x4000, 8));
        assertEquals(-1L, clint.mtimecmp(1));
        clock.now = Long.MAX_VALUE;
        clint.updateTimers();
        assertFalse(hart0.has(InterruptSink.MTIP));
        assertFalse(hart1.has(InterruptSink.MTIP));
        assertEquals(-1L, clint.nextDeadline());
    }

    @Test
    void msipWriteRaisesAndClearsSoftwareInterruptOfThatHartAtOnce() {
        clint.write(0x4, 4, 1);
        assertTrue(hart1.has(InterruptSink.MSIP));
        assertFalse(hart0.has(InterruptSink.MSIP));
        assertEquals(1, clint.read(0x4, 4));
        assertEquals(0, clint.read(0x0, 4));
        clint.write(0x4, 4, 0xFFFF_FFFEL); // only bit 0 counts
        assertFalse(hart1.has(InterruptSink.MSIP));
        assertEquals(0, clint.read(0x4, 4));
    }

    @Test
    void mtimeReadsTheClockWholeAndInHalves() {
        clock.now = 0x1234_5678_9ABC_DEF0L;
        assertEquals(0x1234_5678_9ABC_DEF0L, clint.read(0xBFF8, 8));
        assertEquals(0x9ABC_DEF0L, clint.read(0xBFF8, 4));
        assertEquals(0x1234_5678L, clint.read(0xBFFC, 4));
    }

    @Test
    void timerFiresWhenMtimeReachesMtimecmpAndClearsWhenRearmed() {
        clint.write(0x4000, 8, 1000);
        clock.now = 999;
        clint.updateTimers();
        assertFalse(hart0.has(InterruptSink.MTIP));
        clock.now = 1000;
        clint.updateTimers();
        assertTrue(hart0.has(InterruptSink.MTIP));
        assertFalse(hart1.has(InterruptSink.MTIP));
        clint.write(0x4000, 8, 5000); // re-arming clears at once, without waiting for updateTimers
        assertFalse(hart0.has(InterruptSink.MTIP));
    }

    @Test
    void mtimecmpWrittenAsTwoHalvesTheWayRv32SoftwareDoes() {
        clock.now = 0x1_0000_0000L;
        clint.write(0x4008 + 4, 4, 0xFFFF_FFFFL); // high half first, so no early fire
        clint.write(0x4008, 4, 0x10);
        assertEquals(0xFFFF_FFFF_0000_0010L, clint.mtimecmp(1));
        clint.write(0x4008 + 4, 4, 0x1);
        assertEquals(0x1_0000_0010L, clint.read(0x4008, 8));
        assertEquals(0x10, clint.read(0x4008, 4));
        assertEquals(0x1, clint.read(0x400C, 4));
        assertFalse(hart1.has(InterruptSink.MTIP));
        clock.now = 0x1_0000_0010L;
        clint.updateTimers();
        assertTrue(hart1.has(InterruptSink.MTIP));
    }

    @Test
    void setMtimecmpInThePastRaisesTimerImmediately() {
        clock.now = 500;
        clint.setMtimecmp(0, 100);
        assertTrue(hart0.has(InterruptSink.MTIP));
        assertEquals(100, clint.mtimecmp(0));
    }

    @Test
    void comparisonIsUnsigned() {
        clock.now = 5;
        clint.setMtimecmp(0, 0x8000_0000_0000_0000L); // negative as a Java long, far future unsigned
        assertFalse(hart0.has(InterruptSink.MTIP));
    }

    @Test
    void writingMtimeKeepsAnOffsetFromTheClock() {
        clock.now = 50;
        clint.write(0xBFF8, 8, 1000);
        assertEquals(1000, clint.mtime());
        clock.now = 60;
        assertEquals(1010, clint.read(0xBFF8, 8));
        clint.write(0xBFFC, 4, 2); // high half only
        assertEquals(0x2_0000_0000L + 1010, clint.mtime());
        clint.setMtimecmp(0, 0x2_0000_0000L + 1015);
        clock.now = 64;
        clint.updateTimers();
        assertFalse(hart0.has(InterruptSink.MTIP));
        clock.now = 65;
        clint.updateTimers();
        assertTrue(hart0.has(InterruptSink.MTIP));
    }

    @Test
    void nextDeadlineIsTheEarliestMtimecmp() {
        clint.setMtimecmp(1, 700);
        assertEquals(700, clint.nextDeadline());
        clint.setMtimecmp(0, 300);
        assertEquals(300, clint.nextDeadline());
    }

    @Test
    void oddAccessesAndHostileOffsetsNeverThrow() {
        clint.write(0x2, 4, 1);         // misaligned msip
        clint.write(0x0, 8, 1);         // msip is 32-bit only
        clint.write(0x8, 4, 1);         // msip of a hart that does not exist
        clint.write(0x4010, 8, 7);      // mtimecmp of a hart that does not exist
        clint.write(0x4002, 4, 7);      // misaligned half
        clint.write(0xBFF8, 1, 7);      // byte access to mtime
        assertFalse(hart0.has(InterruptSink.MSIP));
        assertEquals(-1L, clint.mtimecmp(0));
        assertEquals(0, clint.mtime());
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            long offset = random.nextBoolean() ? random.nextInt(0x10000) : random.nextLong();
            int size = 1 << random.nextInt(4);
            clint.read(offset, size);
            clint.write(offset, size, random.nextLong());
        }
    }

    @Test
    void stateRoundTripIsExactAndTimingContinuesIdentically() throws StateFormatException {
        clock.now = 100;
        clint.write(0x4, 4, 1);
        clint.write(0xBFF8, 8, 400);     // offset 300
        clint.setMtimecmp(0, 450);
        clint.setMtimecmp(1, 1_000);
        byte[] saved = StateRoundTrip.save(clint);

        RecordingHart copy0 = new RecordingHart();
        RecordingHart copy1 = new RecordingHart();
        Clint copy = new Clint(clock, new InterruptSink[] {copy0, copy1});
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertTrue(copy1.has(InterruptSink.MSIP), "load drives MSIP");
        assertEquals(clint.mtime(), copy.mtime());
        assertEquals(clint.nextDeadline(), copy.nextDeadline());

        // The armed timer survives: both fire at the same clock value.
        for (long t = 100; t <= 800; t += 10) {
            clock.now = t;
            clint.updateTimers();
            copy.updateTimers();
            assertEquals(hart0.mip & InterruptSink.MTIP, copy0.mip & InterruptSink.MTIP, "at t=" + t);
            assertEquals(hart1.mip & InterruptSink.MTIP, copy1.mip & InterruptSink.MTIP, "at t=" + t);
        }
        assertTrue(copy0.has(InterruptSink.MTIP));
        assertTrue(copy1.has(InterruptSink.MTIP));
    }

    @Test
    void truncatedRecordsAndUnknownVersionsAreRejected() {
        byte[] saved = StateRoundTrip.save(clint);
        for (int n = 0; n < saved.length; n++) {
            byte[] truncated = Arrays.copyOf(saved, n);
            assertThrows(StateFormatException.class, () -> StateRoundTrip.load(new Clint(clock, new InterruptSink[] {hart0, hart1}), truncated));
        }
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(clint, saved, 2));
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(clint, saved, 0));
        byte[] trailing = Arrays.copyOf(saved, saved.length + 1);
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(clint, trailing));
        Clint oneHart = new Clint(clock, new InterruptSink[] {hart0});
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(oneHart, saved));
    }
}
