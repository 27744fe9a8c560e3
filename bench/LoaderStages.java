import com.github.luben.zstd.ZstdDecompressCtx;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * A benchmark helper, not a test (round 77, restore77): what an eager restore's DATA loader does per byte, stage by
 * stage, on one thread, over the frames of real pack files (docs/FORMAT.md section 4), as {@code BatchReader} does them
 * with the old-generation window's direct buffers (the default eager path): one positional read of 16 frames into a
 * direct buffer, each frame's CRC32C (12 header bytes and its stored bytes), zstd into a 256 KiB direct buffer, each
 * page copied into a new 4 KiB array. Each stage is timed alone over all frames (thread CPU and wall, ms per MiB of
 * raw pages, i.e. of guest memory restored), and the copy twice: into fresh heap (this JVM's eden never touched: the
 * first touch of the memory, as the window's old-generation arrays meet it) and into heap touched before (the same
 * eden after a collection). Then the floors: a memset of fresh memory by the JVM (new arrays, nothing copied), and one
 * System.arraycopy of the raw size between two touched arrays (memcpy).
 *
 *     java -XX:+UseParallelGC -XX:+UseTransparentHugePages -Xms3g -Xmx3g -Xmn2g [-XX:TieredStopAtLevel=1] \
 *         -cp cli/target/vmckpt.jar bench/LoaderStages.java REPO/packs/ID.pack [...]
 *
 * -Xmn must hold every page of the packs (eden is where the fresh arrays go); the restore's loop runs in C1's code
 * (RestoreCompilerDirectives), hence TieredStopAtLevel=1 for its figures.
 */
public class LoaderStages {
    static final int UNIT = 4096, FRAME_HEADER = 16, TRAILER = 20, BATCH = 16;
    static final ThreadMXBean T = ManagementFactory.getThreadMXBean();

    record Pack(FileChannel ch, long[] extents, ByteBuffer map) { }

    /** -Dmap=true: the frames read where a read-only mapping of the pack shows them (-Dvmckpt.restore.mapPacks), no pread. */
    static final boolean MAP = Boolean.getBoolean("map");

    static long cpu() {
        return T.getCurrentThreadCpuTime();
    }

    public static void main(String[] args) throws Exception {
        List<Pack> packs = new ArrayList<>();
        long stored = 0, raw = 0;
        for (String a : args) {
            FileChannel ch = FileChannel.open(Path.of(a), StandardOpenOption.READ);
            long size = ch.size();
            ByteBuffer tr = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(tr, size - TRAILER);
            long units = tr.getLong(0);
            int frames = tr.getInt(8);
            ByteBuffer ix = ByteBuffer.allocate(8 * frames).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(ix, size - TRAILER - 8L * frames);
            long[] ext = new long[frames + 1];
            for (int f = 0; f < frames; f++) ext[f] = ix.getLong(8 * f);
            ext[frames] = size - TRAILER - 8L * frames;
            packs.add(new Pack(ch, ext, MAP ? ch.map(FileChannel.MapMode.READ_ONLY, 0, ext[frames]).order(ByteOrder.LITTLE_ENDIAN) : null));
            stored += ext[frames] - ext[0];
            raw += units * UNIT;
        }
        double mib = raw / 1048576.0;
        System.out.printf((MAP ? "MAPPED (no pread: the read stage is 0) " : "") + "packs %d, stored %.1f MiB, raw pages %.1f MiB (%d pages); per MiB below: of raw pages%n",
                packs.size(), stored / 1048576.0, mib, raw / UNIT);
        int reps = Integer.getInteger("reps", 3);
        ByteBuffer rawBuf = ByteBuffer.allocateDirect(BATCH * (64 * UNIT + FRAME_HEADER + 64)).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer decoded = ByteBuffer.allocateDirect(64 * UNIT);
        ZstdDecompressCtx zstd = new ZstdDecompressCtx();
        byte[][] keep = new byte[(int) (raw / UNIT) + 64][];
        // Each rep: read alone, read+crc, read+crc+zstd, then (the first rep's fresh heap, later reps' touched heap)
        // read+crc+zstd+copy; stage = difference of successive passes.
        for (int rep = 0; rep < reps; rep++) {
            double[] r = pass(packs, rawBuf, decoded, zstd, null, 0);
            double[] c = pass(packs, rawBuf, decoded, zstd, null, 1);
            double[] z = pass(packs, rawBuf, decoded, zstd, null, 2);
            Arrays.fill(keep, null);
            if (rep > 0) System.gc(); // the eden the previous copy filled, emptied: touched memory from here on
            double[] k = pass(packs, rawBuf, decoded, zstd, keep, 3);
            System.out.printf("rep %d: read %.3f ms/MiB (wall %.3f), crc32c %.3f (%.3f), zstd %.3f (%.3f), copy into %s heap %.3f (%.3f) [cpu ms: %.0f %.0f %.0f %.0f]%n",
                    rep, r[0] / mib, r[1] / mib, (c[0] - r[0]) / mib, (c[1] - r[1]) / mib, (z[0] - c[0]) / mib, (z[1] - c[1]) / mib,
                    rep == 0 ? "FRESH" : "touched", (k[0] - z[0]) / mib, (k[1] - z[1]) / mib, r[0], c[0], z[0], k[0]);
        }
        Arrays.fill(keep, null);
        System.gc();
        // Floors: fresh memory zeroed by the JVM (new arrays into the part of eden never used: above what the copies
        // filled, so -Xmn must be > 2x the raw size for this to be fresh), and a memcpy between touched arrays.
        byte[][] filler = new byte[keep.length][];
        for (int i = 0; i < filler.length; i++) filler[i] = new byte[UNIT]; // eden's first part, touched already
        long c0 = cpu(), w0 = System.nanoTime();
        for (int i = 0; i < keep.length; i++) keep[i] = new byte[UNIT];
        double zeroCpu = (cpu() - c0) / 1e6, zeroWall = (System.nanoTime() - w0) / 1e6;
        System.out.printf("new byte[4096] x %d into eden beyond the copies' (fresh unless -Xmn < 2x raw): %.3f ms/MiB (wall %.3f)%n",
                keep.length, zeroCpu / mib, zeroWall / mib);
        filler = null;
        Arrays.fill(keep, null);
        System.gc();
        byte[] a = new byte[(int) raw], b = new byte[(int) raw];
        Arrays.fill(a, (byte) 1);
        Arrays.fill(b, (byte) 2);
        for (int i = 0; i < 3; i++) {
            c0 = cpu();
            w0 = System.nanoTime();
            System.arraycopy(a, 0, b, 0, a.length);
            System.out.printf("memcpy of %.1f MiB between touched arrays: %.3f ms/MiB (wall %.3f) = %.0f MB/s%n", mib,
                    (cpu() - c0) / 1e6 / mib, (System.nanoTime() - w0) / 1e6 / mib, raw / 1e6 / ((System.nanoTime() - w0) / 1e9));
        }
    }

    /** One pass over every frame: 0 read, 1 + crc, 2 + zstd, 3 + copy into new arrays kept in {@code keep}. {cpu, wall} ms. */
    static double[] pass(List<Pack> packs, ByteBuffer rawBuf, ByteBuffer decoded, ZstdDecompressCtx zstd, byte[][] keep, int upTo) throws Exception {
        long c0 = cpu(), w0 = System.nanoTime();
        int page = 0;
        CRC32C crc = new CRC32C();
        for (Pack p : packs) {
            int frames = p.extents.length - 1;
            for (int f0 = 0; f0 < frames; f0 += BATCH) {
                int n = Math.min(BATCH, frames - f0);
                int len = (int) (p.extents[f0 + n] - p.extents[f0]);
                long pos = p.extents[f0];
                if (p.map != null) {
                    rawBuf = p.map;
                    pos = 0;
                } else {
                    rawBuf.clear().limit(len);
                    while (rawBuf.hasRemaining()) p.ch.read(rawBuf, pos + rawBuf.position());
                }
                if (upTo < 1) continue;
                for (int f = f0; f < f0 + n; f++) {
                    int at = (int) (p.extents[f] - pos);
                    int flen = (int) (p.extents[f + 1] - p.extents[f]);
                    int codec = rawBuf.get(at) & 0xff;
                    int units = rawBuf.getShort(at + 2) & 0xffff;
                    int uncompressed = rawBuf.getInt(at + 4);
                    int st = rawBuf.getInt(at + 8);
                    long want = rawBuf.getInt(at + 12) & 0xffffffffL;
                    crc.reset();
                    crc.update(rawBuf.slice(at, 12));
                    crc.update(rawBuf.slice(at + FRAME_HEADER, flen - FRAME_HEADER));
                    if (crc.getValue() != want) throw new IllegalStateException("CRC mismatch in frame " + f);
                    if (upTo < 2) continue;
                    ByteBuffer src;
                    int srcAt;
                    if (codec == 0) {
                        src = rawBuf;
                        srcAt = at + FRAME_HEADER;
                    } else {
                        int got = zstd.decompressDirectByteBuffer(decoded, 0, uncompressed, rawBuf, at + FRAME_HEADER, st);
                        if (got != uncompressed) throw new IllegalStateException("frame " + f + " decoded to " + got);
                        src = decoded;
                        srcAt = 0;
                    }
                    if (upTo < 3) continue;
                    for (int u = 0; u < units; u++) {
                        byte[] pg = new byte[UNIT];
                        src.get(srcAt + u * UNIT, pg, 0, UNIT);
                        keep[page++] = pg;
                    }
                }
            }
        }
        return new double[] {(cpu() - c0) / 1e6, (System.nanoTime() - w0) / 1e6};
    }
}
