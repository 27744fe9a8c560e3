package org.vmckpt.machine.cpu;

import java.io.FileWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A diagnostic (round 77, off by default): the dispatcher's trips into units whose entry lies in a range of guest physical
 * addresses, counted by the unit that ran before (or what ran before: the batch's start, the interpreter, a trap), how
 * the dispatcher found the unit (its chain slot, a jalr's second way, the code cache's lookup), the unit's tier and how
 * the unit left (its exit's kind, or a trap, a deferral, an event); and the interpreted blocks that start in the range.
 * {@code -Dvmckpt.jit.tripTrace=LO-HI} (hex, physical, HI exclusive) turns it on; {@code -Dvmckpt.jit.tripTraceFrom=N}
 * counts only from the hart's N-th instruction on; the table goes to {@code -Dvmckpt.jit.tripTraceOut=FILE} (stderr
 * without it) when the JVM exits. Only {@link Hart#run} calls it, behind {@link #ON} (a static final, so the dispatcher's
 * compiled code is main's when off); nothing in a unit's bytecode changes, unlike {@code -Dvmckpt.jit.profile}, whose
 * counting code changes the regions it measures.
 */
final class TripTrace {
    static final boolean ON;
    static final long LO, HI, FROM;

    static {
        String s = System.getProperty("vmckpt.jit.tripTrace", "");
        long lo = 0, hi = 0;
        if (!s.isEmpty()) {
            int dash = s.indexOf('-');
            if (dash < 0) throw new IllegalArgumentException("-Dvmckpt.jit.tripTrace=LO-HI (hex), not " + s);
            lo = Long.parseUnsignedLong(strip(s.substring(0, dash)), 16);
            hi = Long.parseUnsignedLong(strip(s.substring(dash + 1)), 16);
        }
        ON = !s.isEmpty();
        LO = lo;
        HI = hi;
        FROM = Long.getLong("vmckpt.jit.tripTraceFrom", 0L);
        if (ON) Runtime.getRuntime().addShutdownHook(new Thread(TripTrace::dump, "trip-trace"));
    }

    private static String strip(String h) {
        return h.startsWith("0x") ? h.substring(2) : h;
    }

    /** What ran before a unit. */
    static final int BEFORE_BATCH = 0, BEFORE_INTERP = 1, BEFORE_UNIT = 2, BEFORE_TRAP = 3;
    /** How the dispatcher found it. */
    static final int FOUND_CHAIN = 0, FOUND_SECOND_WAY = 1, FOUND_LOOKUP = 2;
    /** How it left, beyond TranslatedUnit's exit kinds 0-4. */
    static final int LEFT_TRAP = 10, LEFT_DEFER = 11, LEFT_EVENT = 12, LEFT_NONE = 13;

    private static final String[] BEFORE = {"batch start", "interpreter", "unit", "trap/defer"};
    private static final String[] FOUND = {"chain", "second way", "lookup"};
    private static final String[] EXIT = {"budget", "region", "page", "jalr", "helper"};

    private static final class Row {
        long count, insns, budgetLeftSum;
    }

    private static final Map<String, Row> rows = new HashMap<>();
    private static final Map<Long, long[]> interp = new HashMap<>();
    private static final Map<Long, long[]> batchEnds = new HashMap<>();

    static boolean inRange(long key) {
        return key >= LO && key < HI;
    }

    private static String k(long key) {
        return inRange(key) ? Long.toHexString(key) : "out";
    }

    // What ran before the next unit (the guest's thread only): set by the calls below, read by unit().
    private static int before = BEFORE_BATCH, prevExit;
    private static long prevKey = -1, interpKey = -1;
    /** How the dispatcher found the unit about to run (Hart#run sets it). */
    static int found;

    /** Hart#run began a batch. */
    static void batchStart() {
        before = BEFORE_BATCH;
    }

    /** The batch ends before unit {@code u} (its entry block does not fit what is left). */
    static void batchEnd(Hart h, TranslatedUnit u) {
        if (h.instret >= FROM && inRange(u.key)) batchEnd(u.key);
    }

    /** The interpreter is about to run a block at the hart's pc: its physical key, if the fetch TLB maps it. */
    static void beforeInterp(Hart h) {
        Mmu m = h.mmu;
        long vpn = h.pc >>> 12;
        int ti = (int) vpn & Hart.TLB_MASK;
        interpKey = m.xTag[ti] == (vpn | m.fetchCtx) ? ((long) m.xPhys[ti] << 12) | (h.pc & 0xfff) : -1;
    }

    /** The interpreter ran {@code ran} from the block of {@link #beforeInterp}. */
    static void interpreted(Hart h, int ran) {
        if (h.instret >= FROM && inRange(interpKey)) interpreted(interpKey, ran);
        before = BEFORE_INTERP;
    }

    /**
     * Unit {@code u} ran {@code retired} of {@code budgetLeft} and left (by {@code from}'s exit, {@code from} being the
     * unit whose exit it was, or null): counted if in range; then what ran before the next unit is this one's exit, if it
     * left normally (as Hart#run chains), else a trap or deferral.
     */
    static void unit(Hart h, TranslatedUnit u, TranslatedUnit from, int retired, int budgetLeft) {
        int left = h.unitExit ? (h.trap ? LEFT_TRAP : LEFT_DEFER) : retired == 0 ? LEFT_TRAP : h.events != 0 ? LEFT_EVENT
                : from != null ? from.exitKinds[h.exitSlot] : LEFT_NONE;
        if (h.instret >= FROM && inRange(u.key)) unit(before, prevKey, prevExit, found, u, retired, left, budgetLeft);
        if (!h.unitExit && retired != 0 && h.events == 0 && from != null) {
            before = BEFORE_UNIT;
            prevKey = from.key;
            prevExit = left;
        } else {
            before = BEFORE_TRAP;
        }
    }

    /** A unit run: {@code before}/{@code prevKey} what ran before, {@code found} how, its tier and how it left. */
    static synchronized void unit(int before, long prevKey, int prevExit, int found, TranslatedUnit u, int retired,
                                  int left, int budgetLeft) {
        String what = (before == BEFORE_UNIT ? k(prevKey) + "/" + EXIT[prevExit] : BEFORE[before]) + " -> "
                + Long.toHexString(u.key) + (u.hot ? " hot" : " c1") + " (" + FOUND[found] + "), left by "
                + (left < EXIT.length ? EXIT[left] : left == LEFT_TRAP ? "trap" : left == LEFT_DEFER ? "deferral"
                : left == LEFT_EVENT ? "event" : "?") + ", " + u.instructionCount + " insns, entry needs " + u.entryBlockLength;
        Row r = rows.computeIfAbsent(what, x -> new Row());
        r.count++;
        r.insns += retired;
        r.budgetLeftSum += budgetLeft;
    }

    /** An interpreted block at {@code pc0} (physical {@code key}) that ran {@code ran}. */
    static synchronized void interpreted(long key, int ran) {
        long[] c = interp.computeIfAbsent(key, x -> new long[2]);
        c[0]++;
        c[1] += ran;
    }

    /** The batch ended at the unit at {@code key} (its entry block did not fit, or the budget ran out after it). */
    static synchronized void batchEnd(long key) {
        batchEnds.computeIfAbsent(key, x -> new long[1])[0]++;
    }

    static synchronized void dump() {
        String out = System.getProperty("vmckpt.jit.tripTraceOut");
        try (PrintWriter w = out == null ? new PrintWriter(System.err, true) : new PrintWriter(new FileWriter(out))) {
            w.printf("trip trace %x-%x from instruction %d%n", LO, HI, FROM);
            List<Map.Entry<String, Row>> l = new ArrayList<>(rows.entrySet());
            l.sort((a, b) -> Long.compare(b.getValue().count, a.getValue().count));
            long trips = 0, insns = 0;
            for (Map.Entry<String, Row> e : l) {
                Row r = e.getValue();
                trips += r.count;
                insns += r.insns;
                w.printf("%,12d runs %,14d insns (%6.1f a run, budget left %6.0f)  %s%n", r.count, r.insns,
                        (double) r.insns / r.count, (double) r.budgetLeftSum / r.count, e.getKey());
            }
            w.printf("unit runs in range: %,d, instructions %,d%n", trips, insns);
            long ib = 0, ii = 0;
            List<Map.Entry<Long, long[]>> li = new ArrayList<>(interp.entrySet());
            li.sort((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1]));
            for (Map.Entry<Long, long[]> e : li) {
                ib += e.getValue()[0];
                ii += e.getValue()[1];
                w.printf("interpreted at %x: %,d blocks, %,d insns%n", e.getKey(), e.getValue()[0], e.getValue()[1]);
            }
            w.printf("interpreted blocks in range: %,d, instructions %,d%n", ib, ii);
            for (Map.Entry<Long, long[]> e : batchEnds.entrySet()) {
                w.printf("batch ended before or at unit %x: %,d%n", e.getKey(), e.getValue()[0]);
            }
        } catch (IOException e) {
            System.err.println("trip trace: " + e);
        }
    }

    private TripTrace() {
    }
}
