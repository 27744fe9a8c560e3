package org.vmckpt.machine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable;
import org.junit.jupiter.api.io.TempDir;

class DefaultGuestTest {

    @TempDir
    Path temp;

    /** The repository's real recipe script (tests run with cli/ as the working directory). */
    private static Path realScript() throws IOException {
        return DefaultGuest.findBuildScript(Map.of(), Path.of("").toAbsolutePath());
    }

    private void writeFakeGuest(Path dir, String version) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("Image"), "fake kernel");
        Files.writeString(dir.resolve("initramfs.cpio.gz"), "fake initrd");
        Files.writeString(dir.resolve("cmdline"), "console=ttyS0 fake\n");
        Files.writeString(dir.resolve("disk.img"), "fake disk");
        Files.writeString(dir.resolve("VERSION"), version + "\n");
    }

    @Test
    void upToDateOnlyWhenVersionMatchesAndAllFilesArePresent() throws IOException {
        writeFakeGuest(temp, "v1");
        assertTrue(DefaultGuest.isUpToDate(temp, "v1"));
        assertFalse(DefaultGuest.isUpToDate(temp, "v2"), "a changed recipe must rebuild");

        Files.writeString(temp.resolve("disk.img"), "");
        assertFalse(DefaultGuest.isUpToDate(temp, "v1"), "an empty output file must rebuild");
        Files.delete(temp.resolve("disk.img"));
        assertFalse(DefaultGuest.isUpToDate(temp, "v1"), "a missing output file must rebuild");

        writeFakeGuest(temp, "v1");
        Files.delete(temp.resolve("VERSION"));
        assertFalse(DefaultGuest.isUpToDate(temp, "v1"), "a build without VERSION (stopped half-way) must rebuild");
        assertFalse(DefaultGuest.isUpToDate(temp.resolve("nothing-here"), "v1"));
    }

    @Test
    void recipeVersionIsAStableSha256OfTheRealRecipe() throws IOException {
        Path script = realScript();
        String version = DefaultGuest.recipeVersion(script);
        assertTrue(version.matches("[0-9a-f]{64}"), version);
        assertEquals(version, DefaultGuest.recipeVersion(script));
    }

    @Test
    void recipeVersionChangesWhenTheRecipeChanges() throws IOException {
        Path repo = copyRecipe();
        Path script = repo.resolve(DefaultGuest.SCRIPT);
        String before = DefaultGuest.recipeVersion(script);
        Files.writeString(repo.resolve("guest/workloads/memdirty.c"), "\n/* changed */\n",
                java.nio.file.StandardOpenOption.APPEND);
        assertFalse(before.equals(DefaultGuest.recipeVersion(script)));
    }

    @Test
    void currentCacheIsReturnedWithoutBuilding() throws IOException {
        Path script = realScript();
        Path out = temp.resolve("guest");
        writeFakeGuest(out, DefaultGuest.recipeVersion(script));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        DefaultGuest.Paths paths = DefaultGuest.ensureBuilt(script, out, new PrintStream(progress, true));

        assertEquals(out.resolve("Image"), paths.kernel());
        assertEquals(out.resolve("initramfs.cpio.gz"), paths.initrd());
        assertEquals(out.resolve("disk.img"), paths.disk());
        assertEquals("console=ttyS0 fake", paths.cmdline());
        assertEquals("fake kernel", Files.readString(paths.kernel()), "a current cache must not be rebuilt");
        assertEquals("", progress.toString(StandardCharsets.UTF_8));
    }

    /**
     * A recipe whose build counts its runs in RUNS (one line each), takes a second, and writes a current fake guest:
     * two callers that find the cache stale at once must build it once (the second waits and finds it current).
     */
    private Path countingRecipe(Path runs) throws IOException {
        Path script = temp.resolve("repo").resolve(DefaultGuest.SCRIPT);
        Files.createDirectories(script.getParent());
        Files.writeString(script, """
                if [ "$1" = --print-version ]; then echo %1$s; exit 0; fi
                echo run >> %2$s
                sleep 1
                mkdir -p "$2"
                echo fake > "$2/Image"; echo fake > "$2/initramfs.cpio.gz"; echo fake > "$2/disk.img"
                echo console=ttyS0 > "$2/cmdline"; echo %1$s > "$2/VERSION"
                """.formatted("c".repeat(64), runs));
        return script;
    }

    @Test
    void twoThreadsFindingNoGuestBuildItOnce() throws Exception {
        Path runs = temp.resolve("runs");
        Path script = countingRecipe(runs);
        Path out = temp.resolve("guest");
        java.util.concurrent.Callable<DefaultGuest.Paths> build =
                () -> DefaultGuest.ensureBuilt(script, out, new PrintStream(new ByteArrayOutputStream(), true));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(build);
            var b = pool.submit(build);
            assertEquals(out.resolve("Image"), a.get().kernel());
            assertEquals(out.resolve("Image"), b.get().kernel());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, Files.readAllLines(runs).size(), "the recipe ran once");
    }

    /** What a second test JVM does: builds the guest of recipe ARGS[0] into ARGS[1] (for the test below). */
    public static final class BuildInChild {
        public static void main(String[] args) throws IOException {
            DefaultGuest.ensureBuilt(Path.of(args[0]), Path.of(args[1]), System.out);
        }
    }

    @Test
    void twoProcessesFindingNoGuestBuildItOnce() throws Exception {
        Path runs = temp.resolve("runs");
        Path script = countingRecipe(runs);
        Path out = temp.resolve("guest");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                BuildInChild.class.getName(), script.toString(), out.toString()).redirectErrorStream(true);
        Process a = pb.start(), b = pb.start();
        String outA = new String(a.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String outB = new String(b.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, a.waitFor(), outA);
        assertEquals(0, b.waitFor(), outB);
        assertEquals(1, Files.readAllLines(runs).size(), "the recipe ran once: " + outA + " / " + outB);
    }

    @Test
    void failedBuildSaysWhatFailedAndHowToRunItByHand() throws IOException {
        // A recipe whose build step fails: the error must name the script, its status and the command to retry.
        Path script = temp.resolve("repo").resolve(DefaultGuest.SCRIPT);
        Files.createDirectories(script.getParent());
        Files.writeString(script, """
                if [ "$1" = --print-version ]; then echo %s; exit 0; fi
                echo "build-guest: ERROR: simulated download failure" >&2
                exit 7
                """.formatted("a".repeat(64)));
        Path out = temp.resolve("guest");
        writeFakeGuest(out, "b".repeat(64)); // stale
        ByteArrayOutputStream progress = new ByteArrayOutputStream();

        IOException e = assertThrows(IOException.class,
                () -> DefaultGuest.ensureBuilt(script, out, new PrintStream(progress, true)));

        assertTrue(e.getMessage().contains("status 7"), e.getMessage());
        assertTrue(e.getMessage().contains("bash " + script + " --out " + out), e.getMessage());
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("simulated download failure"),
                "the script's output is shown as progress");
    }

    @Test
    void buildScriptIsFoundFromVmckptHomeOrAboveTheCodeLocation() throws IOException {
        Path repo = temp.resolve("repo");
        Path script = repo.resolve(DefaultGuest.SCRIPT);
        Files.createDirectories(script.getParent());
        Files.writeString(script, "exit 0\n");
        Path jar = repo.resolve("cli/target/vmckpt.jar");
        Files.createDirectories(jar.getParent());
        Files.writeString(jar, "");

        assertEquals(script, DefaultGuest.findBuildScript(Map.of("VMCKPT_HOME", repo.toString()), null));
        assertEquals(script, DefaultGuest.findBuildScript(Map.of(), jar));

        IOException wrongHome = assertThrows(IOException.class,
                () -> DefaultGuest.findBuildScript(Map.of("VMCKPT_HOME", temp.resolve("elsewhere").toString()), jar));
        assertTrue(wrongHome.getMessage().contains("VMCKPT_HOME"), wrongHome.getMessage());
    }

    @Test
    void cacheDirectoryFollowsXdgCacheHomeThenHome() {
        assertEquals(Path.of("/x/cache/vmckpt/guest"),
                DefaultGuest.cacheDirectory(Map.of("XDG_CACHE_HOME", "/x/cache", "HOME", "/h")));
        assertEquals(Path.of("/h/.cache/vmckpt/guest"), DefaultGuest.cacheDirectory(Map.of("HOME", "/h")));
        assertEquals(Path.of("/h/.cache/vmckpt/guest"),
                DefaultGuest.cacheDirectory(Map.of("XDG_CACHE_HOME", "", "HOME", "/h")));
    }

    /** Downloads and builds the real guest (about a minute): only with VMCKPT_E2E=1. */
    @Test
    @EnabledIfEnvironmentVariable(named = "VMCKPT_E2E", matches = "1")
    void realBuildProducesABootableGuest() throws IOException {
        DefaultGuest.Paths paths = DefaultGuest.ensureBuilt(System.err);

        byte[] magic = Arrays.copyOfRange(Files.readAllBytes(paths.kernel()), 0x38, 0x3c);
        assertArrayEquals(new byte[] {'R', 'S', 'C', 0x05}, magic, "kernel is a RISC-V Image");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(paths.initrd()))) {
            assertEquals("070701", new String(in.readNBytes(6), StandardCharsets.US_ASCII), "initramfs is a newc cpio");
        }
        assertTrue(paths.cmdline().startsWith("console=ttyS0"), paths.cmdline());
        assertEquals(256L << 20, Files.size(paths.disk()));
        // Calling again finds the cache current.
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        assertEquals(paths, DefaultGuest.ensureBuilt(new PrintStream(progress, true)));
        assertEquals("", progress.toString(StandardCharsets.UTF_8));
    }

    /** Copies the recipe files into a temporary repository, so a test can change them. */
    private Path copyRecipe() throws IOException {
        Path source = realScript().getParent();
        Path repo = temp.resolve("copy");
        Path guest = repo.resolve("guest");
        try (var files = Files.walk(source)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Path target = guest.resolve(source.relativize(file).toString());
                if (Files.isDirectory(file)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(file, target);
                }
            }
        }
        return repo;
    }
}
