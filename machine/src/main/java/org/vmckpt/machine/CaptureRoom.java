package org.vmckpt.machine;

/**
 * The arrays one {@link Machine#capture(CaptureRoom)} fills, made before the guest's pause by the thread that asks for
 * the capture ({@link Machine#captureRoom}), so that the capture itself, on the run thread inside the pause, allocates
 * (almost) nothing. Why: an allocation inside the pause that meets a full young generation runs a collection inside
 * it (2-5 ms on the benchmark VM); round 67 found the collector in most of the live checkpoints that paused over
 * 1 ms, in the state records' part, which allocated ~100-330 KB a capture (a writer per part grown by doubling, the
 * balloon's bitmaps copied twice). One room per capture: the image keeps its arrays, so rooms are never reused; sized
 * close to what the capture needs, as what a checkpoint holds while a young collection runs is promoted (round 66 took
 * the old generation's growth to 0.02 MB a checkpoint).
 */
public final class CaptureRoom {
    /** Every state record, one after another (the capture grows a copy only if the records outgrew it). */
    final byte[] records;
    /** Record {@code i} is {@code records[offsets[i], offsets[i + 1])}. */
    final int[] offsets;
    final String[] names;
    final int[] versions;
    /**
     * The words of the balloon's three page sets (inflated, reported, hinted), each as long as the set was when the room
     * was made plus a margin (a longer one is made in the capture if it grew since); null without a balloon.
     */
    final long[][] givenWords;
    final long[] partNanos = new long[4];
    /**
     * {@code -Dvmckpt.capture.traceRecords=true} (a diagnostic, off): the time each part's record was done
     * ({@code System.nanoTime}), for {@link MachineImage#recordNanos}; null when off.
     */
    final long[] recordNanos;
    static final boolean TRACE_RECORDS = Boolean.getBoolean("vmckpt.capture.traceRecords");

    CaptureRoom(int recordBytes, int parts, int[] givenWordCounts) {
        records = new byte[recordBytes];
        offsets = new int[parts + 1];
        names = new String[parts];
        versions = new int[parts];
        recordNanos = TRACE_RECORDS ? new long[parts] : null;
        if (givenWordCounts == null) {
            givenWords = null;
        } else {
            givenWords = new long[3][];
            for (int i = 0; i < 3; i++) givenWords[i] = new long[givenWordCounts[i]];
        }
    }
}
