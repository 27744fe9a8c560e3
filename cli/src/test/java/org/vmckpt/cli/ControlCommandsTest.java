package org.vmckpt.cli;

import org.vmckpt.cli.qmp.TestVm;
import org.vmckpt.checkpoint.store.Stats;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.CheckpointRequest;
import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpServer;

/** The VM control commands as QMP clients of a real {@link QmpServer} backed by a test VM controller. */
@Timeout(30)
class ControlCommandsTest {
    @TempDir
    Path dir;
    TestVm vm;
    QmpServer server;
    Path socket;

    @BeforeEach
    void startServer() throws IOException {
        socket = dir.resolve("vm.sock");
        vm = new TestVm();
        server = QmpServer.start(socket, vm);
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private interface Command {
        int run(String[] argv, CommandOutput io);
    }

    private record Result(int status, String out, String err) {
    }

    private Result run(boolean terminal, Command command, String... argv) {
        CapturedOutput c = new CapturedOutput(terminal);
        int status = command.run(argv, c.io());
        assertFalse(c.err().contains("\tat "), "no stack traces: " + c.err());
        return new Result(status, c.out(), c.err());
    }

    private Result run(Command command, String... argv) {
        return run(false, command, argv);
    }

    /** argv[0] is the command name; the socket path goes right after it. */
    private Result onVm(Command command, String name, String... rest) {
        String[] argv = Stream.concat(Stream.of(name, socket.toString()), Arrays.stream(rest)).toArray(String[]::new);
        return run(command, argv);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String text) throws Exception {
        return (Map<String, Object>) Json.parse(text.trim());
    }

    @Test
    void statusShowsRunStateAndCheckpointing() throws Exception {
        Result r = onVm(StatusCommand::run, "status");
        assertEquals(0, r.status(), r.err());
        // For people: words and units, never raw nanoseconds or null.
        assertEquals(socket + ": running  (socket " + socket + ")\n"
                + "checkpointing     idle\n"
                + "last checkpoint   none yet\n"
                + "next incremental  none possible yet (the next checkpoint is full)\n", r.out());
        Map<String, Object> m = json(onVm(StatusCommand::run, "status", "--json").out());
        assertEquals("running", m.get("status"));
        assertEquals(true, m.get("running"));
        assertEquals(socket.toString(), m.get("socket"));
        assertEquals(false, ((Map<?, ?>) m.get("checkpoint")).get("in-progress"));
        assertEquals("test-vm", m.get("name"));
    }

    @Test
    void statusPrintsDurationsInUnits() {
        Map<String, Object> checkpoint = new java.util.LinkedHashMap<>();
        checkpoint.put("in-progress", true);
        checkpoint.put("repository", "/r");
        checkpoint.put("parent", "0123456789abcdef0123");
        checkpoint.put("last-id", "0123456789abcdef0123");
        checkpoint.put("last-downtime-ns", 350_000L);
        checkpoint.put("last-total-ns", 1_250_000_000L);
        String text = StatusCommand.describe("demo", "/s", Map.of("status", "paused"), checkpoint);
        assertEquals("demo: paused  (socket /s)\n"
                + "checkpointing     a checkpoint is being taken\n"
                + "repository        /r\n"
                + "last checkpoint   0123456789ab, downtime 0.35 ms, took 1.25 s\n"
                + "next incremental  builds on 0123456789ab\n", text);
    }

    @Test
    void pauseAndResumeChangeTheRunState() throws Exception {
        Result r = onVm(PauseCommand::run, "pause");
        assertEquals(0, r.status(), r.err());
        assertEquals(socket + ": paused\n", r.out());
        assertEquals("paused", vm.status());
        assertEquals("paused", json(onVm(PauseCommand::run, "pause", "--json").out()).get("status"), "pausing twice is fine");
        r = onVm(ResumeCommand::run, "resume");
        assertEquals(socket + ": running\n", r.out());
        assertEquals("running", vm.status());
    }

    @Test
    void checkpointSendsTheOptionsAndPrintsTheSummary() {
        Result r = onVm(CheckpointCommand::run, "checkpoint", "--stop-and-copy", "--incremental", "--label", "before upgrade");
        assertEquals(0, r.status(), r.err());
        assertEquals("checkpoint " + TestVm.id(1) + ": 400.0 KiB in 0.25 s, downtime 1.23 ms, 100 pages saved "
                + "(200 zero, 30 free, 4 disk, 0 boot files)\n", r.out());
        assertEquals("", r.err(), "no progress when stderr is not a terminal");
        assertEquals(new CheckpointRequest("before upgrade", false, true, false, Map.of()), vm.requests.get(0));

        assertEquals(0, onVm(CheckpointCommand::run, "checkpoint").status());
        assertEquals(new CheckpointRequest(null, true, false, false, Map.of()), vm.requests.get(1), "live and full by default");

        assertEquals(0, onVm(CheckpointCommand::run, "checkpoint", "--leave-paused").status());
        assertTrue(vm.requests.get(2).leavePaused());
        assertEquals("paused", vm.status());
    }

    @Test
    void stopIsTheOlderNameOfStopAndCopy() {
        assertEquals(0, onVm(CheckpointCommand::run, "checkpoint", "--stop").status());
        assertEquals(new CheckpointRequest(null, false, false, false, Map.of()), vm.requests.get(0), "--stop is stop-and-copy, not leave-paused");
        assertEquals("running", vm.status());
    }

    @Test
    void baselineIsAFullStopAndCopyWithTheBaselineOption() {
        assertEquals(0, onVm(CheckpointCommand::run, "checkpoint", "--baseline").status());
        assertEquals(new CheckpointRequest(null, false, false, false, Map.of("baseline", true)), vm.requests.get(0));
        Result r = onVm(CheckpointCommand::run, "checkpoint", "--baseline", "--incremental");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("cannot be --incremental"), r.err());
        assertEquals(1, vm.requests.size(), "nothing sent");
    }

    @Test
    void checkpointJsonIsTheVmsReply() throws Exception {
        Map<String, Object> m = json(onVm(CheckpointCommand::run, "checkpoint", "--json").out());
        assertEquals(socket.toString(), m.get("vm"));
        assertEquals(TestVm.id(1), m.get("id"));
        assertEquals(409_600L, m.get("size"));
        assertEquals(1_234_567L, m.get("downtime-ns"));
        assertEquals(200L, ((Map<?, ?>) m.get("pages")).get(Stats.EVICT_ZERO));
    }

    @Test
    void checkpointShowsProgressOnATerminalAndErasesIt() {
        vm.progressMillis = 400;
        Result r = run(true, CheckpointCommand::run, "checkpoint", socket.toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("\r\033[Kcheckpoint pages: "), r.err());
        assertTrue(r.err().contains("/" + TestVm.TOTAL_PAGES + " pages ("), r.err());
        assertTrue(r.err().endsWith("\r\033[K"), "erased before the summary");
        assertTrue(r.out().startsWith("checkpoint " + TestVm.id(1) + ": "), r.out());
    }

    @Test
    void aFailedCheckpointSaysWhy() {
        vm.failWith = "disk full while writing pack";
        Result r = onVm(CheckpointCommand::run, "checkpoint");
        assertEquals(1, r.status());
        assertEquals("vmckpt checkpoint: the VM refused: disk full while writing pack\n", r.err());
    }

    @Test
    void resetRollsBackToACheckpointTheVmTook() throws Exception {
        onVm(CheckpointCommand::run, "checkpoint");
        Result r = onVm(ResetCommand::run, "reset", TestVm.id(1));
        assertEquals(0, r.status(), r.err());
        assertEquals(socket + ": reset to " + TestVm.id(1) + ", 42 pages restored in 5.00 ms\n", r.out());
        Map<String, Object> m = json(onVm(ResetCommand::run, "reset", TestVm.id(1), "--json").out());
        assertEquals(42L, m.get("pages-restored"));
        r = onVm(ResetCommand::run, "reset", "feedfeedfeedfeed");
        assertEquals(1, r.status());
        assertEquals("vmckpt reset: the VM refused: no checkpoint with id 'feedfeedfeedfeed'\n", r.err());
        assertEquals(2, run(ResetCommand::run, "reset", socket.toString()).status(), "needs the checkpoint");
    }

    @Test
    void quitEndsTheVm() {
        Result r = onVm(QuitCommand::run, "quit");
        assertEquals(0, r.status(), r.err());
        assertEquals(socket + ": quit\n", r.out());
        assertEquals(1, vm.quitCalls.get());
    }

    @Test
    void aVmThatIsNotRunningIsExplained() throws IOException {
        String name = "no-such-vm-" + UUID.randomUUID();
        Path expected = VmSockets.socketFor(name);
        Result r = run(StatusCommand::run, "status", name);
        assertEquals(1, r.status());
        assertEquals("vmckpt status: no VM named " + name + " is running (no socket at " + expected
                + "); start one with vmckpt run --name " + name + "\n", r.err());

        Path missing = dir.resolve("gone.sock");
        r = run(CheckpointCommand::run, "checkpoint", missing.toString());
        assertEquals("vmckpt checkpoint: no VM is running at " + missing + " (no such socket); start one with vmckpt run "
                + "--api-socket " + missing + "\n", r.err());

        Path notListening = dir.resolve("stale.sock");
        Files.writeString(notListening, "");
        r = run(PauseCommand::run, "pause", notListening.toString());
        assertEquals(1, r.status());
        assertEquals("vmckpt pause: no VM is running at " + notListening + " (nothing is listening on it); start one with "
                + "vmckpt run --api-socket " + notListening + "\n", r.err());
    }

    @Test
    void usageErrorsAndHelp() {
        for (Command c : List.<Command>of(StatusCommand::run, PauseCommand::run, ResumeCommand::run, CheckpointCommand::run,
                ResetCommand::run, QuitCommand::run)) {
            Result help = run(c, "x", "--help");
            assertEquals(0, help.status());
            assertTrue(help.out().startsWith("Usage: vmckpt "), help.out());
            assertTrue(help.out().contains("VM is the name given to 'vmckpt run --name'") || help.out().contains("VM is the name"),
                    help.out());
            Result none = run(c, "x");
            assertEquals(2, none.status(), none.err());
        }
        Result r = run(StatusCommand::run, "status", "bad name");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("a VM name cannot contain ' '"), r.err());
    }
}
