package org.vmckpt.machine.cpu;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A diagnostic ({@code -Dvmckpt.jit.corpus=FILE}, off by default; round 67): the translator thread appends the inputs of
 * every C1 unit it builds (the page's bytes, the next page's if the region may go on, the entry, the region limits) to
 * FILE, so that the same units can be generated again offline under other translator settings and their C1 compiles
 * timed side by side (UnitCompileCostBench, a benchmark in the tests' sources). Translations are never state, and this
 * file is no part of a checkpoint: it only records what was translated.
 */
final class UnitCorpus {
    /** Where to append (null: off). */
    static final String FILE = System.getProperty("vmckpt.jit.corpus");
    private static final int MAGIC = 0x55434f31; // "UCO1"

    private static DataOutputStream out;

    private UnitCorpus() { }

    /** One unit's inputs, as {@link Translator#translate(byte[], int, byte[], int, int, boolean, int, int, int)} takes them. */
    record Entry(byte[] code, int pageIndex, byte[] nextCode, int nextIndex, int entryOff, int maxLoop, int maxStraight,
                 int localBytes, boolean wordLogic) { }

    /** Appends {@code job}'s inputs (the translator thread only); a failure turns the dump off. */
    static synchronized void record(PendingUnit job) {
        try {
            if (out == null) out = new DataOutputStream(new FileOutputStream(FILE, true));
            write(out, new Entry(job.code, job.pageIndex, job.nextCode, job.nextIndex, job.entryOff,
                    job.cache.maxLoopInstructions, job.cache.maxStraightInstructions, job.cache.localBranchBytes,
                    job.cache.wordLogic));
            out.flush();
        } catch (IOException e) {
            System.err.println("vmckpt: the unit corpus could not be written (" + e + ")");
        }
    }

    static void write(DataOutputStream o, Entry e) throws IOException {
        o.writeInt(MAGIC);
        o.writeInt(e.pageIndex());
        o.writeInt(e.nextIndex());
        o.writeInt(e.entryOff());
        o.writeInt(e.maxLoop());
        o.writeInt(e.maxStraight());
        o.writeInt(e.localBytes());
        o.writeBoolean(e.wordLogic());
        o.write(e.code(), 0, 4096);
        o.writeBoolean(e.nextCode() != null);
        if (e.nextCode() != null) o.write(e.nextCode(), 0, 4096);
    }

    /** Every entry of a corpus file's stream. */
    static List<Entry> read(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(new BufferedInputStream(in));
        List<Entry> l = new ArrayList<>();
        while (true) {
            int magic;
            try {
                magic = d.readInt();
            } catch (EOFException end) {
                return l;
            }
            if (magic != MAGIC) throw new IOException("not a unit corpus record");
            int pageIndex = d.readInt(), nextIndex = d.readInt(), entryOff = d.readInt(), maxLoop = d.readInt(),
                    maxStraight = d.readInt(), localBytes = d.readInt();
            boolean wordLogic = d.readBoolean();
            byte[] code = new byte[4096];
            d.readFully(code);
            byte[] next = null;
            if (d.readBoolean()) {
                next = new byte[4096];
                d.readFully(next);
            }
            l.add(new Entry(code, pageIndex, next, nextIndex, entryOff, maxLoop, maxStraight, localBytes, wordLogic));
        }
    }
}
