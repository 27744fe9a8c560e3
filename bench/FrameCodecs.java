import com.github.luben.zstd.*;
import net.jpountz.lz4.*;
import java.lang.management.*;
import java.nio.*;
import java.nio.file.*;
import java.util.*;

/**
 * A benchmark helper, not a test (round 62, codec62): which frame codec decodes pack frames fastest at what size.
 * Reads checkpoint pack files (docs/FORMAT.md section 4), decodes every frame to its raw 256 KiB, then for each
 * candidate encoding compresses all frames once (size, compression CPU) and decodes them all 5 times on this one
 * thread, interleaved with the others, printing the median decode CPU and the raw MB/s it makes. With "pattern:N" as
 * a file, N MiB of memdirty's fill pattern (guest/workloads/memdirty.c) are used instead of a pack.
 *
 * LZ4 is not a dependency of vmckpt: fetch it once with {@code mvn -B dependency:get -Dartifact=at.yawk.lz4:lz4-java:1.14.1}.
 *
 *     java -Xmx8g -cp cli/target/vmckpt.jar:$HOME/.m2/repository/at/yawk/lz4/lz4-java/1.14.1/lz4-java-1.14.1.jar \
 *         bench/FrameCodecs.java REPO/packs/ID.pack [...]      (-DmaxFrames=N: N frames spread over the packs)
 *     java -Ddump=FILE -cp ... (the raw frames into FILE, for zstd -b1 -B262144 -T1 / lz4 -b1 -B262144 on the same bytes)
 */
public class FrameCodecs {
    interface Enc { int encode(byte[] src, byte[] dst); }
    interface Dec { void decode(byte[] src, int len, byte[] dst); }
    record Cand(String name, Enc enc, Dec dec) {}

    public static void main(String[] a) throws Exception {
        List<byte[]> frames = new ArrayList<>();
        for (String f : a) {
            if (f.startsWith("pattern:")) {
                int mib = Integer.parseInt(f.substring(8));
                for (int fr = 0; fr < mib * 4; fr++) {
                    ByteBuffer b = ByteBuffer.allocate(64 * 4096).order(ByteOrder.LITTLE_ENDIAN);
                    for (int p = 0; p < 64; p++) {
                        long page = 70000 + fr * 64L + p;
                        for (int i = 0; i < 512; i++) b.putLong((page << 12 | i) | 0x8000000000000000L);
                    }
                    frames.add(b.array());
                }
                continue;
            }
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
                if (ulen == 64 * 4096) frames.add(codec == 1 ? Zstd.decompress(st, ulen) : st);
            }
        }
        int max = Integer.getInteger("maxFrames", Integer.MAX_VALUE); // -DmaxFrames=N: every k-th frame, N in all
        if (frames.size() > max) {
            List<byte[]> some = new ArrayList<>();
            for (int i = 0; i < max; i++) some.add(frames.get((int) ((long) i * frames.size() / max)));
            frames = some;
        }
        String dump = System.getProperty("dump"); // -Ddump=FILE: write the raw frames there for the CLIs' -b, and stop
        if (dump != null) {
            try (var o = Files.newOutputStream(Path.of(dump))) {
                for (byte[] fr : frames) o.write(fr);
            }
            return;
        }
        long raw = frames.stream().mapToLong(x -> x.length).sum();
        System.out.printf("%d frames, %.1f MiB raw%n", frames.size(), raw / 1048576.0);

        List<Cand> cands = new ArrayList<>();
        for (int lvl : new int[]{1, -1, -3, -5, -7}) {
            ZstdCompressCtx c = new ZstdCompressCtx().setChecksum(false).setLevel(lvl);
            cands.add(zstd("zstd " + lvl, c));
        }
        cands.add(zstd("zstd 1 mml7", new ZstdCompressCtx().setChecksum(false).setLevel(1).setMinMatch(7)));
        cands.add(zstd("zstd 3", new ZstdCompressCtx().setChecksum(false).setLevel(3)));
        LZ4Factory nat = LZ4Factory.fastestInstance();
        LZ4Factory java = LZ4Factory.safeInstance();
        System.out.println("lz4 fastest instance: " + nat);
        LZ4Compressor fast = nat.fastCompressor();
        LZ4Compressor hc = nat.highCompressor(9);
        cands.add(lz4("lz4 fast, native dec", fast, nat.safeDecompressor()));
        cands.add(lz4("lz4 fast, java dec", fast, java.safeDecompressor()));
        cands.add(lz4("lz4 hc9, native dec", hc, nat.safeDecompressor()));
        cands.add(lz4("lz4 hc9, java dec", hc, java.safeDecompressor()));
        cands.add(lz4("lz4 fast.8 native dec", nat.fastCompressor(), nat.safeDecompressor()));

        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        int n = cands.size();
        byte[][][] enc = new byte[n][frames.size()][];
        int[][] lens = new int[n][frames.size()];
        long[] sizes = new long[n], ccpu = new long[n];
        byte[] tmp = new byte[(int) Zstd.compressBound(64 * 4096) + 4096];
        for (int v = 0; v < n; v++) {
            long c0 = t.getCurrentThreadCpuTime();
            for (int i = 0; i < frames.size(); i++) {
                int len = cands.get(v).enc.encode(frames.get(i), tmp);
                enc[v][i] = Arrays.copyOf(tmp, len);
                lens[v][i] = len;
                sizes[v] += Math.min(len, frames.get(i).length); // a frame that does not shrink is stored raw
            }
            ccpu[v] = t.getCurrentThreadCpuTime() - c0;
        }
        byte[] out = new byte[64 * 4096];
        List<List<Long>> dcpu = new ArrayList<>();
        for (int v = 0; v < n; v++) dcpu.add(new ArrayList<>());
        for (int rep = 0; rep < 6; rep++) {
            for (int v = 0; v < n; v++) {
                long c0 = t.getCurrentThreadCpuTime();
                for (int i = 0; i < frames.size(); i++) {
                    if (lens[v][i] >= frames.get(i).length) System.arraycopy(frames.get(i), 0, out, 0, out.length);
                    else cands.get(v).dec.decode(enc[v][i], lens[v][i], out);
                }
                long c1 = t.getCurrentThreadCpuTime();
                if (rep > 0) dcpu.get(v).add(c1 - c0);
                if (rep == 0 && !Arrays.equals(out, frames.get(frames.size() - 1))) throw new AssertionError(cands.get(v).name + " round trip");
            }
        }
        System.out.printf("%-24s %10s %7s %12s %14s %12s%n", "codec", "stored MB", "ratio", "comp ms CPU", "decode ms CPU", "decode MB/s");
        for (int v = 0; v < n; v++) {
            List<Long> d = dcpu.get(v);
            Collections.sort(d);
            double med = d.get(d.size() / 2) / 1e6;
            System.out.printf("%-24s %10.1f %7.2f %12.0f %14.1f %12.0f%n", cands.get(v).name, sizes[v] / 1e6, (double) raw / sizes[v],
                    ccpu[v] / 1e6, med, raw / 1e6 / (med / 1e3));
        }
    }

    static Cand zstd(String name, ZstdCompressCtx c) {
        ZstdDecompressCtx d = new ZstdDecompressCtx();
        return new Cand(name, (src, dst) -> c.compressByteArray(dst, 0, dst.length, src, 0, src.length),
                (src, len, dst) -> d.decompressByteArray(dst, 0, dst.length, src, 0, len));
    }

    static Cand lz4(String name, LZ4Compressor c, LZ4SafeDecompressor d) {
        return new Cand(name, (src, dst) -> c.compress(src, 0, src.length, dst, 0, dst.length),
                (src, len, dst) -> {
                    int k = d.decompress(src, 0, len, dst, 0, dst.length);
                    if (k != dst.length) throw new AssertionError("lz4 " + k);
                });
    }
}
