package org.vmckpt.machine.cpu;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * C2's cost per hot-tier build under translator settings, side by side (a benchmark, not a test: it prints figures for
 * docs/BENCHMARKS.md, round 82; UnitCompileCostBench's way for C2). Reads a corpus of C1 units' inputs
 * ({@link UnitCorpus}: {@code -Dvmckpt.jit.corpus=FILE} on a real run), keeps the entries whose key (physical page
 * index * 4096 + entry offset, as the hot log names builds) is in KEYS (the last recorded entry of each), and for each,
 * in turn for each variant (the order turning every round and key), generates its hot-tier build as the code cache
 * would ({@code translate(..., hot = true, ...)}) and has it compiled at tier 4 through the WhiteBox API, waiting for
 * C2's code. Per build and variant: the bytecode, the instructions, and the C2 compiler threads' CPU for the compile
 * (their /proc schedstat, nanoseconds): CPU, not wall, and each build compared with itself. C2 compiles here without
 * tier 3's profile (the real path has one), the same for every variant.
 * <pre>
 * java -Xbootclasspath/a:whitebox/target/vmckpt-whitebox.jar -XX:+UnlockDiagnosticVMOptions -XX:+WhiteBoxAPI \
 *   -XX:CICompilerCount=2 -cp machine/target/classes:machine/target/test-classes:$ASM \
 *   org.vmckpt.machine.cpu.HotCompileCostBench CORPUS ROUNDS 6ae432,72f8e6 base base
 * </pre>
 * Variants: {@code base} (the defaults); round 82's {@code pageRegsN}, {@code pageRegsInlineN}, {@code groups} and
 * {@code basePagesN} went with their switches (retired in round 84). A new setting is a new variant in {@link #apply}.
 */
public final class HotCompileCostBench {
    private HotCompileCostBench() { }

    static void apply(String variant) {
        for (String v : variant.split("\\+")) {
            if (!v.equals("base")) throw new IllegalArgumentException("no variant " + v);
        }
    }

    /** The C2 compiler threads of this JVM ("C2 CompilerThre..."), their ids under /proc/self/task. */
    static List<String> c2Threads() throws IOException {
        List<String> l = new ArrayList<>();
        try (var s = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) s::iterator) {
                String comm = Files.readString(t.resolve("comm")).trim();
                if (comm.startsWith("C2 CompilerThre")) l.add(t.getFileName().toString());
            }
        }
        return l;
    }

    public static void main(String[] args) throws Exception {
        List<UnitCorpus.Entry> corpus;
        try (FileInputStream in = new FileInputStream(args[0])) {
            corpus = UnitCorpus.read(in);
        }
        int rounds = Integer.parseInt(args[1]);
        String[] keyArgs = args[2].split(",");
        String[] variants = Arrays.copyOfRange(args, 3, args.length);
        Map<Long, UnitCorpus.Entry> byKey = new LinkedHashMap<>();
        for (String k : keyArgs) byKey.put(Long.parseLong(k, 16), null);
        for (UnitCorpus.Entry e : corpus) {
            long key = e.pageIndex() * 4096L + e.entryOff();
            if (byKey.containsKey(key)) byKey.put(key, e);
        }
        List<Long> keys = new ArrayList<>();
        for (var me : byKey.entrySet()) {
            if (me.getValue() == null) System.out.printf("key %x: not in the corpus%n", me.getKey());
            else keys.add(me.getKey());
        }
        HotSpotCompiler hc = HotSpotCompiler.get();
        if (hc == null) throw new IllegalStateException("no WhiteBox API: " + HotSpotCompiler.describe());
        int n = keys.size(), v = variants.length;
        long[][] c2 = new long[v][n];
        int[][] bytes = new int[v][n], insns = new int[v][n], groups = new int[v][n], fails = new int[v][n];
        // A first pass, not counted: the translator's own code and ASM get compiled first.
        for (String var : variants) {
            apply(var);
            for (long key : keys) compile(byKey.get(key), hc, null);
        }
        List<String> tids = c2Threads();
        System.out.println("keys " + n + ", C2 threads " + tids + ", variants " + Arrays.toString(variants) + ", rounds " + rounds);
        for (int r = 0; r < rounds; r++) {
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < v; k++) {
                    int j = (k + i + r) % v;
                    apply(variants[j]);
                    long[] out = new long[4];
                    if (!compile(byKey.get(keys.get(i)), hc, tids, out)) {
                        fails[j][i]++;
                        continue;
                    }
                    c2[j][i] += out[0];
                    bytes[j][i] = (int) out[1];
                    insns[j][i] = (int) out[2];
                    groups[j][i] = (int) out[3];
                }
            }
            System.out.printf("round %d done%n", r + 1);
        }
        for (int i = 0; i < n; i++) {
            StringBuilder b = new StringBuilder(String.format("key %x", keys.get(i)));
            for (int j = 0; j < v; j++) {
                b.append(String.format("  %s: %d insns %d B groups %d C2 %.1f ms%s", variants[j], insns[j][i], bytes[j][i], groups[j][i],
                        c2[j][i] / 1e6 / Math.max(1, rounds - fails[j][i]), fails[j][i] > 0 ? " (" + fails[j][i] + " not compiled)" : ""));
            }
            System.out.println(b);
        }
        for (int j = 0; j < v; j++) {
            long sum = 0, bsum = 0;
            int lower = 0;
            for (int i = 0; i < n; i++) {
                sum += c2[j][i];
                bsum += bytes[j][i];
                if (c2[j][i] < c2[0][i]) lower++;
            }
            System.out.printf("%-20s C2 %.1f ms a round over %d builds, bytecode %d B; lower than %s in %d of %d%n", variants[j],
                    sum / 1e6 / rounds, n, bsum, variants[0], lower, n);
        }
    }

    private static boolean compile(UnitCorpus.Entry e, HotSpotCompiler hc, List<String> tids, long... out) throws Exception {
        Translator t = new Translator(Translator.BACKGROUND_NAME);
        t.wordLogic = e.wordLogic();
        TranslatedUnit u = t.translate(e.code(), e.pageIndex(), e.nextCode(), e.nextIndex(), e.entryOff(), true,
                e.maxLoop(), e.maxStraight(), e.localBytes());
        if (u == null) return false;
        long c0 = tids == null ? 0 : UnitCompileCostBench.c1Nanos(tids);
        if (!hc.request(u, 4)) return false;
        long deadline = System.nanoTime() + 60_000_000_000L; // a watchdog, not a measure
        while (hc.compiledTier(u) != 4) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(1);
        }
        if (tids != null) {
            out[0] = UnitCompileCostBench.c1Nanos(tids) - c0;
            out[1] = t.lastBytecodeSize;
            out[2] = u.instructionCount;
            out[3] = u.accessGroups;
        }
        return true;
    }
}
