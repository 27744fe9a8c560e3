package org.vmckpt.cli;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The hidden command {@code vmckpt cds-train}: loads every class of the jar so that
 * {@code java -XX:ArchiveClassesAtExit=...} (run by ./build) archives them. The launcher then starts the JVM
 * with that archive (class data sharing), which cuts the cold start of `vmckpt restore` by about 100 ms.
 */
final class ClassDataSharing {
    private ClassDataSharing() { }

    static int train() throws IOException, URISyntaxException {
        Path jar = Path.of(ClassDataSharing.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        if (!jar.toString().endsWith(".jar")) {
            System.err.println("vmckpt cds-train: not running from a jar (" + jar + "); nothing to do");
            return 0;
        }
        int loaded = 0;
        ClassLoader cl = ClassDataSharing.class.getClassLoader();
        try (JarFile jf = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (!name.endsWith(".class") || name.startsWith("META-INF") || name.contains("module-info")) continue;
                try {
                    Class.forName(name.substring(0, name.length() - 6).replace('/', '.'), false, cl);
                    loaded++;
                } catch (Throwable e) {
                    // optional parts of dependencies may not load here; they are simply not archived
                }
            }
        }
        // Load zstd's native side too, so its Java classes are linked.
        com.github.luben.zstd.Zstd.compressBound(1);
        // And run a checkpoint and a restore, so that the JDK classes they load are archived too.
        RestorePathTraining.runQuietly();
        // And `vmckpt run` itself, to an instruction limit, so that what a boot's start links is archived too.
        RunPathTraining.runQuietly();
        System.err.println("vmckpt cds-train: loaded " + loaded + " classes");
        return 0;
    }
}
