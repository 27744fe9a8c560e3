package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.BatchReader;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.FrameBatch;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Executable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The restore's compiler directive ({@link RestoreCompilerDirectives}): it names the checkpoint's read side and nothing
 * else, a restore puts it in force (C2 then refuses restore code, and still compiles the rest), and a restored guest
 * still runs translated code.
 */
class RestoreCompilerDirectivesTest {
    @TempDir
    Path dir;

    /** The classes the patterns may match: what reads a stored checkpoint's pages into a machine. */
    private static final Set<String> RESTORE_CLASSES = Set.of(
            "org/vmckpt/checkpoint/Restorer", "org/vmckpt/checkpoint/Restorer$EagerLoad", "org/vmckpt/checkpoint/Restorer$Restored",
            "org/vmckpt/checkpoint/Restorer$CloseWindow", "org/vmckpt/checkpoint/Restorer$IntoArray",
            "org/vmckpt/checkpoint/PageLoader", "org/vmckpt/checkpoint/PageLoader$Sink", "org/vmckpt/checkpoint/PageLoader$Work",
            "org/vmckpt/checkpoint/PageLoader$ByFirst",
            "org/vmckpt/checkpoint/CheckpointPages", "org/vmckpt/checkpoint/BootFileDeltaBases",
            "org/vmckpt/checkpoint/store/Checkpoint", "org/vmckpt/checkpoint/store/PackReader",
            "org/vmckpt/checkpoint/store/BatchReader", "org/vmckpt/checkpoint/store/BatchReader$PageSink", "org/vmckpt/checkpoint/store/BatchReader$PageCopySink",
            "org/vmckpt/checkpoint/store/BatchReader$ThreadCpu",
            "org/vmckpt/checkpoint/store/FrameBatch", "org/vmckpt/checkpoint/store/FrameCache", "org/vmckpt/checkpoint/store/FrameCache$1");

    @Test
    void theDirectiveNamesTheRestoreCodeOnly() throws Exception {
        // Every class of the checkpoint and machine modules (the machine's hot path, guest memory, the engine's save side,
        // migration, PageDelta that a migration also applies, the lazy restore's run-thread side): which do the patterns match?
        Set<String> matched = new TreeSet<>();
        int classes = 0;
        for (Path location : List.of(classesOf(Restorer.class), classesOf(Machine.class))) {
            // a module's classes directory, or its jar (a build of one module takes the others from jars)
            java.nio.file.FileSystem jar = Files.isDirectory(location) ? null : java.nio.file.FileSystems.newFileSystem(location);
            Path root = jar == null ? location : jar.getPath("/");
            try (jar; Stream<Path> s = Files.walk(root)) {
                for (Path p : (Iterable<Path>) s.filter(f -> f.toString().endsWith(".class"))::iterator) {
                    String name = root.relativize(p).toString().replace('\\', '/').replaceAll("\\.class$", "");
                    classes++;
                    for (String pattern : RestoreCompilerDirectives.RESTORE_CODE) if (matches(pattern, name)) matched.add(name);
                }
            }
        }
        assertTrue(classes > 150, "scanned the modules' classes: " + classes);
        for (String m : matched) assertTrue(RESTORE_CLASSES.contains(m), m + " is matched but is not restore code");
        for (String c : List.of("org/vmckpt/checkpoint/Restorer", "org/vmckpt/checkpoint/PageLoader", "org/vmckpt/checkpoint/store/Checkpoint",
                "org/vmckpt/checkpoint/store/PackReader", "org/vmckpt/checkpoint/store/BatchReader")) {
            assertTrue(matched.contains(c), c + " is not matched: " + matched);
        }
        for (String c : List.of("org/vmckpt/checkpoint/store/CheckpointWriter", "org/vmckpt/checkpoint/CheckpointEngine",
                "org/vmckpt/checkpoint/PageDelta", "org/vmckpt/checkpoint/LazyPages", "org/vmckpt/machine/memory/GuestMemory")) {
            assertTrue(!matched.contains(c), c + " must keep HotSpot's policy");
        }
        String json = RestoreCompilerDirectives.json();
        for (String pattern : RestoreCompilerDirectives.RESTORE_CODE) assertTrue(json.contains('"' + pattern + '"'), json);
        assertTrue(json.contains("c2: { Exclude: true }") && !json.contains("c1:"), "C2 only is kept off: " + json);
        for (String method : RESTORE_METHODS) assertTrue(List.of(RestoreCompilerDirectives.RESTORE_CODE).contains(method), method);
    }

    @Test
    void aRestorePutsItInForceAndTheRestoredGuestRunsTranslatedCode() throws Throwable {
        MethodHandle enqueue, level;
        try {
            Class<?> wb = Class.forName("sun.hotspot.WhiteBox", true, null);
            enqueue = MethodHandles.publicLookup().findStatic(wb, "enqueueMethodForCompilation0",
                    MethodType.methodType(boolean.class, Executable.class, int.class, int.class));
            level = MethodHandles.publicLookup().findStatic(wb, "getMethodCompilationLevel0",
                    MethodType.methodType(int.class, Executable.class, boolean.class));
        } catch (ClassNotFoundException | UnsatisfiedLinkError e) {
            assumeTrue(false, "this JVM has no WhiteBox API (the build's test JVMs have it): " + e);
            return;
        }
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(2_000_000);
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = new CheckpointEngine(m, repo, null).checkpoint(CheckpointOptions.defaults().withLive(false), null).info().id();
        String hash = Machines.hash(m);
        Machine restored;
        try (Checkpoint ck = repo.open(id)) {
            restored = Restorer.restore(ck, null, b -> { }, false, null).machine();
        }
        assertEquals(hash, Machines.hash(restored), Machines.diff(m, restored));
        assertTrue(RestoreCompilerDirectives.install(), "the restore put the directive in force");

        // C2 refuses the restore's frame loop, and still compiles code the directive does not name.
        Executable restoreCode = BatchReader.class.getMethod("read", FrameBatch.class, BatchReader.PageSink.class);
        Executable deltaApply = PageDelta.class.getDeclaredMethod("apply", byte[].class, byte[].class, int.class);
        Executable other = PageDelta.class.getDeclaredMethod("xor", byte[].class, byte[].class, byte[].class, int.class);
        // (HotSpot checks a directive's exclusion when the compile is asked for; the answer is true anyway if the method
        // has C1 code already, so only the levels are looked at.)
        boolean ignored = (boolean) enqueue.invokeExact(restoreCode, 4, -1);
        ignored = (boolean) enqueue.invokeExact(deltaApply, 4, -1);
        ignored = (boolean) enqueue.invokeExact(other, 4, -1);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while ((int) level.invokeExact(other, false) != 4 && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(4, (int) level.invokeExact(other, false), "C2 compiled code the directive does not name");
        // Had C2 queued the restore code too, it would have compiled it by now or within a second more.
        for (deadline = System.nanoTime() + 1_000_000_000L; System.nanoTime() < deadline; ) {
            assertNotEquals(4, (int) level.invokeExact(restoreCode, false), "the restore code has no C2 code");
            assertNotEquals(4, (int) level.invokeExact(deltaApply, false), "PageDelta.apply has no C2 code");
            Thread.sleep(10);
        }

        // The restored guest runs, and runs translated units (compiled by C1 under the units' own directive).
        long before = restored.hart(0).translationStats().translatedInstructionsRun();
        restored.run(20_000_000);
        long after = restored.hart(0).translationStats().translatedInstructionsRun();
        assertTrue(after - before > 1_000_000, "the restored guest ran translated code: " + (after - before) + " instructions");
        restored.virtio().close();
        m.virtio().close();
    }

    /** The methods a pattern may name in a class it does not name whole: called only by restore code (above). */
    private static final Set<String> RESTORE_METHODS = Set.of("org/vmckpt/checkpoint/PageDelta.apply");

    /** HotSpot's method pattern, class part ("package/Class", a '*' at its end); the method part is "*" or a restore method. */
    private static boolean matches(String pattern, String className) {
        String cls = pattern.substring(0, pattern.lastIndexOf('.'));
        String method = pattern.substring(pattern.lastIndexOf('.') + 1);
        if (!method.equals("*")) {
            assertTrue(RESTORE_METHODS.contains(pattern), "a single method the restore alone calls: " + pattern);
            return false; // the class as a whole is not named
        }
        boolean prefix = cls.endsWith("*");
        String body = prefix ? cls.substring(0, cls.length() - 1) : cls;
        assertTrue(!body.contains("*"), "a '*' at the end only: " + pattern);
        return prefix ? className.startsWith(body) : className.equals(body);
    }

    private static Path classesOf(Class<?> c) throws Exception {
        return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
    }
}
