package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The checkpoint warm-up ({@link CheckpointWarmUp}) leaves the saver's code compiled before any real checkpoint, so
 * that the first one does not compile it while the guest runs: in a fresh child JVM (in this one earlier tests have
 * long compiled everything), after the warm-up the page loop ({@code PageClassifier.writePages}) has C1's profiling
 * code at least (tier 3, or C2's) and the writer's per-page call ({@code CheckpointWriter.putPage}) C2's; without it
 * (the same child, the warm-up skipped: what this test sees without the change) neither is compiled. The warm-up's
 * throwaway repository, in the child's temporary directory, is gone when it returns.
 */
class CheckpointWarmUpTest {
    @TempDir
    Path dir;

    @Test
    void theWarmUpLeavesTheSaversCodeAtC2AndNothingBehind() throws Exception {
        assumeTrue(org.vmckpt.machine.cpu.HotSpotCompiler.available(), "needs HotSpot's WhiteBox API (the build's test JVMs have it)");
        Path warmTmp = Files.createDirectories(dir.resolve("warm-tmp"));
        String[] warm = child("warm", warmTmp).split(" ");
        assertEquals(String.valueOf(CheckpointWarmUp.RUNS), warm[1], "throwaway checkpoints completed: " + String.join(" ", warm));
        assertTrue(Integer.parseInt(warm[3]) >= 3, "the page loop has profiled C1 or C2 code after the warm-up: " + String.join(" ", warm));
        assertEquals("4", warm[5], "the writer's per-page call has C2's code after the warm-up: " + String.join(" ", warm));
        assertTrue(Integer.parseInt(warm[7]) >= 1, "the copy-on-write path's TLB sweep is compiled after the warm-up: " + String.join(" ", warm));
        try (Stream<Path> left = Files.list(warmTmp)) {
            assertEquals(List.of(), left.toList(), "the warm-up's temporary repository is deleted");
        }
        String cold = child("cold", Files.createDirectories(dir.resolve("cold-tmp")));
        assertEquals("runs 0 writePages 0 putPage 0 pageReplaced 0", cold, "without the warm-up nothing of the saver is compiled");
    }

    /** Off by default (round 60: the default guest's boot was slower with it); {@code -Dvmckpt.checkpoint.warmUp=true} turns it on. */
    @Test
    void offByDefaultAndOnWhenAsked() throws Exception {
        assertEquals("started false", child("start", Files.createDirectories(dir.resolve("off-tmp"))));
        assertEquals("started true", child("start", Files.createDirectories(dir.resolve("on-tmp")), "-Dvmckpt.checkpoint.warmUp=true"));
    }

    /**
     * The warm-up waits for the guest to be idle for a while ({@code IdleWindow}), not for the engine's call: a guest
     * that does not run gets none in 1.5 s (round 60's warm-up ran at once from the first idle, during a boot), and once
     * the guest (memwalk, which waits for its timer most of the time) has run for a while, both throwaway checkpoints run.
     */
    @Test
    void theWarmUpWaitsForAGuestIdleForAWhile() throws Exception {
        assertEquals("before 0 waiting true after " + CheckpointWarmUp.RUNS,
                child("guest", Files.createDirectories(dir.resolve("guest-tmp")), "-Dvmckpt.checkpoint.warmUp=true"));
    }

    /** Runs {@link CheckpointWarmUpMain} in a fresh JVM with this one's options (the WhiteBox API's); returns its line. */
    private static String child(String mode, Path tmp, String... jvmOptions) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (the API's options, as surefire's argLine)
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent") || a.startsWith("-Djava.io.tmpdir"));
        cmd.addAll(List.of(jvmOptions));
        cmd.addAll(List.of("-Djava.io.tmpdir=" + tmp, "-cp", System.getProperty("java.class.path"),
                CheckpointWarmUpMain.class.getName(), mode));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child did not end");
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1].trim();
    }
}
