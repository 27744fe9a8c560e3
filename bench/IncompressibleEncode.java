import com.github.luben.zstd.Zstd;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.IncompressibleRun;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A benchmark helper, not a test: re-encodes real checkpoint packs (docs/FORMAT.md section 4; not encrypted) through
 * the pack writer's own encoder (FrameCompressor.Encoder, reached by reflection: it is package-private), frame by frame
 * on one thread as the writer's one compression thread does on 2 cores, with the incompressible-run sampler on and
 * off (IncompressibleRun, -Dvmckpt.compress.sampleRuns), and with --base-jar the encoder of another build (main's: its
 * classes in a class loader of their own), interleaved (each variant first in turn), REPS times. Prints per checkpoint
 * and repetition the thread's CPU ms and the frames' bytes, and checks that every variant gives the first one's frames.
 * The first repetition is the process's cold one (the JIT has not compiled the encoder yet): printed, and left out of
 * the medians.
 *
 *     java -cp cli/target/vmckpt.jar bench/IncompressibleEncode.java [--reps 7] [--level 1] [--base-jar JAR] NAME=PACK[,PACK...] ...
 *
 * (bench/incompressible-packs.sh makes such checkpoints and prints their NAME=PACK arguments.)
 */
public class IncompressibleEncode {
    private static final int UNIT = 4096;

    public static void main(String[] a) throws Exception {
        int reps = 7;
        int level = Codec.DEFAULT_ZSTD_LEVEL;
        String baseJar = null;
        List<String> names = new ArrayList<>();
        List<List<byte[][]>> checkpoints = new ArrayList<>();
        List<int[]> counts = new ArrayList<>();
        for (int i = 0; i < a.length; i++) {
            if (a[i].equals("--reps")) { reps = Integer.parseInt(a[++i]); continue; }
            if (a[i].equals("--level")) { level = Integer.parseInt(a[++i]); continue; }
            if (a[i].equals("--base-jar")) { baseJar = a[++i]; continue; }
            int eq = a[i].indexOf('=');
            names.add(a[i].substring(0, eq));
            List<byte[][]> frames = new ArrayList<>();
            List<Integer> n = new ArrayList<>();
            for (String pack : a[i].substring(eq + 1).split(",")) readPack(Path.of(pack), frames, n);
            checkpoints.add(frames);
            counts.add(n.stream().mapToInt(Integer::intValue).toArray());
        }
        List<Variant> variants = new ArrayList<>();
        ClassLoader own = IncompressibleEncode.class.getClassLoader();
        if (baseJar != null) {
            // The base jar's classes in a loader of their own (beside this jar's): its encoder as it was.
            ClassLoader base = new URLClassLoader(new URL[]{Path.of(baseJar).toUri().toURL()}, ClassLoader.getPlatformClassLoader());
            variants.add(new Variant("base", false, base, level, null));
        }
        variants.add(new Variant("off", false, own, level, false));
        variants.add(new Variant("on", false, own, level, true));
        if (baseJar != null) variants.add(new Variant("base", true, new URLClassLoader(new URL[]{Path.of(baseJar).toUri().toURL()},
                ClassLoader.getPlatformClassLoader()), level, null));
        variants.add(new Variant("off", true, own, level, false));
        variants.add(new Variant("on", true, own, level, true));
        int v = variants.size();
        ThreadMXBean t = ManagementFactory.getThreadMXBean();
        System.out.printf("zstd level %d, %d repetitions, variants interleaved (rotated each repetition)%s%n", level, reps,
                baseJar == null ? "" : "; base: " + baseJar);
        for (int c = 0; c < names.size(); c++) {
            long units = Arrays.stream(counts.get(c)).sum();
            System.out.printf("%s: %d frames, %.1f MiB of units%n", names.get(c), checkpoints.get(c).size(), units * UNIT / 1048576.0);
        }
        long[][][] ms = new long[names.size()][v][reps];
        long[][] bytes = new long[names.size()][v];
        for (int rep = 0; rep < reps; rep++) {
            for (int c = 0; c < names.size(); c++) {
                List<byte[][]> frames = checkpoints.get(c);
                int[] n = counts.get(c);
                byte[][][] out = new byte[v][frames.size()][];
                for (int k = 0; k < v; k++) {
                    int x = (k + rep) % v; // each variant first in turn
                    Variant var = variants.get(x);
                    Object enc = var.make();
                    long c0 = t.getCurrentThreadCpuTime();
                    for (int f = 0; f < frames.size(); f++) out[x][f] = var.encode(enc, f, frames.get(f), n[f]);
                    long c1 = t.getCurrentThreadCpuTime();
                    if (var.close != null) var.close.invoke(enc);
                    long size = 0;
                    for (byte[] fr : out[x]) size += fr.length;
                    ms[c][x][rep] = (c1 - c0) / 1_000_000;
                    bytes[c][x] = size;
                    System.out.printf("rep %d%s %-10s %-14s CPU %5d ms  %,d bytes%s%n", rep, rep == 0 ? " (cold)" : "", names.get(c), var.name,
                            ms[c][x][rep], size, var.runOf(enc));
                }
                for (int x = 0; x < v; x++) {
                    int first = 0;
                    while (variants.get(first).migration != variants.get(x).migration) first++;
                    if (first == x) continue;
                    int same = 0;
                    for (int f = 0; f < frames.size(); f++) if (Arrays.equals(out[first][f], out[x][f])) same++;
                    System.out.printf("rep %d %-10s frames of %s identical to %s's: %d of %d%n", rep, names.get(c), variants.get(x).name,
                            variants.get(first).name, same, frames.size());
                }
            }
        }
        System.out.println("medians of repetitions 1.." + (reps - 1) + " [range] (CPU ms per checkpoint), bytes:");
        for (int c = 0; c < names.size(); c++) {
            for (int x = 0; x < v; x++) {
                System.out.printf("%-10s %-14s %5d ms [%s]  %,d bytes%n", names.get(c), variants.get(x).name, median(ms[c][x]),
                        range(ms[c][x]), bytes[c][x]);
            }
        }
    }

    /**
     * One encoder to measure: a jar's FrameCompressor.Encoder, or its migration/PageFrames (a PAGES frame of the units as
     * data pages, at level 1; the payload copied out of its reused buffer), both package-private, so reached by
     * reflection; and its switch (null: a build without it).
     */
    private static final class Variant {
        final String name;
        final boolean migration;
        final Constructor<?> constructor;
        final Object[] args;
        final Method encode;
        final Method close;
        final Field run;
        Method array;
        Method length;
        final int[] index = new int[64];

        Variant(String name, boolean migration, ClassLoader loader, int level, Boolean sampleRuns) throws Exception {
            this.name = (migration ? "migration " : "pack ") + name;
            this.migration = migration;
            if (migration) {
                Class<?> frames = Class.forName("org.vmckpt.checkpoint.migration.PageFrames", true, loader);
                constructor = sampleRuns == null ? frames.getDeclaredConstructor() : frames.getDeclaredConstructor(boolean.class);
                args = sampleRuns == null ? new Object[0] : new Object[]{sampleRuns};
                constructor.setAccessible(true);
                encode = frames.getDeclaredMethod("encodePagesShared", int[].class, byte[][].class, long[].class, byte[][].class, long[].class, int.class);
                encode.setAccessible(true);
                close = null;
                run = sampleRuns == null ? null : frames.getDeclaredField("run");
                if (run != null) run.setAccessible(true);
                return;
            }
            Class<?> encoder = Class.forName("org.vmckpt.checkpoint.store.FrameCompressor$Encoder", true, loader);
            Class<?> codec = Class.forName("org.vmckpt.checkpoint.store.Codec", true, loader);
            Object zstd = codec.getField("ZSTD").get(null);
            if (sampleRuns == null) {
                constructor = encoder.getDeclaredConstructor(codec, int.class);
                args = new Object[]{zstd, level};
                run = null;
            } else {
                constructor = encoder.getDeclaredConstructor(codec, int.class, boolean.class);
                args = new Object[]{zstd, level, sampleRuns};
                run = encoder.getDeclaredField("run");
                run.setAccessible(true);
            }
            constructor.setAccessible(true);
            encode = encoder.getDeclaredMethod("encode", byte[][].class, int.class);
            encode.setAccessible(true);
            close = encoder.getDeclaredMethod("close");
            close.setAccessible(true);
        }

        Object make() throws Exception {
            return constructor.newInstance(args);
        }

        /** Frame {@code f}: a pack frame, or a PAGES payload copied out of the frames' buffer. */
        byte[] encode(Object enc, int f, byte[][] units, int n) throws Exception {
            if (!migration) return (byte[]) encode.invoke(enc, units, n);
            for (int k = 0; k < n; k++) index[k] = f * 64 + k;
            Object w = encode.invoke(enc, index, units, null, null, null, n);
            if (array == null) {
                array = w.getClass().getDeclaredMethod("array");
                array.setAccessible(true);
                length = w.getClass().getDeclaredMethod("length");
                length.setAccessible(true);
            }
            return Arrays.copyOf((byte[]) array.invoke(w), (int) length.invoke(w));
        }

        /** What the encoder's run did, if it has one. */
        String runOf(Object enc) throws Exception {
            if (run == null) return "";
            IncompressibleRun r = (IncompressibleRun) run.get(enc);
            return "  whole attempts " + r.wholeAttempts() + ", stored on the sample " + r.skipped();
        }
    }

    private static long median(long[] all) {
        long[] x = Arrays.copyOfRange(all, 1, all.length);
        Arrays.sort(x);
        return x.length == 0 ? -1 : x[x.length / 2];
    }

    private static String range(long[] all) {
        long[] x = Arrays.copyOfRange(all, 1, all.length);
        Arrays.sort(x);
        return x.length == 0 ? "" : x[0] + "-" + x[x.length - 1];
    }

    /** Appends the pack's frames, each as its units (decompressed), and their unit counts. */
    private static void readPack(Path path, List<byte[][]> frames, List<Integer> counts) throws Exception {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
        int size = b.capacity();
        int fc = b.getInt(size - 12);
        for (int i = 0; i < fc; i++) {
            int o = (int) b.getLong(size - 20 - 8 * fc + 8 * i);
            int codec = b.get(o) & 0xff;
            if ((codec & ~1) != 0) throw new IllegalArgumentException(path + ": frame " + i + " has codec " + codec + " (encrypted?)");
            int count = (b.get(o + 2) & 0xff) | (b.get(o + 3) & 0xff) << 8;
            int ulen = b.getInt(o + 4);
            int stored = b.getInt(o + 8);
            byte[] st = new byte[stored];
            b.get(o + 16, st);
            byte[] raw = codec == 1 ? Zstd.decompress(st, ulen) : st;
            byte[][] units = new byte[count][];
            for (int u = 0; u < count; u++) units[u] = Arrays.copyOfRange(raw, u * UNIT, (u + 1) * UNIT);
            frames.add(units);
            counts.add(count);
        }
    }
}
