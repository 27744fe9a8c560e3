package org.vmckpt.cli;

import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The hidden commands behind ./build's class-data sharing archive. {@code vmckpt cds-train} loads every class of the
 * jar so that {@code java -XX:ArchiveClassesAtExit=...} archives them; the launcher then starts the JVM with that
 * archive, which cuts the cold start of `vmckpt restore` by about 100 ms. {@code vmckpt cds-check}, run with the
 * archive, refuses an archive whose methods carry compile state from the training run.
 *
 * <p>Why the check: HotSpot 17 writes a method's "not compilable" marks into the archive as they stand when the
 * training JVM exits (seen here: a method marked through the WhiteBox API before the exit is refused C1 in every JVM
 * that maps the archive), and a marked method is never compiled at that tier. In round 74 one ./build made an archive
 * with which the interpreter's loops were never compiled and the guest ran ten times slower (cause not found; a
 * compile's failure in the training run marks a method so). The "queued" mark of JDK-8306460 is cleared by this JDK,
 * as checked here, but is checked too. So the training waits for our methods' compiles to finish before it exits,
 * and ./build checks the archive and trains again if any method of ours carries a mark.
 */
final class ClassDataSharing {
    /** How long the training waits at its end for our methods' compiles to finish. */
    private static final long SETTLE_NANOS = 60_000_000_000L;

    private ClassDataSharing() { }

    static int train() throws IOException, URISyntaxException {
        List<Class<?>> classes = jarClasses();
        if (classes == null) return 0;
        // Load zstd's native side too, so its Java classes are linked.
        com.github.luben.zstd.Zstd.compressBound(1);
        // And run a checkpoint and a restore, so that the JDK classes they load are archived too.
        RestorePathTraining.runQuietly();
        // And `vmckpt run` itself, to an instruction limit, so that what a boot's start links is archived too.
        RunPathTraining.runQuietly();
        int waiting = settle(classes);
        System.err.println("vmckpt cds-train: loaded " + classes.size() + " classes"
                + (waiting > 0 ? "; " + waiting + " methods still queued for compilation (the archive will be refused)" : ""));
        return 0;
    }

    /**
     * Run with the archive mapped, before anything of ours ran hot: 0 if no method of the jar's classes is marked
     * queued for compilation or barred from C1 or C2; otherwise names them and returns 1.
     */
    static int check() throws IOException, URISyntaxException {
        List<Class<?>> classes = jarClasses();
        if (classes == null) return 0;
        if (!HotSpotCompiler.available()) {
            System.err.println("vmckpt cds-check: HotSpot's WhiteBox API is not available in this JVM: cannot check");
            return 2;
        }
        int checked = 0;
        for (Class<?> c : classes) checked += methods(c).size();
        List<String> bad = marked(classes, 20_000_000_000L);
        if (bad.isEmpty()) {
            System.err.println("vmckpt cds-check: " + checked + " methods of " + classes.size() + " classes: none marked");
            return 0;
        }
        for (String b : bad) System.out.println(b);
        System.err.println("vmckpt cds-check: " + bad.size() + " of " + checked + " methods carry compile marks from the "
                + "training run (they would never be compiled): " + String.join(", ", bad.subList(0, Math.min(8, bad.size())))
                + (bad.size() > 8 ? ", ..." : ""));
        return 1;
    }

    /**
     * The methods of {@code classes} (but this class's own, running now) that HotSpot holds as queued for compilation
     * for good, or will not compile at C1, each named with its marks. A method this JVM ran hot is queued for a while
     * and then compiled, so a queued mark counts only if it is still there after {@code settleNanos} (a mark read from
     * the archive never clears: no compile task stands behind it). C2's mark is not asked of the classes vmckpt's own
     * compiler directives keep from C2 on purpose (HotSpot marks a method so when a directive excludes it). Needs the
     * WhiteBox API.
     */
    static List<String> marked(List<Class<?>> classes, long settleNanos) {
        List<Executable> all = new ArrayList<>();
        for (Class<?> c : classes) {
            if (c != ClassDataSharing.class) all.addAll(methods(c)); // running now: its loop may be queued for good reasons
        }
        long deadline = System.nanoTime() + settleNanos;
        while (true) {
            List<String> bad = new ArrayList<>();
            for (Executable m : all) {
                boolean queued = HotSpotCompiler.methodQueued(m);
                boolean c1 = HotSpotCompiler.methodCompilable(m, HotSpotCompiler.TIER_C1) != 0;
                boolean c2 = c2ByDirective(m.getDeclaringClass()) || HotSpotCompiler.methodCompilable(m, HotSpotCompiler.TIER_C2) != 0;
                if (queued || !c1 || !c2) {
                    bad.add(m.getDeclaringClass().getName() + "." + m.getName() + (queued ? " (queued)" : "")
                            + (!c1 ? " (not C1)" : "") + (!c2 ? " (not C2)" : ""));
                }
            }
            if (bad.isEmpty() || System.nanoTime() > deadline) return bad;
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return bad;
            }
        }
    }

    /** True for the classes UnitCompilerDirectives keeps from C2 ({@code Unit*}, {@code Translator*} of the cpu package). */
    private static boolean c2ByDirective(Class<?> c) {
        String name = c.getName();
        String pkg = "org.vmckpt.machine.cpu.";
        return name.startsWith(pkg + "Unit") || name.startsWith(pkg + "Translator");
    }

    /** Waits (bounded) until no method of {@code classes} is queued for compilation; the number still queued. */
    private static int settle(List<Class<?>> classes) {
        if (!HotSpotCompiler.available()) return 0;
        List<Executable> all = new ArrayList<>();
        for (Class<?> c : classes) all.addAll(methods(c));
        long deadline = System.nanoTime() + SETTLE_NANOS;
        while (true) {
            int queued = 0;
            for (Executable m : all) {
                if (HotSpotCompiler.methodQueued(m)) queued++;
            }
            if (queued == 0 || System.nanoTime() > deadline) return queued;
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return queued;
            }
        }
    }

    /** The concrete, non-native methods and constructors HotSpot could compile. */
    private static List<Executable> methods(Class<?> c) {
        List<Executable> out = new ArrayList<>();
        try {
            for (Executable m : c.getDeclaredMethods()) {
                if (!Modifier.isAbstract(m.getModifiers()) && !Modifier.isNative(m.getModifiers())) out.add(m);
            }
            for (Executable m : c.getDeclaredConstructors()) out.add(m);
        } catch (Throwable e) {
            // a class whose members need a missing optional dependency: nothing to check
        }
        return out;
    }

    /** Every class of vmckpt's own packages in the jar this runs from, loaded (not initialised); null if not a jar. */
    private static List<Class<?>> jarClasses() throws IOException, URISyntaxException {
        Path jar = Path.of(ClassDataSharing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!jar.toString().endsWith(".jar")) {
            System.err.println("vmckpt cds: not running from a jar (" + jar + "); nothing to do");
            return null;
        }
        List<Class<?>> ours = new ArrayList<>();
        ClassLoader cl = ClassDataSharing.class.getClassLoader();
        try (JarFile jf = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (!name.endsWith(".class") || name.startsWith("META-INF") || name.contains("module-info")) continue;
                try {
                    Class<?> c = Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, cl);
                    if (name.startsWith("org/vmckpt/")) ours.add(c);
                } catch (Throwable e) {
                    // optional parts of dependencies may not load here; they are simply not archived
                }
            }
        }
        return ours;
    }
}
