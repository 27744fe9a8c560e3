package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher script (./vmckpt) run through a symlink in another directory, as when it is linked into PATH:
 * it must find its checkout. The checkout here is a copy of the script with a jar whose manifest points at
 * this build's classes (the real jar is made after the tests).
 */
class LauncherTest {
    @TempDir
    Path temp;

    @Test
    void theLauncherWorksThroughASymlink() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path checkout = temp.resolve("checkout");
        Files.createDirectories(checkout.resolve("cli/target"));
        Files.copy(root.resolve("vmckpt"), checkout.resolve("vmckpt"));
        checkout.resolve("vmckpt").toFile().setExecutable(true);
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, Main.class.getName());
        StringBuilder cp = new StringBuilder();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            cp.append(Path.of(entry).toUri()).append(' ');
        }
        manifest.getMainAttributes().put(Attributes.Name.CLASS_PATH, cp.toString().trim());
        try (OutputStream out = Files.newOutputStream(checkout.resolve("cli/target/vmckpt.jar"));
             JarOutputStream jar = new JarOutputStream(out, manifest)) {
            jar.flush();
        }
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("vmckpt"), checkout.resolve("vmckpt"));

        Process p = new ProcessBuilder(bin.resolve("vmckpt").toString(), "--version").redirectErrorStream(true).directory(temp.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.startsWith("vmckpt 0."), out);
    }
}
