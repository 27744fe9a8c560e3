package org.vmckpt.machine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The default guest (Debian kernel, busybox initramfs, ext4 data disk) for end-to-end tests: taken from
 * $VMCKPT_GUEST_DIR, else from the cache that guest/build-guest.sh fills (${XDG_CACHE_HOME:-~/.cache}/vmckpt/guest),
 * and built with that script when the files are not there.
 */
final class TestGuest {
    /** The files of a built guest. */
    record Files(Path kernel, Path initrd, Path disk, String cmdline) { }

    private static final List<String> NEEDED = List.of("Image", "initramfs.cpio.gz", "cmdline", "disk.img");
    /** Building downloads about 115 MB of Debian packages: allow for a slow mirror, but not forever. */
    private static final long BUILD_TIMEOUT_MINUTES = 20;

    private TestGuest() { }

    static synchronized Files find() throws IOException, InterruptedException {
        Path dir = directory();
        if (!complete(dir)) build(dir);
        String cmdline = java.nio.file.Files.readString(dir.resolve("cmdline"), StandardCharsets.UTF_8).strip();
        return new Files(dir.resolve("Image"), dir.resolve("initramfs.cpio.gz"), dir.resolve("disk.img"), cmdline);
    }

    static Path directory() {
        String given = System.getenv("VMCKPT_GUEST_DIR");
        if (given != null && !given.isEmpty()) return Path.of(given);
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg != null && !xdg.isEmpty() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return cache.resolve("vmckpt").resolve("guest");
    }

    private static boolean complete(Path dir) throws IOException {
        for (String name : NEEDED) {
            Path p = dir.resolve(name);
            if (!java.nio.file.Files.isRegularFile(p) || java.nio.file.Files.size(p) == 0) return false;
        }
        return true;
    }

    private static void build(Path dir) throws IOException, InterruptedException {
        Path script = buildScript();
        System.err.println("TestGuest: no default guest in " + dir + "; building it with " + script);
        Process p = new ProcessBuilder("bash", script.toString(), "--out", dir.toString()).inheritIO().start();
        if (!p.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IOException(script + " did not finish within " + BUILD_TIMEOUT_MINUTES + " minutes");
        }
        if (p.exitValue() != 0 || !complete(dir)) {
            throw new IOException(script + " --out " + dir + " failed (status " + p.exitValue() + "); run it by hand to see why");
        }
    }

    /** Maven runs tests in the module directory, so the script is normally at ../guest/build-guest.sh. */
    private static Path buildScript() throws IOException {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path script = d.resolve("guest").resolve("build-guest.sh");
            if (java.nio.file.Files.isRegularFile(script)) return script;
        }
        throw new IOException("cannot find guest/build-guest.sh above " + Path.of("").toAbsolutePath()
                + "; set VMCKPT_GUEST_DIR to a built guest");
    }
}
