import com.github.luben.zstd.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.file.*;
import java.util.*;

/** Offline: a pack's frames re-compressed independently (as the pack) and through one stream (flush per frame). */
public class Exp {
    static List<byte[]> frames(Path p) throws Exception {
        byte[] all = Files.readAllBytes(p);
        int at = (4 + 1 + "vmckpt-pack".length() + 4) + 16 + 2 + 2 + 4;
        List<byte[]> out = new ArrayList<>();
        ZstdDecompressCtx d = new ZstdDecompressCtx();
        while (at + 16 <= all.length) {
            int codec = all[at] & 0xff;
            int units = (all[at + 2] & 0xff) | (all[at + 3] & 0xff) << 8;
            int raw = ByteBuffer.wrap(all, at + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            int stored = ByteBuffer.wrap(all, at + 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if ((codec != 0 && codec != 1) || units == 0 || units > 64 || raw != units * 4096 || stored <= 0 || stored > raw + 1024) break;
            byte[] f = new byte[raw];
            if (codec == 0) System.arraycopy(all, at + 16, f, 0, raw);
            else d.decompressByteArray(f, 0, raw, all, at + 16, stored);
            out.add(f);
            at += 16 + stored;
        }
        return out;
    }

    public static void main(String[] a) throws Exception {
        List<byte[]> fs = frames(Path.of(a[0]));
        long rawTotal = 0;
        for (byte[] f : fs) rawTotal += f.length;
        System.out.printf("%s: %d frames, %d MiB raw%n", a[0], fs.size(), rawTotal >> 20);
        byte[] dst = new byte[(int) Zstd.compressBound(256 * 1024)];
        for (int rep = 0; rep < 3; rep++) {
            // independent level 1 (the pack's way)
            ZstdCompressCtx c = new ZstdCompressCtx(); c.setLevel(1);
            boolean[] compressible = new boolean[fs.size()];
            long t0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(), bytes = 0;
            for (int i = 0; i < fs.size(); i++) {
                int n = c.compressByteArray(dst, 0, dst.length, fs.get(i), 0, fs.get(i).length);
                compressible[i] = n < fs.get(i).length;
                bytes += compressible[i] ? n : fs.get(i).length;
            }
            long t1 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            // independent decompress
            List<byte[]> packedFrames = new ArrayList<>();
            for (int i = 0; i < fs.size(); i++) if (compressible[i]) { int n = c.compressByteArray(dst, 0, dst.length, fs.get(i), 0, fs.get(i).length); packedFrames.add(Arrays.copyOf(dst, n)); }
            ZstdDecompressCtx dd = new ZstdDecompressCtx();
            byte[] outb = new byte[256 * 1024];
            long t2 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            for (byte[] pf : packedFrames) dd.decompressByteArray(outb, 0, outb.length, pf, 0, pf.length);
            long t3 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            System.out.printf("  independent L1: %d bytes, %.1f ms, decompress %.1f ms%n", bytes, (t1 - t0) / 1e6, (t3 - t2) / 1e6);
            String[] variants = a.length > 1 ? Arrays.copyOfRange(a, 1, a.length) : new String[]{"L1", "L1w23", "L1w23h20", "L1ldm"};
            for (String v : variants) stream(v, fs, compressible);
        }
    }

    static void stream(String v, List<byte[]> fs, boolean[] compressible) {
        ZstdCompressCtx c = new ZstdCompressCtx();
        int level = 1;
        Map<Character, Integer> p = new HashMap<>();
        // variant syntax: L<level> then w<wlog> h<hlog> c<clog> m<minmatch> s<strategy> ldm
        String s = v.startsWith("I") ? v.substring(1) : v;
        boolean ldm = s.contains("ldm"); s = s.replace("ldm", "");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([Lwhcms])(\\d+)").matcher(s);
        while (m.find()) p.put(m.group(1).charAt(0), Integer.parseInt(m.group(2)));
        c.setLevel(p.getOrDefault('L', 1));
        if (p.containsKey('w')) c.setWindowLog(p.get('w'));
        if (p.containsKey('h')) c.setHashLog(p.get('h'));
        if (p.containsKey('c')) c.setChainLog(p.get('c'));
        if (p.containsKey('m')) c.setMinMatch(p.get('m'));
        if (p.containsKey('s')) c.setStrategy(p.get('s'));
        if (ldm) c.setEnableLongDistanceMatching(Zstd.ParamSwitch.ENABLE);
        byte[] outArr = new byte[(int) Zstd.compressBound(256 * 1024) + 1024];
        if (v.startsWith("I")) {
            long a0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(), total = 0;
            for (int i = 0; i < fs.size(); i++) {
                byte[] f = fs.get(i);
                int n = c.compressByteArray(outArr, 0, outArr.length, f, 0, f.length);
                total += n < f.length ? n : f.length;
            }
            long a1 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
            System.out.printf("  indep  %-14s %d bytes, compress %.1f ms%n", v, total, (a1 - a0) / 1e6);
            return;
        }
        List<byte[]> chunks = new ArrayList<>();
        long t0 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime(), bytes = 0;
        for (int i = 0; i < fs.size(); i++) {
            byte[] f = fs.get(i);
            if (!compressible[i]) { bytes += f.length; chunks.add(null); continue; }
            ByteBuffer src = ByteBuffer.wrap(f);
            ByteBuffer out = ByteBuffer.wrap(outArr);
            while (true) {
                boolean done = c.compressByteBufferStream(out, src, EndDirective.FLUSH);
                if (done) break;
            }
            byte[] ch = Arrays.copyOf(outArr, out.position());
            chunks.add(ch);
            bytes += ch.length;
        }
        long t1 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        // decompress and check
        ZstdDecompressCtx d = new ZstdDecompressCtx();
        ByteBuffer in = ByteBuffer.allocateDirect((int) Zstd.compressBound(256 * 1024) + 1024);
        ByteBuffer res = ByteBuffer.allocateDirect(256 * 1024);
        byte[] got = new byte[256 * 1024];
        long t2 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        boolean ok = true;
        for (int i = 0; i < fs.size(); i++) {
            byte[] ch = chunks.get(i);
            if (ch == null) continue;
            in.clear(); in.put(ch); in.flip();
            res.clear();
            while (in.hasRemaining() || res.position() < fs.get(i).length) {
                d.decompressDirectByteBufferStream(res, in);
                if (!in.hasRemaining() && res.position() < fs.get(i).length) { if (res.position() == 0) { ok = false; break; } }
                if (!in.hasRemaining()) break;
            }
            if (res.position() != fs.get(i).length) { ok = false; break; }
            res.flip(); res.get(got, 0, fs.get(i).length);
            if (!Arrays.equals(got, 0, fs.get(i).length, fs.get(i), 0, fs.get(i).length)) { ok = false; break; }
        }
        long t3 = java.lang.management.ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
        System.out.printf("  stream %-14s %d bytes, compress %.1f ms, decompress %.1f ms, ok %s%n", v, bytes, (t1 - t0) / 1e6, (t3 - t2) / 1e6, ok);
        c.close(); d.close();
    }
}
