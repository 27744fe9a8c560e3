import com.github.luben.zstd.ZstdDecompressCtx;
import org.vmckpt.checkpoint.store.ZstdSequences;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark helper, not a test (round 80, memdirty80): each zstd frame of real pack files (docs/FORMAT.md section 4)
 * with its sequence count (ZstdSequences, from the headers) and its decoding CPU on this thread (median of 5 passes
 * after a first), grouped by sequences per KiB of raw data: what -Dvmckpt.restore.rawSeqPerKiB=N would store raw, how
 * much larger the pack would be, and how much decoding CPU a restore would no longer spend.
 *
 *     java -cp cli/target/vmckpt.jar bench/FrameSequences.java REPO/packs/ID.pack [...]
 */
public class FrameSequences {
    public static void main(String[] a) throws Exception {
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        List<byte[]> stored = new ArrayList<>();
        List<Integer> raws = new ArrayList<>();
        long rawFrames = 0, rawFrameBytes = 0;
        for (String f : a) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of(f))).order(ByteOrder.LITTLE_ENDIAN);
            int size = b.capacity();
            int fc = b.getInt(size - 12);
            long[] off = new long[fc + 1];
            for (int i = 0; i < fc; i++) off[i] = b.getLong(size - 20 - 8 * fc + 8 * i);
            for (int i = 0; i < fc; i++) {
                int o = (int) off[i];
                int codec = b.get(o) & 0xff, ulen = b.getInt(o + 4), s = b.getInt(o + 8);
                if (codec != 1) { rawFrames++; rawFrameBytes += s; continue; }
                byte[] st = new byte[s];
                b.get(o + 16, st);
                stored.add(st);
                raws.add(ulen);
            }
        }
        int n = stored.size();
        long[] seq = new long[n];
        long[][] cpu = new long[n][6];
        byte[] out = new byte[64 * 4096];
        try (ZstdDecompressCtx z = new ZstdDecompressCtx()) {
            for (int i = 0; i < n; i++) seq[i] = ZstdSequences.count(stored.get(i), 0, stored.get(i).length);
            for (int rep = 0; rep < 6; rep++) {
                for (int i = 0; i < n; i++) {
                    long c0 = t.getCurrentThreadCpuTime();
                    int got = z.decompressByteArray(out, 0, raws.get(i), stored.get(i), 0, stored.get(i).length);
                    cpu[i][rep] = t.getCurrentThreadCpuTime() - c0;
                    if (got != raws.get(i)) throw new IllegalStateException("frame " + i);
                }
            }
        }
        System.out.printf("%d zstd frames, %d stored as they are (%.1f MiB)%n", n, rawFrames, rawFrameBytes / 1048576.0);
        int[] edges = {0, 8, 16, 32, 48, 64, 96, 128, 1 << 30};
        for (int e = 0; e + 1 < edges.length; e++) {
            long frames = 0, rawB = 0, storedB = 0, ns = 0, unknown = 0, seqs = 0;
            for (int i = 0; i < n; i++) {
                if (seq[i] < 0) { if (e == 0) unknown++; continue; }
                double perKiB = seq[i] * 1024.0 / raws.get(i);
                if (perKiB < edges[e] || perKiB >= edges[e + 1]) continue;
                frames++; rawB += raws.get(i); storedB += stored.get(i).length; seqs += seq[i];
                long[] c = cpu[i].clone();
                java.util.Arrays.sort(c, 1, 6);
                ns += c[3];
            }
            if (frames == 0 && unknown == 0) continue;
            System.out.printf("seq/KiB [%d, %s): %d frames, raw %.1f MiB, stored %.1f MiB (%.1fx), %d sequences, decode %.1f ms (%.0f MB/s of raw)%s%n",
                    edges[e], edges[e + 1] > 1000 ? "inf" : String.valueOf(edges[e + 1]), frames, rawB / 1048576.0, storedB / 1048576.0,
                    storedB == 0 ? 0 : (double) rawB / storedB, seqs, ns / 1e6, ns == 0 ? 0 : rawB / (ns / 1e3), unknown > 0 ? "; unparsed " + unknown : "");
        }
    }
}
