import com.github.luben.zstd.*;
import java.lang.management.*;
import java.nio.*;
import java.nio.file.*;
import java.util.*;

/**
 * A benchmark helper, not a test: reads checkpoint pack files (docs/FORMAT.md section 4), decompresses every frame, then
 * compresses the frames again with a few zstd settings, interleaved, 7 times, and prints each setting's median thread
 * CPU, its bytes against level 1's, and the CPU of decompressing its frames (last 3 repetitions). Edit the variants below.
 *
 *     java -cp cli/target/vmckpt.jar bench/ZstdPackParams.java REPO/packs/ID.pack [...]
 */
public class ZstdPackParams {
    public static void main(String[] a) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (String f : a) {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(Path.of(f))).order(ByteOrder.LITTLE_ENDIAN);
            int size = b.capacity();
            int fc = b.getInt(size - 12);
            long[] off = new long[fc + 1];
            for (int i = 0; i < fc; i++) off[i] = b.getLong(size - 20 - 8 * fc + 8 * i);
            off[fc] = size - 20 - 8L * fc;
            for (int i = 0; i < fc; i++) {
                int o = (int) off[i];
                int codec = b.get(o) & 0xff, ulen = b.getInt(o + 4), s = b.getInt(o + 8);
                byte[] st = new byte[s];
                b.get(o + 16, st);
                frames.add(codec == 1 ? Zstd.decompress(st, ulen) : st);
            }
        }
        long raw = frames.stream().mapToLong(x -> x.length).sum();
        System.out.printf("%d frames, %.1f MiB raw%n", frames.size(), raw / 1048576.0);
        String[] names = {"L1", "L1 mml7", "L1 mml5", "L1 mml4", "L-1", "L-2 mml7", "L1 mml7 hlog12"};
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        byte[] out = new byte[(int) Zstd.compressBound(64 * 4096)];
        List<List<Long>> cpus = new ArrayList<>(); long[] sizes = new long[names.length];
        for (int v = 0; v < names.length; v++) cpus.add(new ArrayList<>());
        ZstdCompressCtx[] ctx = new ZstdCompressCtx[names.length];
        for (int v = 0; v < names.length; v++) {
            ZstdCompressCtx c = new ZstdCompressCtx(); c.setChecksum(false);
            switch (v) {
                case 0 -> c.setLevel(1);
                case 1 -> { c.setLevel(1); c.setMinMatch(7); }
                case 2 -> { c.setLevel(1); c.setMinMatch(5); }
                case 3 -> { c.setLevel(1); c.setMinMatch(4); }
                case 4 -> { c.setLevel(-1); }
                case 5 -> { c.setLevel(-2); c.setMinMatch(7); }
                case 6 -> { c.setLevel(1); c.setMinMatch(7); c.setHashLog(12); }
            }
            ctx[v] = c;
        }
        long[] dcpu = new long[names.length];
        for (int rep = 0; rep < 7; rep++) {
            for (int v = 0; v < names.length; v++) {
                long c0 = t.getCurrentThreadCpuTime(); long sz = 0;
                for (byte[] f : frames) { int n = ctx[v].compressByteArray(out, 0, out.length, f, 0, f.length); sz += Math.min(n, f.length); }
                long c1 = t.getCurrentThreadCpuTime();
                cpus.get(v).add((c1 - c0) / 1_000_000); sizes[v] = sz;
                if (rep >= 4) {
                    ZstdDecompressCtx d = new ZstdDecompressCtx(); byte[] back = new byte[64 * 4096]; long dt = 0;
                    for (byte[] f : frames) { int n = ctx[v].compressByteArray(out, 0, out.length, f, 0, f.length);
                        long d0 = t.getCurrentThreadCpuTime(); d.decompressByteArray(back, 0, f.length, out, 0, n); dt += t.getCurrentThreadCpuTime() - d0; }
                    dcpu[v] += dt / 1_000_000;
                }
            }
        }
        for (int v = 0; v < names.length; v++) {
            List<Long> l = new ArrayList<>(cpus.get(v)); Collections.sort(l);
            System.out.printf("%-10s CPU ms median %d (all %s), bytes %.2f MiB (%.4f of L1), decompress CPU ms %d (sum of 3)%n", names[v], l.get(l.size() / 2), cpus.get(v), sizes[v] / 1048576.0, sizes[v] / (double) sizes[0], dcpu[v]);
        }
    }
}
