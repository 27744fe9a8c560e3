package org.vmckpt.machine;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.CodeSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The default guest (Debian's riscv64 kernel, a busybox initramfs with the workloads, an ext4 data
 * disk), built by the repository's guest/build-guest.sh into a cache directory on first use.
 *
 * <p>The cache is current when its VERSION file holds the hash that {@code build-guest.sh
 * --print-version} prints for the recipe as it is now (the script is the one place that defines
 * what the hash covers); otherwise the script is run, and its progress is copied to the caller's
 * stream as it comes.
 *
 * <p>It lives in the machine library (not in the CLI) so that every module's tests boot the same guest through the
 * same checks as {@code vmckpt run} does, instead of keeping their own copy of this lookup.
 */
public final class DefaultGuest {

    /** The files of a built default guest. */
    public record Paths(Path kernel, Path initrd, Path disk, String cmdline) {}

    static final String SCRIPT = "guest/build-guest.sh";
    static final List<String> OUTPUT_FILES = List.of("Image", "initramfs.cpio.gz", "cmdline", "disk.img");
    private static final long VERSION_TIMEOUT_SECONDS = 30;

    private DefaultGuest() {}

    /** Returns the default guest's files, building them first if the cache is missing or stale. */
    public static Paths ensureBuilt(PrintStream progress) throws IOException {
        return ensureBuilt(findBuildScript(System.getenv(), codeLocation()), cacheDirectory(System.getenv()), progress);
    }

    /**
     * Same, with the script and output directory given (used by tests). Two builds never run at once into one
     * directory: the build holds a lock on a file beside it ({@code DIR.lock}: a lock between processes, such as two
     * test JVMs or two {@code vmckpt run}s on a fresh machine, and {@link #BUILD_LOCK} between threads, which a file
     * lock does not separate), and whoever waited for it looks at the cache again before building.
     */
    static Paths ensureBuilt(Path script, Path outputDir, PrintStream progress) throws IOException {
        String expected = recipeVersion(script);
        if (isUpToDate(outputDir, expected)) {
            return paths(outputDir);
        }
        Path absolute = outputDir.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path lockFile = absolute.resolveSibling(absolute.getFileName() + ".lock");
        synchronized (BUILD_LOCK) {
            try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    progress.println("vmckpt: waiting for another process building the default guest into " + outputDir
                            + " (" + lockFile + ")");
                    progress.flush();
                    lock = channel.lock();
                }
                try {
                    if (isUpToDate(outputDir, expected)) {
                        return paths(outputDir); // (built by whoever held the lock)
                    }
                    progress.println("vmckpt: building the default guest into " + outputDir
                            + " (first use or changed recipe: downloads about 115 MB of Debian packages, takes under a minute)");
                    progress.flush();
                    runBuild(script, outputDir, progress);
                    if (!isUpToDate(outputDir, expected)) {
                        throw new IOException("building the default guest did not produce a current " + outputDir.resolve("VERSION")
                                + " (expected version " + expected + "). " + howToRunByHand(script, outputDir));
                    }
                    return paths(outputDir);
                } finally {
                    lock.release();
                }
            }
        }
    }

    /** Builds in one JVM wait for each other here (a file lock is the process's: two threads could both hold it). */
    private static final Object BUILD_LOCK = new Object();

    /** True when every output file exists (non-empty) and VERSION holds exactly the expected hash. */
    static boolean isUpToDate(Path outputDir, String expectedVersion) throws IOException {
        Path versionFile = outputDir.resolve("VERSION");
        if (!Files.isRegularFile(versionFile)) {
            return false;
        }
        if (!Files.readString(versionFile, StandardCharsets.UTF_8).strip().equals(expectedVersion)) {
            return false;
        }
        for (String name : OUTPUT_FILES) {
            Path file = outputDir.resolve(name);
            if (!Files.isRegularFile(file) || Files.size(file) == 0) {
                return false;
            }
        }
        return true;
    }

    static Paths paths(Path outputDir) throws IOException {
        String cmdline = Files.readString(outputDir.resolve("cmdline"), StandardCharsets.UTF_8).strip();
        return new Paths(outputDir.resolve("Image"), outputDir.resolve("initramfs.cpio.gz"),
                outputDir.resolve("disk.img"), cmdline);
    }

    /** The hash of the recipe as it is now, from {@code build-guest.sh --print-version} (fast, offline). */
    static String recipeVersion(Path script) throws IOException {
        Process process = new ProcessBuilder("bash", script.toString(), "--print-version")
                .redirectErrorStream(true)
                .start();
        process.getOutputStream().close();
        String output;
        try (InputStream in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
        int status = waitFor(process, VERSION_TIMEOUT_SECONDS, script);
        if (status != 0 || !output.matches("[0-9a-f]{64}")) {
            throw new IOException(script + " --print-version failed (exit status " + status + "): " + output);
        }
        return output;
    }

    private static void runBuild(Path script, Path outputDir, PrintStream progress) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder("bash", script.toString(), "--out", outputDir.toString())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new IOException("could not start " + script + ": " + e.getMessage() + ". " + howToRunByHand(script, outputDir), e);
        }
        process.getOutputStream().close();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(progress); // live progress: the script writes it as it goes
        }
        progress.flush();
        int status = waitFor(process, 0, script);
        if (status != 0) {
            throw new IOException("building the default guest failed: " + script + " exited with status " + status
                    + " (its output is above). " + howToRunByHand(script, outputDir));
        }
    }

    /** Waits for the process (timeoutSeconds 0: no limit) and returns its exit status. */
    private static int waitFor(Process process, long timeoutSeconds, Path script) throws IOException {
        try {
            if (timeoutSeconds == 0) {
                return process.waitFor();
            }
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(script + " did not finish within " + timeoutSeconds + " s");
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + script, e);
        }
    }

    static String howToRunByHand(Path script, Path outputDir) {
        return "To build it by hand (as root, so missing host tools can be installed): bash " + script + " --out " + outputDir;
    }

    /** ${XDG_CACHE_HOME:-$HOME/.cache}/vmckpt/guest, as build-guest.sh computes it. */
    static Path cacheDirectory(Map<String, String> env) {
        String xdg = env.get("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isEmpty()
                ? Path.of(xdg)
                : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".cache");
        return cache.resolve("vmckpt").resolve("guest");
    }

    /**
     * Finds guest/build-guest.sh: under $VMCKPT_HOME if set, else in the nearest directory above
     * where this class was loaded from (the jar at &lt;repo&gt;/cli/target/vmckpt.jar, or
     * &lt;repo&gt;/cli/target/classes), else above the working directory.
     */
    static Path findBuildScript(Map<String, String> env, Path codeLocation) throws IOException {
        String home = env.get("VMCKPT_HOME");
        if (home != null && !home.isEmpty()) {
            Path script = Path.of(home).resolve(SCRIPT);
            if (!Files.isRegularFile(script)) {
                throw new IOException("VMCKPT_HOME is " + home + ", but " + script + " does not exist: "
                        + "set VMCKPT_HOME to the vmckpt repository");
            }
            return script;
        }
        for (Path start : new Path[] {codeLocation, Path.of("").toAbsolutePath()}) {
            for (Path dir = start == null ? null : start.toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path script = dir.resolve(SCRIPT);
                if (Files.isRegularFile(script)) {
                    return script;
                }
            }
        }
        throw new IOException("cannot find " + SCRIPT + " above " + codeLocation + " or the working directory: "
                + "set VMCKPT_HOME to the vmckpt repository (the directory that holds guest/)");
    }

    /** Where this class was loaded from (a jar file or a classes directory), or null if unknown. */
    private static Path codeLocation() {
        CodeSource source = DefaultGuest.class.getProtectionDomain().getCodeSource();
        if (source == null || source.getLocation() == null) {
            return null;
        }
        try {
            return Path.of(source.getLocation().toURI());
        } catch (URISyntaxException | IllegalArgumentException e) {
            return null;
        }
    }
}
