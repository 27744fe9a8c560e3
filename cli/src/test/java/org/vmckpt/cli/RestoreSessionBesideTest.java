package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.QmpClient;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -Dvmckpt.restore.sessionBeside=true} (round 78, VmSession.RESTORE_SESSION_BESIDE), with the bare-metal memwalk
 * program (a heartbeat every 64 timer ticks of 100 µs of guest time): a restored guest runs before its session is set up
 * (the checkpoint engine, the control socket and {@code --stats}' report come after its first instruction), its time
 * goes on from exactly the checkpoint's (the mark lines' diagnostic gives its mtime at the first instruction), its control
 * socket then works, and an incremental checkpoint of it (its engine and warm-up captures made while the guest ran) holds
 * the same state as a full one of the same moment. (Not a test of the warm-up's dirty log: memwalk rewrites all its pages
 * within moments, and the check passed with the warm-up's {@code lineage.noteCaptured} taken out.) A control socket that
 * cannot be opened still fails the command. With {@code =eager} a lazy restore is set up as without the switch.
 */
class RestoreSessionBesideTest {
    @TempDir
    Path temp;

    private static final Path MEMWALK = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
    private static final List<String> BESIDE = List.of("-Dvmckpt.restore.sessionBeside=true", "-Dvmckpt.stats.markPrefix=memwalk heartbeat");
    /** The first mark line's account of the restore (MarkTimes). */
    private static final Pattern FIRST = Pattern.compile("at the first instruction: mtime (\\d+), .*; the first instruction ([\\d.]+) ms after \"restored\" \\(([^)]*)\\)");
    private static final Pattern AHEAD = Pattern.compile("reference pages ahead: ([\\d,]+) of ([\\d,]+) in at its first instruction");

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void theRestoredGuestRunsFirstWithItsTimeAndItsSessionFollows() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--elf", MEMWALK.toString(), "--mem", "64", "--name", "beside", "--api-socket", socket.toString(),
                        "--repo", repo.toString()))) {
            run.awaitSocket(socket);
            run.await("memwalk heartbeat 3", 0, 60_000);
            try (QmpClient qmp = QmpClient.connect(socket)) {
                qmp.execute("vmckpt-checkpoint", Map.of("name", "c1"));
            }
        }
        long savedMtime;
        try (Checkpoint c = Repository.open(repo, false).open("c1")) {
            Restorer.Restored r = Restorer.restore(c, null, b -> { }, false, null);
            savedMtime = r.machine().clint().mtime(); // a restored machine is paused: its clock stands at the saved time
            r.machine().virtio().close();
        }

        Path socket2 = temp.resolve("restore.sock");
        Path log = temp.resolve("restore.log");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("restore.console"), log, BESIDE,
                List.of("restore", "c1", "--stats", "--api-socket", socket2.toString(), "--repo", repo.toString()))) {
            restored.awaitSocket(socket2);
            restored.await("memwalk heartbeat", 0, 60_000);
            String text = restored.awaitLog(FIRST);
            Matcher m = FIRST.matcher(text);
            assertTrue(m.find(), text);
            assertEquals(savedMtime, Long.parseLong(m.group(1)), "the guest's time at its first instruction is the checkpoint's\n" + text);
            double first = Double.parseDouble(m.group(2));
            // Whatever of the session was set up by the guest's first heartbeat came after its first instruction.
            Matcher step = Pattern.compile("(stats printed|checkpoint engine|control socket) ([\\d.]+)").matcher(m.group(3));
            while (step.find()) {
                assertTrue(Double.parseDouble(step.group(2)) > first, step.group(1) + " at " + step.group(2) + " ms after \"restored\", before the guest's "
                        + "first instruction at " + first + " ms: the session was not set up beside the guest\n" + text);
            }
            assertTrue(Files.readString(log, StandardCharsets.ISO_8859_1).contains("vmckpt: restore phases:") || restored.awaitLog(
                    Pattern.compile("vmckpt: restore phases:")) != null, "--stats' report is printed beside the guest");
            try (QmpClient qmp = QmpClient.connect(socket2)) {
                assertEquals("running", qmp.execute("query-status", null).get("status"));
                assertEquals("beside", qmp.execute("query-name", null).get("name"), "a restored VM keeps its name");
                // Two checkpoints of one moment: incremental (parent c1) and full.
                qmp.execute("stop", null);
                qmp.execute("vmckpt-checkpoint", Map.of("name", "c2i", "incremental", true));
                qmp.execute("vmckpt-checkpoint", Map.of("name", "c2f"));
                qmp.execute("cont", null);
            }
            long beats = restored.consoleText().lines().filter(l -> l.startsWith("memwalk heartbeat")).count();
            awaitMoreHeartbeats(restored, beats + 3);
        }
        Repository r = Repository.open(repo, false);
        try (Checkpoint inc = r.open("c2i"); Checkpoint full = r.open("c2f")) {
            Restorer.Restored a = Restorer.restore(inc, null, b -> { }, false, null);
            Restorer.Restored b = Restorer.restore(full, null, x -> { }, false, null);
            assertNotEquals(savedMtime, b.machine().clint().mtime(), "the restored guest ran on");
            assertArrayEquals(b.machine().stateHash(), a.machine().stateHash(),
                    "an incremental checkpoint of the restored guest holds the state a full one of the same moment holds");
            a.machine().virtio().close();
            b.machine().virtio().close();
        }
    }

    /**
     * Round 79: every control socket path that refuses the command (taken by a live socket, a file that is not a socket, a
     * directory that cannot hold it, too long to bind) fails the restore under the switch before the guest's first
     * instruction: the same error line and status as without the switch, nothing printed by the guest (memwalk prints a
     * heartbeat every 6.4 ms of guest time), no note that the guest ran; round 80: the repository, its label index
     * among its files, as it was.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aControlSocketThatCannotBeOpenedFailsTheRestoreBeforeTheGuestRuns() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = checkpointMemwalk(root);
        Map<String, String> before = treeDigest(repo); // (round 80: a refused restore by label leaves the repository, LABELS too)
        Path live = temp.resolve("live.sock");
        Path notSocket = temp.resolve("plain-file");
        Files.writeString(notSocket, "not a socket");
        Path notDir = temp.resolve("not-a-directory");
        Files.writeString(notDir, "a file");
        Map<String, Path> paths = new java.util.LinkedHashMap<>();
        paths.put("taken by a live socket", live);
        paths.put("a file that is not a socket", notSocket);
        paths.put("under a file, not a directory", notDir.resolve("vm.sock"));
        paths.put("longer than a socket address holds", temp.resolve("x".repeat(120) + ".sock")); // (108 bytes)
        try (java.nio.channels.ServerSocketChannel holder = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            holder.bind(java.net.UnixDomainSocketAddress.of(live));
            int k = 0;
            for (Map.Entry<String, Path> e : paths.entrySet()) {
                String[] lines = new String[2];
                int[] status = new int[2];
                for (int with = 0; with < 2; with++) {
                    k++;
                    Path log = temp.resolve("bad" + k + ".log");
                    Path console = temp.resolve("bad" + k + ".console");
                    try (VmckptProcess restored = VmckptProcess.start(root, console, log, with == 1 ? BESIDE : List.of("-Dvmckpt.restore.sessionBeside=false"),
                            List.of("restore", "c1", "--stats", "--api-socket", e.getValue().toString(), "--repo", repo.toString()))) {
                        assertTrue(restored.process().waitFor(90, TimeUnit.SECONDS), e.getKey() + ": the restore did not end\n" + restored.describe());
                        status[with] = restored.process().exitValue();
                        String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                        lines[with] = text.lines().filter(l -> l.startsWith("vmckpt restore: ")).findFirst().orElse("(no error line)\n" + text);
                        assertTrue(lines[with].contains("cannot open the control socket"), e.getKey() + ": the command names the socket\n" + text);
                        assertTrue(!text.contains("the guest ran") && !restored.consoleText().contains("memwalk heartbeat"), e.getKey()
                                + (with == 1 ? " (sessionBeside)" : "") + ": the guest ran before the control socket refused the command\n"
                                + restored.describe());
                    }
                    assertEquals(before, treeDigest(repo), e.getKey() + (with == 1 ? " (sessionBeside)" : "") + ": the repository is as it was");
                }
                assertNotEquals(0, status[1], e.getKey());
                assertEquals(status[0], status[1], e.getKey() + ": the exit status as without the switch");
                assertEquals(lines[0], lines[1], e.getKey() + ": the error as without the switch");
            }
        }
        assertTrue(Files.isRegularFile(notSocket), "a file that is not a socket is left alone");
    }

    /**
     * Round 79: a failure in the session beside the running guest (a test's injected failure at each step,
     * -Dvmckpt.restore.besideFault) stops the guest, the command names the step and exits 1, the bound socket is removed,
     * and the repository (the checkpoint's files among them) is byte for byte what it was.
     */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void aFailureBesideStopsTheGuestCleanlyAndSaysWhat() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = checkpointMemwalk(root);
        Map<String, String> before = treeDigest(repo);
        Map<String, String> steps = Map.of("report", "--stats' report", "engine", "checkpoint engine", "control", "control socket");
        for (Map.Entry<String, String> step : steps.entrySet()) {
            Path sock = temp.resolve(step.getKey() + ".sock");
            Path log = temp.resolve(step.getKey() + ".log");
            List<String> opts = List.of("-Dvmckpt.restore.sessionBeside=true", "-Dvmckpt.restore.besideFault=" + step.getKey());
            try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve(step.getKey() + ".console"), log, opts,
                    List.of("restore", "c1", "--stats", "--api-socket", sock.toString(), "--repo", repo.toString()))) {
                assertTrue(restored.process().waitFor(90, TimeUnit.SECONDS), step.getKey() + ": the restore did not end\n" + restored.describeStalled());
                String text = Files.readString(log, StandardCharsets.ISO_8859_1);
                assertEquals(1, restored.process().exitValue(), step.getKey() + ": exit status\n" + text);
                assertTrue(text.contains("vmckpt restore: the restored VM's session could not be set up beside its guest (" + step.getValue()
                        + "): ") && text.contains("injected failure at the " + step.getKey() + " step"), step.getKey()
                        + ": the error names the step that failed and why\n" + text);
                assertTrue(Pattern.compile("the guest ran \\d+ instructions and was stopped").matcher(text).find(), text);
                assertTrue(!Files.exists(sock), step.getKey() + ": the control socket bound before the guest ran is removed");
            }
            assertEquals(before, treeDigest(repo), step.getKey() + ": the repository is as it was");
        }
        // ... and the checkpoint restores as before.
        Path sock = temp.resolve("after.sock");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("after.console"), temp.resolve("after.log"), BESIDE,
                List.of("restore", "c1", "--api-socket", sock.toString(), "--repo", repo.toString()))) {
            restored.awaitSocket(sock);
            restored.await("memwalk heartbeat", 0, 60_000);
            // (round 80) Its session set up beside the guest (after the first heartbeat, maybe), the restore by label
            // writes the label index it held: waited for, a watchdog's bound.
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.isRegularFile(repo.resolve("LABELS")) && restored.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertTrue(Files.isRegularFile(repo.resolve("LABELS")), "a restore by label that succeeded wrote the label index\n" + restored.describe());
        }
    }

    /** A memwalk VM's checkpoint c1 in a new repository (returned). */
    private Path checkpointMemwalk(Path root) throws Exception {
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--elf", MEMWALK.toString(), "--mem", "64", "--api-socket", socket.toString(), "--repo", repo.toString()))) {
            run.awaitSocket(socket);
            run.await("memwalk heartbeat 2", 0, 60_000);
            try (QmpClient qmp = QmpClient.connect(socket)) {
                qmp.execute("vmckpt-checkpoint", Map.of("name", "c1"));
            }
        }
        return repo;
    }

    /**
     * Every file under {@code dir} (relative path) and its SHA-256, the label index ({@code LABELS}) among them (round 80:
     * a restore by label writes it only once the session is set up, Repository.holdLabelIndex; before, it was left out
     * here, as any restore by label wrote it before "restored").
     */
    private static Map<String, String> treeDigest(Path dir) throws Exception {
        Map<String, String> out = new java.util.TreeMap<>();
        try (var files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
                out.put(dir.relativize(f).toString(), java.util.HexFormat.of().formatHex(d));
            }
        }
        return out;
    }

    /** {@code =eager} without lazyAhead: a lazy restore sets its session up before the guest runs (as without the switch), an eager one beside it. */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void eagerOnlyLeavesALazyRestoreAsWithout() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = checkpointMemwalk(root);
        // (lazyAhead off: with it, on by default since round 80, a lazy restore's session is beside too: aLazyRestoreWithTheReferencesAheadRunsItsGuestBeforeItsSession)
        List<String> eagerOnly = List.of("-Dvmckpt.restore.sessionBeside=eager", "-Dvmckpt.restore.lazyAhead=false", "-Dvmckpt.stats.markPrefix=memwalk heartbeat");
        for (boolean lazy : new boolean[] {true, false}) {
            String what = lazy ? "lazy" : "eager";
            Path sock = temp.resolve(what + ".sock");
            Path log = temp.resolve(what + ".log");
            List<String> args = new ArrayList<>(List.of("restore", "c1", "--stats", "--api-socket", sock.toString(), "--repo", repo.toString()));
            if (lazy) args.add("--lazy");
            try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve(what + ".console"), log, eagerOnly, args)) {
                restored.awaitSocket(sock);
                restored.await("memwalk heartbeat", 0, 60_000);
                String text = restored.awaitLog(FIRST);
                Matcher m = FIRST.matcher(text);
                assertTrue(m.find(), text);
                double first = Double.parseDouble(m.group(2));
                Matcher step = Pattern.compile("(checkpoint engine|control socket) ([\\d.]+)").matcher(m.group(3));
                int before = 0;
                while (step.find()) {
                    boolean isBefore = Double.parseDouble(step.group(2)) < first;
                    if (isBefore) before++;
                    assertEquals(lazy, isBefore, what + " restore under =eager: " + step.group(1) + " at " + step.group(2)
                            + " ms after \"restored\", the guest's first instruction at " + first + " ms\n" + text);
                }
                if (lazy) assertEquals(2, before, "a lazy restore under =eager sets its engine and socket up before the guest runs\n" + text);
                // (round 80) Its session set up before the guest ran, the restore by label wrote the label index it held.
                if (lazy) assertTrue(Files.isRegularFile(repo.resolve("LABELS")), "a lazy restore by label that succeeded wrote the label index");
            }
        }
    }

    /**
     * {@code -Dvmckpt.restore.lazyAhead=true} (round 80, on by default) under the default {@code sessionBeside=eager}: a
     * lazy restore's guest, which then waits for its reference pages before its first instruction, runs before its
     * session is set up (the checkpoint engine and the control socket's serving come after its first instruction), as an
     * eager restore's does; its control socket then works, and {@code --stats} says how many reference pages were in at
     * the first instruction. (Round 81: was LazyAheadBesideTest.)
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void aLazyRestoreWithTheReferencesAheadRunsItsGuestBeforeItsSession() throws Exception {
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = checkpointMemwalk(root);
        Path sock = temp.resolve("lazy.sock");
        Path log = temp.resolve("lazy.log");
        List<String> args = new ArrayList<>(List.of("restore", "c1", "--lazy", "--stats", "--api-socket", sock.toString(), "--repo", repo.toString()));
        List<String> opts = List.of("-Dvmckpt.restore.lazyAhead=true", "-Dvmckpt.stats.markPrefix=memwalk heartbeat");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("lazy.console"), log, opts, args)) {
            restored.awaitSocket(sock);
            restored.await("memwalk heartbeat", 0, 60_000);
            String text = restored.awaitLog(FIRST);
            Matcher m = FIRST.matcher(text);
            assertTrue(m.find(), text);
            double first = Double.parseDouble(m.group(2));
            // In the old order the report ("stats printed"), the engine and the control socket's serving come before the
            // first instruction; beside it, after (those not set up yet by the first mark line are not listed).
            Matcher step = Pattern.compile("(stats printed|checkpoint engine|control socket) ([\\d.]+)").matcher(m.group(3));
            int after = 0;
            while (step.find()) {
                boolean isAfter = Double.parseDouble(step.group(2)) > first;
                assertTrue(isAfter, "lazy restore with lazyAhead: " + step.group(1) + " at " + step.group(2)
                        + " ms after \"restored\", the guest's first instruction at " + first + " ms\n" + text);
                after++;
            }
            // (None listed is beside too: a quick guest's first mark line can come before the session printed anything;
            // in the old order all three are done, and listed, before the first instruction.)
            assertTrue(after <= 3, text);
            String stats = restored.awaitLog(AHEAD);
            Matcher a = AHEAD.matcher(stats);
            assertTrue(a.find());
            assertEquals(a.group(2), a.group(1), "every reference page in at the first instruction\n" + stats);
            try (QmpClient qmp = QmpClient.connect(sock)) {
                qmp.execute("query-status", Map.of());
            }
        }
    }

    private static void awaitMoreHeartbeats(VmckptProcess p, long n) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (p.consoleText().lines().filter(l -> l.startsWith("memwalk heartbeat")).count() < n) {
            assertTrue(p.isAlive(), "vmckpt ended early:\n" + p.describe());
            assertTrue(System.nanoTime() < deadline, "the guest did not go on after cont:\n" + p.describe());
            Thread.sleep(50);
        }
    }
}
