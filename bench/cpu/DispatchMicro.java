import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.lang.invoke.MethodHandles;

/**
 * A model of the dispatcher's transitions between translated units (Hart.run), to tell apart what a transition's
 * cost is on a machine without hardware counters: a cache miss on the next unit's object, a mispredicted indirect
 * call (one megamorphic call site for every unit class), or the chain of dependent loads before the call.
 *
 * <p>N hidden classes of one shape (as the Translator makes them), each a subclass of {@link Unit} with a
 * {@code run} that does a little "guest work" (W loads from a buffer of M bytes, the data gzip evicts the dispatcher's
 * objects with), picks one of two exits and returns. Each unit's two exits go to fixed units drawn at random; the
 * exit taken is either always exit 0 (a fixed cycle: the indirect call is predictable) or a pseudo-random bit (the
 * call's target is not predictable from the dispatcher's own history). The dispatcher is written as Hart.run's chained
 * path: the previous unit's chain slot, the successor's dead flag, key and entry length, the call, the counts.
 * Variant "slot": the successor's key and entry length and an epoch are in the leaving unit's arrays, so nothing of
 * the successor is read before the call. Variant "nocount": no stores into the unit after the call.
 *
 * <p>Run: {@code java -cp ASM_JAR bench/cpu/DispatchMicro.java [seconds per case]}: the grid; or {@code ... SECONDS N
 * CLASSES MEMKIB cycle|random base|slot} for one case, CLASSES "N" (a class per unit), "8" (N unit objects of 8 classes)
 * or "1" (N unit objects of one class whose run switches on the unit's number to N copies of the code). Prints ns per
 * transition, by the thread's CPU time (the first runs of this model, raw results -1 to -3 of round 42, timed the wall).
 * A model, not the real thing: its figures say which effect is large, not what the real dispatcher costs.
 */
public class DispatchMicro {
    /** The hart's part of the model. */
    public static final class H {
        public long pc;
        public int exitSlot;
        public long rng = 88172645463325252L;
        public long acc;
        public long[] mem;
        public int memMask;
        public int loads;
        public boolean randomExit;
    }

    /** The unit's fields, laid out as in TranslatedUnit (several fields, arrays, the dispatcher's ones spread). */
    public abstract static class Unit {
        long key;
        /** Twice the unit's number: where its exits' pcs are in SUCC. */
        public int index2;
        long untilHot = Long.MAX_VALUE;
        long hotSince;
        long hotRuns;
        int pageIndex;
        int nextPageIndex = -1;
        int entryBlockLength;
        int instructionCount;
        int bytecodeSize;
        int basePages;
        int sinceProbe;
        int looks;
        long profNanos, profRuns, profInsns;
        boolean compiled = true;
        boolean dead;
        boolean hot;
        boolean promotionQueued;
        Unit[] chain = new Unit[2];
        byte[] exitKinds = new byte[2];
        /** Variant "slot": the successor's key, entry length and cache epoch, per chain slot. */
        long[] chainKey = new long[2];
        int[] chainLen = new int[2];
        int[] chainEpoch = new int[2];
        Unit promoted;
        int[] innerOffsets, innerNeeds;

        public abstract int run(H h, int budget);
    }

    /** The common guest work of a unit (inlined into each unit by C2): W loads, then which exit. */
    public static int work(H h) {
        long r = h.rng * 6364136223846793005L + 1442695040888963407L;
        h.rng = r;
        long a = h.acc;
        long[] m = h.mem;
        int mask = h.memMask;
        int idx = (int) (r >>> 33);
        for (int k = 0; k < h.loads; k++) {
            a += m[idx & mask];
            idx += 0x9E3779B1;
        }
        h.acc = a;
        return h.randomExit ? (int) (r >>> 63) : 0;
    }

    /** Each unit's two exits' pcs: unit i's exit e goes to SUCC[2 * i + e] (set per case). */
    public static long[] SUCC = new long[2 * 4096];

    private static final String SUP = "DispatchMicro$Unit", HN = "DispatchMicro$H";

    static byte[] unitClass(String name, int length) {
        ClassWriter cw = unitClassWriter(name);
        MethodVisitor m = cw.visitMethod(Opcodes.ACC_PUBLIC, "run", "(L" + HN + ";I)I", null, null);
        m.visitCode();
        emitUnitCode(m, -1, length);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /**
     * One class for N units: its {@code run} switches on the unit's number to N copies of a unit's code (the code of N
     * units, the class metadata and the one compiled method of one).
     */
    static byte[] switchClass(String name, int n) {
        ClassWriter cw = unitClassWriter(name);
        MethodVisitor m = cw.visitMethod(Opcodes.ACC_PUBLIC, "run", "(L" + HN + ";I)I", null, null);
        m.visitCode();
        org.objectweb.asm.Label[] cases = new org.objectweb.asm.Label[n];
        for (int i = 0; i < n; i++) cases[i] = new org.objectweb.asm.Label();
        org.objectweb.asm.Label dflt = new org.objectweb.asm.Label();
        m.visitVarInsn(Opcodes.ALOAD, 0);
        m.visitFieldInsn(Opcodes.GETFIELD, SUP, "index2", "I");
        m.visitInsn(Opcodes.ICONST_1);
        m.visitInsn(Opcodes.ISHR);
        m.visitTableSwitchInsn(0, n - 1, dflt, cases);
        for (int i = 0; i < n; i++) {
            m.visitLabel(cases[i]);
            emitUnitCode(m, 2 * i, 8);
        }
        m.visitLabel(dflt);
        m.visitInsn(Opcodes.ICONST_0);
        m.visitInsn(Opcodes.IRETURN);
        m.visitMaxs(0, 0);
        m.visitEnd();
        cw.visitEnd();
        return cw.toByteArray();
    }

    /** A final subclass of Unit named {@code name}, with its constructor; the caller adds {@code run}. */
    private static ClassWriter unitClassWriter(String name) {
        ClassWriter cw = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS);
        cw.visit(Opcodes.V17, Opcodes.ACC_PUBLIC | Opcodes.ACC_FINAL, name, null, SUP, null);
        MethodVisitor c = cw.visitMethod(Opcodes.ACC_PUBLIC, "<init>", "()V", null, null);
        c.visitCode();
        c.visitVarInsn(Opcodes.ALOAD, 0);
        c.visitMethodInsn(Opcodes.INVOKESPECIAL, SUP, "<init>", "()V", false);
        c.visitInsn(Opcodes.RETURN);
        c.visitMaxs(0, 0);
        c.visitEnd();
        return cw;
    }

    /**
     * A unit's code: the work, its exit slot, the next pc from SUCC at the unit's index (the constant {@code index2},
     * or the object's field when it is negative), and {@code length} retired.
     */
    private static void emitUnitCode(MethodVisitor m, int index2, int length) {
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitMethodInsn(Opcodes.INVOKESTATIC, "DispatchMicro", "work", "(L" + HN + ";)I", false);
        m.visitVarInsn(Opcodes.ISTORE, 3);
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitVarInsn(Opcodes.ILOAD, 3);
        m.visitFieldInsn(Opcodes.PUTFIELD, HN, "exitSlot", "I");
        m.visitVarInsn(Opcodes.ALOAD, 1);
        m.visitFieldInsn(Opcodes.GETSTATIC, "DispatchMicro", "SUCC", "[J");
        if (index2 < 0) {
            m.visitVarInsn(Opcodes.ALOAD, 0);
            m.visitFieldInsn(Opcodes.GETFIELD, SUP, "index2", "I");
        } else {
            m.visitLdcInsn(index2);
        }
        m.visitVarInsn(Opcodes.ILOAD, 3);
        m.visitInsn(Opcodes.IADD);
        m.visitInsn(Opcodes.LALOAD);
        m.visitFieldInsn(Opcodes.PUTFIELD, HN, "pc", "J");
        m.visitLdcInsn(length);
        m.visitInsn(Opcodes.IRETURN);
    }

    /** N unit objects of one class whose run switches on the unit's number (see switchClass). */
    static Unit[] switchUnits(int n) throws Exception {
        Class<?> k = MethodHandles.lookup().defineHiddenClass(switchClass("DispatchMicro$S" + n, n), true).lookupClass();
        java.lang.reflect.Constructor<?> ctor = k.getDeclaredConstructor();
        Unit[] us = new Unit[byIndex.length];
        for (int i = 0; i < n; i++) {
            Unit u = (Unit) ctor.newInstance();
            u.index2 = 2 * i;
            u.key = (long) i << 6;
            u.entryBlockLength = 4;
            us[i] = u;
        }
        for (int i = n; i < us.length; i++) us[i] = byIndex[i];
        return us;
    }

    // The model's cache and fetch TLB: unit i has key i*64; the "TLB" maps pc to key through one array.
    static Unit[] byIndex;
    /** The unit classes' constructors (one hidden class each). */
    static java.lang.reflect.Constructor<?>[] classes;
    static long[] tlbTag;
    static int epoch = 1;
    static long unitRuns, chainedRuns, instructionsRun, lookups;

    static Unit lookup(long pc) {
        lookups++;
        return byIndex[(int) (pc >>> 6)];
    }

    static boolean fetchesFrom(long pc, long key) {
        int ti = (int) (pc >>> 6) & 4095;
        return tlbTag[ti] == (pc >>> 6) && pc == key;
    }

    /** Hart.run's shape: the chain slot, the successor's checks, the call, the counts. */
    static int runBase(H h, int budget) {
        int n = 0;
        Unit prev = null;
        int prevSlot = 0;
        while (n < budget) {
            Unit u = prev != null ? prev.chain[prevSlot] : null;
            if (u != null && !u.dead && fetchesFrom(h.pc, u.key) && u.entryBlockLength <= budget - n) {
                chainedRuns++;
            } else {
                u = lookup(h.pc);
                if (u.entryBlockLength > budget - n) break;
                if (prev != null) prev.chain[prevSlot] = u;
            }
            int retired = u.run(h, budget - n);
            u.untilHot -= retired;
            u.hotRuns++;
            unitRuns++;
            instructionsRun += retired;
            n += retired;
            prev = u;
            prevSlot = h.exitSlot;
        }
        return n;
    }

    /** The successor's check data in the leaving unit's arrays: the successor is touched first by the call. */
    static int runSlot(H h, int budget, boolean count) {
        int n = 0;
        Unit prev = null;
        int prevSlot = 0;
        while (n < budget) {
            Unit u;
            if (prev != null && prev.chainEpoch[prevSlot] == epoch && fetchesFrom(h.pc, prev.chainKey[prevSlot])
                    && prev.chainLen[prevSlot] <= budget - n) {
                u = prev.chain[prevSlot];
                chainedRuns++;
            } else {
                u = lookup(h.pc);
                if (u.entryBlockLength > budget - n) break;
                if (prev != null) {
                    prev.chain[prevSlot] = u;
                    prev.chainKey[prevSlot] = u.key;
                    prev.chainLen[prevSlot] = u.entryBlockLength;
                    prev.chainEpoch[prevSlot] = epoch;
                }
            }
            int retired = u.run(h, budget - n);
            if (count) {
                u.untilHot -= retired;
                u.hotRuns++;
            }
            unitRuns++;
            instructionsRun += retired;
            n += retired;
            prev = u;
            prevSlot = h.exitSlot;
        }
        return n;
    }

    public static void main(String[] args) throws Throwable {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1.0;
        int[] units = {8, 64, 256, 1024};
        MethodHandles.Lookup lk = MethodHandles.lookup();
        int maxUnits = 4096;
        java.util.Random rnd = new java.util.Random(42);
        byIndex = new Unit[maxUnits];
        classes = new java.lang.reflect.Constructor<?>[maxUnits];
        for (int i = 0; i < maxUnits; i++) {
            // exits go to units below the case's N: drawn per case below by masking the pc
            Class<?> k = lk.defineHiddenClass(unitClass("DispatchMicro$U" + i, 8), true).lookupClass();
            classes[i] = k.getDeclaredConstructor();
            Unit u = (Unit) classes[i].newInstance();
            u.index2 = 2 * i;
            u.key = (long) i << 6;
            u.entryBlockLength = 4;
            byIndex[i] = u;
            // the object's neighbours in the heap: what the guest's work and other units leave between them
            new long[rnd.nextInt(8) + 1].hashCode();
        }
        tlbTag = new long[4096];
        for (int i = 0; i < 4096; i++) tlbTag[i] = i;
        Unit[] distinct = byIndex;
        if (args.length > 1) { // one case for a profiler: SECONDS N CLASSES(N|8) MEMKIB cycle|random base|slot
            int n = Integer.parseInt(args[1]);
            if (args[2].equals("8")) byIndex = sharedUnits(n);
            if (args[2].equals("1")) byIndex = switchUnits(n); // one class, a switch to N copies of the code
            measure(args[5], n, Integer.parseInt(args[3]), args[4].equals("random"), 4);
            System.out.printf("%s %s %d %s %s: %.2f ns/transition%n", args[5], args[2], n, args[3], args[4],
                    measure(args[5], n, Integer.parseInt(args[3]), args[4].equals("random"), seconds));
            return;
        }
        // Every unit class compiled first (a hidden class runs interpreted until HotSpot compiles it)
        for (String variant : new String[]{"base", "slot"}) {
            measure(variant, 1024, 0, true, 3 * seconds);
            measure(variant, 1024, 0, false, 2 * seconds);
        }
        System.out.println("variant classes      N  memKiB exit     ns/transition");
        int[] memKiB = {0, 256};
        for (int rep = 0; rep < 2; rep++)
        for (int mk : memKiB) {
            for (int n : units) {
                for (boolean shared : new boolean[]{false, true}) {
                    // shared: N unit objects of 8 classes (the data of N units, the code of 8)
                    byIndex = shared ? sharedUnits(n) : distinct;
                    for (boolean random : new boolean[]{false, true}) {
                        for (String variant : new String[]{"base", "slot"}) {
                            measure(variant, n, mk, random, seconds / 4);
                            double ns = measure(variant, n, mk, random, seconds);
                            System.out.printf("%-7s %-8s %5d %7d %-7s %8.2f%n", variant, shared ? "8" : "N", n, mk,
                                    random ? "random" : "cycle", ns);
                        }
                    }
                    byIndex = distinct;
                }
            }
        }
    }

    static Unit[] sharedUnits(int n) throws Exception {
        Unit[] us = new Unit[byIndex.length];
        for (int i = 0; i < n; i++) {
            Unit u = (Unit) classes[i % 8].newInstance();
            u.index2 = 2 * i;
            u.key = (long) i << 6;
            u.entryBlockLength = 4;
            us[i] = u;
        }
        for (int i = n; i < us.length; i++) us[i] = byIndex[i];
        return us;
    }

    static double measure(String variant, int nUnits, int memKiB, boolean random, double seconds) {
        H h = new H();
        int words = Math.max(1, memKiB * 128);
        h.mem = new long[Integer.highestOneBit(words)];
        h.memMask = h.mem.length - 1;
        h.loads = memKiB == 0 ? 0 : 4;
        h.randomExit = random;
        java.util.Random rnd = new java.util.Random(nUnits * 31 + memKiB);
        int[] perm = new int[nUnits];
        for (int i = 0; i < nUnits; i++) perm[i] = i;
        for (int i = nUnits - 1; i > 0; i--) { int j = rnd.nextInt(i + 1); int t = perm[i]; perm[i] = perm[j]; perm[j] = t; }
        for (int k = 0; k < nUnits; k++) {
            SUCC[2 * perm[k]] = (long) perm[(k + 1) % nUnits] << 6; // exit 0: one cycle through all N units
            SUCC[2 * perm[k] + 1] = (long) rnd.nextInt(nUnits) << 6;
        }
        for (Unit u : byIndex) {
            if (u == null) continue;
            java.util.Arrays.fill(u.chain, null);
            java.util.Arrays.fill(u.chainEpoch, 0);
        }
        epoch++;
        h.pc = 0;
        long t0, done = 0, transitions0 = unitRuns;
        long end = System.nanoTime() + (long) (seconds * 1e9);
        // The thread's CPU time, not the wall's: the host is shared (the wall time per transition grows with the load)
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        t0 = mx.getCurrentThreadCpuTime();
        long lookups0 = lookups;
        while (System.nanoTime() < end) {
            for (int b = 0; b < 64; b++) {
                switch (variant) {
                    case "base" -> done += runVariant(h, 4096, 0);
                    case "slot" -> done += runVariant(h, 4096, 1);
                    default -> done += runVariant(h, 4096, 2);
                }
            }
        }
        long t = mx.getCurrentThreadCpuTime() - t0;
        long runs = unitRuns - transitions0;
        if (h.acc == 42) System.out.println();
        if (lookups - lookups0 > runs / 10) System.out.println("  (many lookups: " + (lookups - lookups0) + ")");
        return (double) t / runs;
    }

    static int runVariant(H h, int budget, int variant) {
        return variant == 0 ? runBase(h, budget) : runSlot(h, budget, variant == 1);
    }
}
