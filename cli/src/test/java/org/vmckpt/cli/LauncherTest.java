package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        Path checkout = checkout();
        Path bin = Files.createDirectories(temp.resolve("bin"));
        Files.createSymbolicLink(bin.resolve("vmckpt"), checkout.resolve("vmckpt"));

        String out = run(new ProcessBuilder(bin.resolve("vmckpt").toString(), "--version"));
        assertTrue(out.startsWith("vmckpt 0."), out);
    }

    /**
     * The collector settings that keep garbage collection from stalling the guest for long (docs/ARCHITECTURE.md,
     * "What the guest waits for during a checkpoint"), as the JVM the launcher starts sees them: the parallel
     * collector, a 16 MiB young generation, pages promoted at their first collection, and a heap that starts at its
     * maximum size, so it never grows by a full collection, and a metaspace threshold (the size of class metadata
     * at which the JVM collects in full) far above what a VM loads. The commands that hold a VM: run and restore.
     */
    @Test
    void theLauncherGivesTheJvmTheCollectorSettings() throws Exception {
        Path launcher = checkout().resolve("vmckpt");
        for (String command : new String[] {"run", "restore"}) {
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), command, "--help");
            pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
            pb.environment().put("VMCKPT_HEAP", "full"); // (the default; see withVmckptHeapFit...)
            collectorSettings(run(pb), true);
        }
    }

    /**
     * The commands that hold no VM (--version, the control socket's and the repository's clients) start with the
     * JVM's default initial heap, not the full one: its set-up costs page faults in proportion to its size (the old
     * generation's card table and start array are cleared at start), ~5,700 of a 6 GB heap's `--version` (9,200 against
     * 3,600, docs/BENCHMARKS.md round 29). The other collector settings are the VM's (one class-data archive serves both).
     */
    @Test
    void theLauncherStartsCommandsWithoutAVmWithASmallHeap() throws Exception {
        Path launcher = checkout().resolve("vmckpt");
        for (String[] command : new String[][] {{"--version"}, {"status", "--help"}, {"ls", "--help"}}) {
            String[] cmd = new String[command.length + 1];
            cmd[0] = launcher.toString();
            System.arraycopy(command, 0, cmd, 1, command.length);
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
            collectorSettings(run(pb), false);
        }
    }

    /**
     * With VMCKPT_HEAP=fit (off by default: VMCKPT_HEAP=full), `run` commits at start the heap its VM needs, not the whole default maximum: twice the
     * guest's RAM (three times with --keep-for-reset), 128 MiB per disk (the default guest's own disk unless
     * --no-disk), 16 MiB per GiB of RAM and 1 GiB, in MiB, as the launcher reads --mem; the maximum stays the JVM's
     * default, so a VM that needs more still gets it. `restore` likewise with --mem (the checkpoint's RAM: the restore
     * refuses any other), its disks counted as two. Where that is not below the default maximum, where --mem is not a
     * size, for restore without --mem (the launcher cannot read the checkpoint) and with VMCKPT_HEAP=full the heap
     * starts at its maximum as before.
     */
    @Test
    void withVmckptHeapFitRunStartsWithTheHeapItsVmNeeds() throws Exception {
        Path launcher = checkout().resolve("vmckpt");
        long max = Long.parseLong(flag(flags(launcher, "fit", "run", "--help"), "MaxHeapSize"));
        org.junit.jupiter.api.Assumptions.assumeTrue(max >= (4200L << 20), "a host with at least ~17 GiB of RAM");
        assertEquals(mib(2 * 1024 + 16 + 1024), initialHeap(launcher, "fit", "run", "--kernel", "k", "--mem", "1G", "--help"));
        assertEquals(mib(2 * 1024 + 16 + 1024), initialHeap(launcher, "fit", "run", "--kernel=k", "--mem=1024", "--help"));
        assertEquals(mib(2 * 512 + 128 + 8 + 1024), initialHeap(launcher, "fit", "run", "--help"), "the default guest: 512 MiB, its disk");
        assertEquals(mib(2 * 512 + 8 + 1024), initialHeap(launcher, "fit", "run", "--no-disk", "--help"));
        assertEquals(mib(3 * 1024 + 2 * 128 + 16 + 1024),
                initialHeap(launcher, "fit", "run", "--elf", "e", "--mem", "1gib", "--disk", "a", "--disk", "b,rw", "--keep-for-reset", "--help"));
        assertEquals(mib(2 * 768 + 12 + 1024), initialHeap(launcher, "fit", "run", "--bios", "b", "--mem", "786432K", "--help"));
        assertEquals(max, initialHeap(launcher, "fit", "run", "--mem", "64G", "--help"), "not below the maximum: the maximum");
        assertEquals(max, initialHeap(launcher, "fit", "run", "--mem", "1.5G", "--help"), "not a size");
        assertEquals(max, initialHeap(launcher, "fit", "restore", "--help"), "restore without --mem: its size is the checkpoint's");
        assertEquals(mib(2 * 1024 + 2 * 128 + 16 + 1024), initialHeap(launcher, "fit", "restore", "last", "--mem", "1G", "--help"),
                "restore --mem: the checkpoint's RAM, its disks counted as two");
        assertEquals(max, initialHeap(launcher, "full", "run", "--kernel", "k", "--mem", "1G", "--help"), "VMCKPT_HEAP=full: the whole heap");
        assertEquals(max, initialHeap(launcher, null, "run", "--kernel", "k", "--mem", "1G", "--help"), "the default: the whole heap (full)");
        String flags = flags(launcher, "fit", "run", "--kernel", "k", "--mem", "1G", "--help");
        assertEquals(String.valueOf(max), flag(flags, "MaxHeapSize"), "the maximum stays the default");
        assertEquals(flag(flags, "InitialHeapSize"), flag(flags, "MinHeapSize"), "the minimum heap pinned at the start's");
        for (String mode : new String[] {"fit", "full"}) {
            String restore = flags(launcher, mode, "restore", "--help");
            assertEquals(String.valueOf(max), flag(restore, "MinHeapSize"), mode + ": restore without --mem pins the whole heap");
        }
        collectorSettingsButTheInitialHeap(flags);
        ProcessBuilder own = new ProcessBuilder(launcher.toString(), "run", "--kernel", "k", "--mem", "1G", "--help");
        own.environment().put("VMCKPT_HEAP", "fit");
        own.environment().put("VMCKPT_JAVA_OPTS", "-Xmx3g -XX:+PrintFlagsFinal");
        assertEquals(String.valueOf(3L << 30), flag(run(own), "InitialHeapSize"), "VMCKPT_JAVA_OPTS sizing the heap: its size, whole");
    }

    /**
     * With VMCKPT_HEAP=fit, `restore` without --mem takes the RAM from the repository's LARGEST-RAM file (round 71: the
     * largest RAM of any checkpoint committed to it, which each commit keeps there): the repository of --repo DIR,
     * --repo=DIR, else $VMCKPT_REPO, else the default one; sized as `restore --mem` is. --mem wins; without the file, with a
     * damaged one or one that is a symbolic link, and with VMCKPT_HEAP=full the heap starts whole as before.
     */
    @Test
    void withVmckptHeapFitARestoreWithoutMemTakesTheRepositorysLargestRam() throws Exception {
        Path launcher = checkout().resolve("vmckpt");
        long max = Long.parseLong(flag(flags(launcher, "fit", "run", "--help"), "MaxHeapSize"));
        org.junit.jupiter.api.Assumptions.assumeTrue(max >= (4200L << 20), "a host with at least ~17 GiB of RAM");
        Path repo = Files.createDirectories(temp.resolve("repo"));
        Path file = repo.resolve("LARGEST-RAM");
        long gib = mib(2 * 1024 + 2 * 128 + 16 + 1024);
        assertEquals(max, initialHeap(launcher, "fit", "restore", "last", "--repo", repo.toString(), "--help"), "no file: the whole heap");
        Files.writeString(file, "1024\n");
        assertEquals(gib, initialHeap(launcher, "fit", "restore", "last", "--repo", repo.toString(), "--help"), "--repo DIR");
        assertEquals(gib, initialHeap(launcher, "fit", "restore", "--repo=" + repo, "last", "--help"), "--repo=DIR");
        assertEquals(mib(2 * 512 + 2 * 128 + 8 + 1024), initialHeap(launcher, "fit", "restore", "last", "--repo", repo.toString(),
                "--mem", "512M", "--help"), "--mem wins");
        assertEquals(max, initialHeap(launcher, "full", "restore", "last", "--repo", repo.toString(), "--help"), "VMCKPT_HEAP=full");
        assertEquals(max, initialHeap(launcher, "fit", "restore", "last", "--help"), "another repository (VMCKPT_REPO's), no file");
        String flags = flags(launcher, "fit", "restore", "last", "--repo", repo.toString(), "--help");
        assertEquals(String.valueOf(max), flag(flags, "MaxHeapSize"), "the maximum stays the default");
        assertEquals(flag(flags, "InitialHeapSize"), flag(flags, "MinHeapSize"), "the minimum heap pinned at the start's");
        // $VMCKPT_REPO, and the default repository under $XDG_DATA_HOME.
        for (String env : new String[] {"VMCKPT_REPO", "XDG_DATA_HOME"}) {
            ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "restore", "last", "--help");
            pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
            pb.environment().put("VMCKPT_HEAP", "fit");
            pb.environment().remove("VMCKPT_REPO");
            Path where = repo;
            if (env.equals("XDG_DATA_HOME")) {
                Path data = temp.resolve("data");
                where = Files.createDirectories(data.resolve("vmckpt").resolve("repo"));
                Files.writeString(where.resolve("LARGEST-RAM"), "1024\n");
                pb.environment().put(env, data.toString());
            } else {
                pb.environment().put(env, repo.toString());
            }
            assertEquals(String.valueOf(gib), flag(run(pb), "InitialHeapSize"), env);
        }
        for (String damaged : new String[] {"", "1G\n", "-5\n", "1024 MiB\n", "9999999999999\n"}) {
            Files.writeString(file, damaged);
            assertEquals(max, initialHeap(launcher, "fit", "restore", "last", "--repo", repo.toString(), "--help"), "'" + damaged + "'");
        }
        Files.writeString(file, "1024"); // no newline: still one line
        assertEquals(gib, initialHeap(launcher, "fit", "restore", "last", "--repo", repo.toString(), "--help"), "no newline");
        Files.delete(file);
        Path elsewhere = Files.writeString(temp.resolve("elsewhere"), "1024\n");
        Files.createSymbolicLink(file, elsewhere);
        assertEquals(max, initialHeap(launcher, "fit", "restore", "last", "--repo", repo.toString(), "--help"), "a symbolic link");
    }

    /**
     * With VMCKPT_HEAP=grow (round 75, off by default), `run` and `restore` start with 24 MiB committed (the young
     * generation and 8 MiB of old) and the command's first thread grows the heap to the whole default maximum in one
     * expansion ({@link HeapGrow}): the launcher gives -XX:MinHeapDeltaBytes the rest of the maximum (less a few MiB, so
     * the expansion fits the reserved old generation), keeps full collections from resizing the generations
     * (-XX:-UseAdaptiveGenerationSizePolicyAtMajorCollection: the minimum heap is no longer the committed one), and asks
     * for the thread; the maximum is the default's, as under `full`. Not for commands without a VM, not where
     * VMCKPT_JAVA_OPTS sizes the heap, and not by default.
     */
    @Test
    void withVmckptHeapGrowRunAndRestoreStartSmallAndAskForTheWholeHeapInOneExpansion() throws Exception {
        Path launcher = checkout().resolve("vmckpt");
        long max = Long.parseLong(flag(flags(launcher, "full", "run", "--help"), "MaxHeapSize"));
        org.junit.jupiter.api.Assumptions.assumeTrue(max >= (1L << 30), "a host with at least ~4 GiB of RAM");
        for (String[] command : new String[][] {{"run", "--help"}, {"restore", "last", "--help"}, {"run", "--mem", "1G", "--help"}}) {
            String flags = flags(launcher, "grow", command);
            String what = String.join(" ", command);
            assertEquals(String.valueOf(mib(24)), flag(flags, "InitialHeapSize"), what);
            assertEquals(String.valueOf(max), flag(flags, "MaxHeapSize"), what + ": the maximum is the default's");
            long delta = Long.parseLong(flag(flags, "MinHeapDeltaBytes"));
            assertTrue(delta <= max - mib(24), what + ": the expansion fits the reserved old generation: " + delta);
            assertTrue(delta >= max - mib(24) - mib(8), what + ": one expansion gives the old generation nearly all of it: " + delta);
            assertEquals("false", flag(flags, "UseAdaptiveGenerationSizePolicyAtMajorCollection"), what);
            collectorSettingsButTheInitialHeap(flags);
            // the thread that grows the heap is asked for (-Dvmckpt.heap.growAtStart=true)
            assertTrue(printed(launcher, "grow", command).contains("-D" + HeapGrow.PROPERTY + "=true"), what);
        }
        String full = flags(launcher, "full", "run", "--help");
        assertEquals(String.valueOf(max), flag(full, "InitialHeapSize"), "VMCKPT_HEAP=full: the whole heap at start");
        assertEquals("true", flag(full, "UseAdaptiveGenerationSizePolicyAtMajorCollection"), "full: the JVM's default");
        assertEquals(String.valueOf(max), flag(flags(launcher, null, "restore", "last", "--help"), "InitialHeapSize"), "the default: full");
        assertFalse(printed(launcher, null, "restore", "last").contains(HeapGrow.PROPERTY), "the default asks for no thread");
        assertFalse(printed(launcher, "grow", "ls").contains(HeapGrow.PROPERTY), "a command without a VM");
        ProcessBuilder own = new ProcessBuilder(launcher.toString(), "restore", "last", "--help");
        own.environment().put("VMCKPT_HEAP", "grow");
        own.environment().put("VMCKPT_JAVA_OPTS", "-Xmx3g -XX:+PrintFlagsFinal");
        String sized = run(own);
        assertEquals(String.valueOf(3L << 30), flag(sized, "InitialHeapSize"), "VMCKPT_JAVA_OPTS sizing the heap: its size, whole");
        assertEquals("true", flag(sized, "UseAdaptiveGenerationSizePolicyAtMajorCollection"), "VMCKPT_JAVA_OPTS sizing the heap");
    }

    /**
     * {@code VMCKPT_HEAP=agent} (round 76): grow's heap options, with the growth asked of the native helper as an agent
     * when it is built ({@code -Dvmckpt.heap.growAtStart=agent -agentpath:...=growHeap}), and grow's own thread when it
     * is not; not by default, not for a command without a VM.
     */
    @Test
    void withVmckptHeapAgentTheNativeHelperGrowsTheHeapWhenBuilt() throws Exception {
        Path launcher = checkout().resolve("vmckpt");
        long max = Long.parseLong(flag(flags(launcher, "full", "run", "--help"), "MaxHeapSize"));
        org.junit.jupiter.api.Assumptions.assumeTrue(max >= (1L << 30), "a host with at least ~4 GiB of RAM");
        String without = printed(launcher, "agent", "restore", "last");
        assertTrue(without.contains("-D" + HeapGrow.PROPERTY + "=true") && !without.contains("-agentpath"),
                "no native helper: grow's thread: " + without);
        Path lib = launcher.getParent().resolve("cli/target/libvmckpt-native.so");
        Files.writeString(lib, ""); // (the launcher only looks for the file before it prints)
        for (String[] command : new String[][] {{"restore", "last"}, {"run", "--mem", "1G"}}) {
            String with = printed(launcher, "agent", command);
            assertTrue(with.contains("-Xms24m"), with);
            assertTrue(with.contains("-D" + HeapGrow.PROPERTY + "=agent"), with);
            assertTrue(with.contains("-agentpath:" + lib + "=growHeap"), with);
            assertFalse(with.contains("-D" + HeapGrow.PROPERTY + "=true"), with);
        }
        assertFalse(printed(launcher, null, "restore", "last").contains("growHeap"), "not by default");
        assertFalse(printed(launcher, "grow", "restore", "last").contains("growHeap"), "not for grow");
        assertFalse(printed(launcher, "agent", "ls").contains("growHeap"), "a command without a VM");
    }

    /** The collector and heap options the launcher prints for {@code args} (VMCKPT_PRINT_COLLECTOR_OPTIONS=1). */
    private String printed(Path launcher, String heap, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = launcher.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("VMCKPT_JAVA_OPTS");
        pb.environment().put("VMCKPT_PRINT_COLLECTOR_OPTIONS", "1");
        if (heap != null) pb.environment().put("VMCKPT_HEAP", heap);
        else pb.environment().remove("VMCKPT_HEAP");
        return run(pb);
    }

    private static long mib(long n) {
        return n << 20;
    }

    private long initialHeap(Path launcher, String heap, String... args) throws Exception {
        return Long.parseLong(flag(flags(launcher, heap, args), "InitialHeapSize"));
    }

    private String flags(Path launcher, String heap, String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = launcher.toString();
        System.arraycopy(args, 0, cmd, 1, args.length);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        // No repository with a LARGEST-RAM file unless a test names one (the user's default repository may have one).
        pb.environment().put("VMCKPT_REPO", temp.resolve("no-repository").toString());
        if (heap != null) pb.environment().put("VMCKPT_HEAP", heap);
        else pb.environment().remove("VMCKPT_HEAP");
        return run(pb);
    }

    private static void collectorSettingsButTheInitialHeap(String out) {
        assertEquals("true", flag(out, "UseParallelGC"), out);
        assertEquals(String.valueOf(16L << 20), flag(out, "MaxNewSize"));
        assertEquals("0", flag(out, "MaxTenuringThreshold"));
        assertEquals(String.valueOf(256L << 20), flag(out, "MetaspaceSize"));
    }

    private static void collectorSettings(String out, boolean vm) throws Exception {
        assertEquals("true", flag(out, "UseParallelGC"), out);
        assertEquals(String.valueOf(16L << 20), flag(out, "MaxNewSize"));
        assertEquals("0", flag(out, "MaxTenuringThreshold"));
        if (vm) {
            assertEquals(flag(out, "MaxHeapSize"), flag(out, "InitialHeapSize"));
            assertEquals(flag(out, "InitialHeapSize"), flag(out, "MinHeapSize"),
                    "the minimum heap is pinned at the committed size: the collector never shrinks it (round 63: 6,026 to 452 MB)");
        } else {
            assertTrue(Long.parseLong(flag(out, "InitialHeapSize")) <= Long.parseLong(flag(out, "MaxHeapSize")) / 8,
                    "a command without a VM starts with a small heap: " + flag(out, "InitialHeapSize"));
        }
        assertEquals(String.valueOf(256L << 20), flag(out, "MetaspaceSize"), "no full collection when class metadata passes 21 MB");
        Path thp = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
        if (Files.isReadable(thp) && !Files.readString(thp).contains("[never]"))
            assertEquals("true", flag(out, "UseTransparentHugePages"), "the heap asks for huge pages (first touches of fresh memory)");
    }

    /**
     * The class-data archives are mapped at the address they were made for, not relocated at each start (which
     * touches every page of them: 2,100-3,100 page faults per start of `vmckpt run`, docs/BENCHMARKS.md round 27).
     */
    @Test
    void theLauncherMapsTheClassDataArchivesWithoutRelocating() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(checkout().resolve("vmckpt").toString(), "--version");
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        assertEquals("0", flag(run(pb), "ArchiveRelocationMode"));
    }

    /**
     * As root the JVM maps Java thread priorities to nice values, and Java priority 2, the background priority of the
     * checkpoint engine's reading of the boot files (PageClassifier), to nice 19, so that it takes only CPU the guest's
     * thread and the compiler threads leave during the boot (docs/BENCHMARKS.md, round 19).
     */
    @Test
    void asRootTheLauncherMapsBackgroundPriorityToNice19() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(checkout().resolve("vmckpt").toString(), "--version");
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        String out = run(pb);
        boolean root = "0".equals(new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes()).trim());
        if (!root) return; // (priorities stay Java's own without root: nothing to map)
        assertEquals("1", flag(out, "ThreadPriorityPolicy"));
        assertEquals("19", flag(out, "JavaPriority2_To_OSPriority"));
    }

    /**
     * With the WhiteBox jar in the checkout (whitebox/target/vmckpt-whitebox.jar, here made from the module's classes),
     * the launcher starts the JVM with HotSpot's WhiteBox API, through which translated units are compiled at C1 tier 1
     * (docs/ARCHITECTURE.md, "The translator", Compiling units); the JVM's own output is off (-XX:+DisplayVMOutput
     * turns it on for this check).
     */
    @Test
    void theLauncherGivesTheJvmTheWhiteBoxApi() throws Exception {
        Path checkout = checkout();
        Path classes = Path.of("").toAbsolutePath().getParent().resolve("whitebox/target/classes");
        Path wbJar = Files.createDirectories(checkout.resolve("whitebox/target")).resolve("vmckpt-whitebox.jar");
        try (OutputStream out = Files.newOutputStream(wbJar); JarOutputStream jar = new JarOutputStream(out)) {
            jar.putNextEntry(new java.util.jar.JarEntry("sun/hotspot/WhiteBox.class"));
            jar.write(Files.readAllBytes(classes.resolve("sun/hotspot/WhiteBox.class")));
            jar.closeEntry();
        }
        ProcessBuilder pb = new ProcessBuilder(checkout.resolve("vmckpt").toString(), "--version");
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+DisplayVMOutput -XX:+PrintFlagsFinal");
        String out = run(pb);
        assertEquals("true", flag(out, "WhiteBoxAPI"), out);
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XX:+PrintFlagsFinal");
        assertTrue(run(pb).startsWith("vmckpt 0."), "nothing but the version: the JVM's own output is off");
    }

    /**
     * The native helper ./build makes (cli/target/libvmckpt-native.so: OldGenPrefault's madvise) is named to the JVM
     * when it is there, and not otherwise (the prefault then stays off).
     */
    @Test
    void theLauncherNamesTheNativeHelperWhenItIsBuilt() throws Exception {
        Path checkout = checkout();
        ProcessBuilder pb = new ProcessBuilder(checkout.resolve("vmckpt").toString(), "--version");
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XshowSettings:properties");
        String without = run(pb);
        assertTrue(!without.contains(NativeMemory.LIBRARY_PROPERTY) && without.contains("vmckpt 0."), without);
        Files.createFile(checkout.resolve("cli/target/libvmckpt-native.so"));
        String with = run(pb);
        assertTrue(with.matches("(?s).*" + java.util.regex.Pattern.quote(NativeMemory.LIBRARY_PROPERTY) + " = \\S*/cli/target/libvmckpt-native\\.so\\s.*"), with);
    }

    /**
     * zstd's native library as ./build extracts it (cli/target/libzstd-jni.so) is named to zstd-jni (ZstdNativePath)
     * while it is newer than the jar, so it is the jar's zstd-jni's; not when it is missing or older than the jar (a jar
     * built since, perhaps with another zstd-jni: it then extracts its own library as before).
     */
    @Test
    void theLauncherNamesZstdsNativeLibraryWhileItIsNewerThanTheJar() throws Exception {
        Path checkout = checkout();
        ProcessBuilder pb = new ProcessBuilder(checkout.resolve("vmckpt").toString(), "--version");
        pb.environment().put("VMCKPT_JAVA_OPTS", "-XshowSettings:properties");
        String without = run(pb);
        assertTrue(!without.contains("ZstdNativePath") && without.contains("vmckpt 0."), without);
        Path so = checkout.resolve("cli/target/libzstd-jni.so");
        Files.createFile(so);
        java.nio.file.attribute.FileTime jarTime = Files.getLastModifiedTime(checkout.resolve("cli/target/vmckpt.jar"));
        Files.setLastModifiedTime(so, java.nio.file.attribute.FileTime.fromMillis(jarTime.toMillis() + 5_000));
        String with = run(pb);
        assertTrue(with.matches("(?s).*ZstdNativePath = \\S*/cli/target/libzstd-jni\\.so\\s.*"), with);
        Files.setLastModifiedTime(so, java.nio.file.attribute.FileTime.fromMillis(jarTime.toMillis() - 5_000));
        String stale = run(pb);
        assertTrue(!stale.contains("ZstdNativePath"), stale);
    }

    /**
     * The JVM's start warmed (round 70): the launcher gives the JVM the native helper as an agent with warmMiB=N for an
     * eager restore when VMCKPT_JAVA_OPTS holds -Dvmckpt.restore.warmMiB=N, and not for a lazy restore, another command,
     * without the option or with a value that is not a number. (A stand-in `java` first in PATH prints the command line.)
     */
    @Test
    void theLauncherWarmsAnEagerRestoresStartOnlyWhenAsked() throws Exception {
        Path checkout = checkout();
        Files.createFile(checkout.resolve("cli/target/libvmckpt-native.so"));
        Path bin = Files.createDirectories(temp.resolve("standin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"java $*\"\n");
        assertTrue(java.toFile().setExecutable(true));
        String agent = "(?s).*-agentpath:\\S*/cli/target/libvmckpt-native\\.so=warmMiB=96 .*";
        String eager = standIn(checkout, bin, "-Dvmckpt.restore.warmMiB=96", "restore", "ID");
        assertTrue(eager.matches(agent), eager);
        assertFalse(standIn(checkout, bin, "-Dvmckpt.restore.warmMiB=96", "restore", "ID", "--lazy").contains("-agentpath"));
        assertFalse(standIn(checkout, bin, "-Dvmckpt.restore.warmMiB=96", "run").contains("-agentpath"));
        assertFalse(standIn(checkout, bin, "-Dfoo=1", "restore", "ID").contains("-agentpath"));
        assertFalse(standIn(checkout, bin, "-Dvmckpt.restore.warmMiB=x", "restore", "ID").contains("-agentpath"));
    }

    private String standIn(Path checkout, Path bin, String javaOpts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(checkout.resolve("vmckpt").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        pb.environment().put("VMCKPT_JAVA_OPTS", javaOpts);
        return run(pb);
    }

    /** A flag's final value from -XX:+PrintFlagsFinal's table ("     size_t MaxNewSize   = 16777216   {product} ..."). */
    private static String flag(String flagsFinal, String name) {
        for (String line : flagsFinal.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 4 && f[1].equals(name) && f[2].equals("=")) return f[3];
        }
        throw new AssertionError("no flag " + name + " in the JVM's flag table");
    }

    private String run(ProcessBuilder pb) throws Exception {
        Process p = pb.redirectErrorStream(true).directory(temp.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    /** A copy of the launcher with a jar whose manifest points at this build's classes. */
    private Path checkout() throws Exception {
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
        return checkout;
    }
}
