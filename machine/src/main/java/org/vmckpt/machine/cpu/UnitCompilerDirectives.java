package org.vmckpt.machine.cpu;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Tells HotSpot to compile translated units with C1 only, through its compiler-directives diagnostic command
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
        if (!Boolean.parseBoolean(System.getProperty("vmckpt.jit.directives", "true"))) return; // for experiments
        try {
            Path file = Files.createTempFile("vmckpt-directives", ".json");
            Files.writeString(file, "[{ match: \"org/vmckpt/machine/cpu/Unit*.*\", c2: { Exclude: true } }]", StandardCharsets.UTF_8);
            try {
                ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                        "compilerDirectivesAdd", new Object[] {new String[] {file.toString()}},
                        new String[] {String[].class.getName()});
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (Exception | LinkageError e) {
            System.err.println("vmckpt: could not set the compiler policy for translated code (" + e
                    + "); it will run, more slowly during warm-up");
        }
    }
}
