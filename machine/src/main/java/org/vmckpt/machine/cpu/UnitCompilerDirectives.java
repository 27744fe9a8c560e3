package org.vmckpt.machine.cpu;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells HotSpot to compile translated units (and the translator's own code) with C1 only, through its
 * compiler-directives diagnostic command
 * (the same as {@code jcmd PID Compiler.directives_add FILE}), once per JVM, by the thread that builds the first unit
 * (the translator thread, or the guest's thread when it translates synchronously): the command starts the JVM's
 * platform MBean server, about 0.1 s of class loading and set-up that the guest's first instruction no longer waits for.
 *
 * <p>Why: a guest boot meets thousands of units, each warm for a while. Under the default tiered policy they
 * first run as C1 code with full profiling (tier 3, slow), queue for C2, and C2 on a 2-core machine compiles
 * about ten times slower than C1; measured on the Debian boot, translated code then ran slower than the
 * interpreter. C1 without profiling (tier 1) compiles fast and, for unit code (straight-line long arithmetic
 * and array accesses), ran a compute loop as fast as C2 did (900 vs 790 M instructions per CPU second).
 * If the command is not available (another JVM), units keep the default policy: slower, still correct.
 */
final class UnitCompilerDirectives {
    private static boolean installed;

    private UnitCompilerDirectives() { }

    static synchronized void install() {
        if (installed) return;
        installed = true;
        if (HotSpotCompiler.get() != null) return; // added through the WhiteBox API when it was set up (json(true))
        try {
            add(json(false));
        } catch (Exception | LinkageError e) {
            System.err.println("vmckpt: could not set the compiler policy for translated code (" + e
                    + "); it will run, more slowly during warm-up");
        }
    }

    /**
     * The directives, in HotSpot's compiler-directives JSON. {@code tier1Direct}: units are compiled through
     * {@link HotSpotCompiler} (the WhiteBox API), and the C1 compiles of the translator thread's units
     * ({@link Translator#BACKGROUND_NAME}, matched first: HotSpot takes the first directive that matches) are blocking
     * ({@code BackgroundCompilation: false}): the translator thread waits until each unit's code is installed, so it
     * hands over only compiled units, the guest's thread never probes them, and C1's queue holds one of them at a time.
     * Units built on the guest's thread (deterministic mode, tests) are not blocked on, nor is anything under HotSpot's
     * own policy, where a blocking compile would stop the thread whose calls made the method hot.
     */
    static String json(boolean tier1Direct) {
        String units = "\"org/vmckpt/machine/cpu/Unit*.*\"";
        // The translator's own code (Translator, and the ASM library it generates bytecode with, which only the translator
        // thread runs) is kept from C2 as well: on the Debian boot C2 spent about 60% of its time on ASM and the
        // translator, ~0.4 s of CPU on the core the guest's thread shares with it, while the translator thread ran no
        // slower with C1's code (docs/BENCHMARKS.md, CPU benchmark, round 7; -Dvmckpt.jit.translatorC1=false, HotSpot's
        // default policy for them, was retired in round 84).
        String match = "[" + units + ", \"org/vmckpt/machine/cpu/Translator*.*\", \"org/objectweb/asm/*.*\"]";
        String c1Only = "{ match: " + match + ", c2: { Exclude: true } }";
        if (!tier1Direct) return "[" + c1Only + "]";
        return "[{ match: \"" + Translator.BACKGROUND_NAME + "*.*\", c1: { BackgroundCompilation: false }, c2: { Exclude: true } }, "
                + c1Only + "]";
    }

    /** Adds directives to the JVM's stack (the diagnostic command reads them from a file). */
    static void add(String json) throws Exception {
        Path file = Files.createTempFile("vmckpt-directives", ".json");
        try {
            Files.writeString(file, json, StandardCharsets.UTF_8);
            ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                    "compilerDirectivesAdd", new Object[] {new String[] {file.toString()}},
                    new String[] {String[].class.getName()});
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
