package org.vmckpt.machine.cpu;

import java.io.FileInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * C1's cost per unit under translator settings, side by side (a benchmark, not a test: it prints figures for
 * docs/BENCHMARKS.md, round 67). Reads a corpus of C1 units' inputs ({@link UnitCorpus}: {@code -Dvmckpt.jit.corpus=FILE}
 * on a real run), and for each unit, in turn for each variant (the order turning every round), generates it again on
 * this thread as the translator thread would ({@link Translator#BACKGROUND_NAME}, so its C1 compile is blocking) and has
 * it compiled at tier 1 through the WhiteBox API. Per unit and variant: the bytecode, this thread's CPU to generate and
 * define it, and the C1 compiler threads' CPU for its compile (their /proc schedstat, nanoseconds), so the figures are
 * CPU, not wall, and each unit is compared with itself. Run with the launcher's JVM options (the WhiteBox jar), e.g.
 * <pre>
 * java -Xbootclasspath/a:whitebox/target/vmckpt-whitebox.jar -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI \
 *   -cp machine/target/classes:machine/target/test-classes:$ASM org.vmckpt.machine.cpu.UnitCompileCostBench \
 *   CORPUS ROUNDS base c1ml
 * </pre>
 * Variants: {@code base} (round 67's defaults: {@link Translator#c1MissLeaves} off) and {@code c1ml} (on); round 67's
 * {@code cmp}, {@code lv} and {@code exitStores} went with their switches in round 83. (Round 67 also measured C1 units reading the TLB's arrays through Unsafe, with and
 * without a helper: docs/BENCHMARKS.md.)
 */
public final class UnitCompileCostBench {
    private UnitCompileCostBench() { }

    /** Sets the translator's switches for {@code variant} (every switch it names; the others at their defaults). */
    static void apply(String variant) {
        Translator.c1MissLeaves = false;
        for (String v : variant.split("\\+")) {
            switch (v) {
                case "base": break;
                case "c1ml": Translator.c1MissLeaves = true; break;
                default: throw new IllegalArgumentException("no variant " + v);
            }
        }
    }

    /** The C1 compiler threads of this JVM ("C1 CompilerThre..."), their ids under /proc/self/task. */
    static List<String> c1Threads() throws IOException {
        List<String> l = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) s::iterator) {
                String comm = Files.readString(t.resolve("comm")).trim();
                if (comm.startsWith("C1 CompilerThre")) l.add(t.getFileName().toString());
            }
        }
        return l;
    }

    /** The C1 threads' CPU so far, ns (schedstat's first field). */
    static long c1Nanos(List<String> tids) throws IOException {
        long n = 0;
        for (String t : tids) {
            n += Long.parseLong(Files.readString(Path.of("/proc/self/task/" + t + "/schedstat")).trim().split(" ")[0]);
        }
        return n;
    }

    public static void main(String[] args) throws Exception {
        List<UnitCorpus.Entry> corpus;
        try (FileInputStream in = new FileInputStream(args[0])) {
            corpus = UnitCorpus.read(in);
        }
        int rounds = Integer.parseInt(args[1]);
        String[] variants = Arrays.copyOfRange(args, 2, args.length);
        HotSpotCompiler hc = HotSpotCompiler.get();
        if (hc == null) throw new IllegalStateException("no WhiteBox API: " + HotSpotCompiler.describe());
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        int n = corpus.size(), v = variants.length;
        long[][] c1 = new long[v][n], gen = new long[v][n];
        int[][] bytes = new int[v][n], insns = new int[v][n];
        int[] refused = new int[v];
        // A first pass of every variant, not counted: the translator's own code and ASM get compiled first.
        for (String var : variants) {
            apply(var);
            for (int i = 0; i < Math.min(n, 40); i++) build(corpus.get(i), hc);
        }
        List<String> tids = c1Threads();
        System.out.println("corpus " + n + " units, C1 threads " + tids + ", variants " + Arrays.toString(variants) + ", rounds " + rounds);
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < v; k++) {
                    int j = (k + i + r) % v; // the order turns per unit and per round
                    apply(variants[j]);
                    long g0 = mx.getCurrentThreadCpuTime();
                    Translator t = new Translator(Translator.BACKGROUND_NAME);
                    t.wordLogic = corpus.get(i).wordLogic();
                    UnitCorpus.Entry e = corpus.get(i);
                    TranslatedUnit u = t.translate(e.code(), e.pageIndex(), e.nextCode(), e.nextIndex(), e.entryOff(), false,
                            e.maxLoop(), e.maxStraight(), e.localBytes());
                    long g1 = mx.getCurrentThreadCpuTime();
                    if (u == null) continue;
                    long c0 = c1Nanos(tids);
                    int tier = hc.requestTier1(u);
                    long c1n = c1Nanos(tids) - c0;
                    if (tier != HotSpotCompiler.TIER_C1) {
                        if (r == 0) refused[j]++;
                        continue;
                    }
                    c1[j][i] += c1n;
                    gen[j][i] += g1 - g0;
                    bytes[j][i] = t.lastBytecodeSize;
                    insns[j][i] = t.liveInstructionsOfLastUnit();
                }
            }
            System.out.printf("round %d done%n", r + 1);
        }
        Map<String, String> rows = new LinkedHashMap<>();
        for (int j = 0; j < v; j++) {
            long c1sum = 0, gsum = 0, bsum = 0, isum = 0;
            int units = 0, lower = 0;
            double[] ratios = new double[n];
            int nr = 0;
            for (int i = 0; i < n; i++) {
                if (c1[j][i] == 0) continue;
                units++;
                c1sum += c1[j][i];
                gsum += gen[j][i];
                bsum += bytes[j][i];
                isum += insns[j][i];
                if (c1[0][i] > 0) {
                    ratios[nr++] = (double) c1[j][i] / c1[0][i];
                    if (c1[j][i] < c1[0][i]) lower++;
                }
            }
            double[] rs = Arrays.copyOf(ratios, nr);
            Arrays.sort(rs);
            double median = nr == 0 ? 0 : rs[nr / 2];
            rows.put(variants[j], String.format(
                    "%-22s units %4d  C1 %8.1f ms (%6.3f ms/unit, %5.1f us/insn)  median ratio to %s %.3f (lower in %d of %d)  generate+define %6.3f ms/unit  bytecode %6.0f B/unit %5.1f B/insn  %5.1f insns/unit  refused %d",
                    variants[j], units, c1sum / 1e6 / rounds, c1sum / 1e6 / rounds / Math.max(units, 1),
                    c1sum / 1e3 / rounds / Math.max(isum, 1), variants[0], median, lower, nr, gsum / 1e6 / rounds / Math.max(units, 1),
                    (double) bsum / Math.max(units, 1), (double) bsum / Math.max(isum, 1), (double) isum / Math.max(units, 1), refused[j]));
        }
        rows.values().forEach(System.out::println);
        String per = System.getProperty("perUnit"); // a file for each unit's figures: index, then per variant bytes insns c1ns gen-ns
        if (per != null) {
            StringBuilder b = new StringBuilder("# unit");
            for (String var : variants) b.append(' ').append(var).append(":bytes,insns,c1ns,genns");
            b.append('\n');
            for (int i = 0; i < n; i++) {
                b.append(i);
                for (int j = 0; j < v; j++) {
                    b.append(' ').append(bytes[j][i]).append(' ').append(insns[j][i]).append(' ').append(c1[j][i] / rounds)
                            .append(' ').append(gen[j][i] / rounds);
                }
                b.append('\n');
            }
            Files.writeString(Path.of(per), b);
        }
    }

    private static void build(UnitCorpus.Entry e, HotSpotCompiler hc) {
        Translator t = new Translator(Translator.BACKGROUND_NAME);
        t.wordLogic = e.wordLogic();
        TranslatedUnit u = t.translate(e.code(), e.pageIndex(), e.nextCode(), e.nextIndex(), e.entryOff(), false,
                e.maxLoop(), e.maxStraight(), e.localBytes());
        if (u != null) hc.requestTier1(u);
    }
}
