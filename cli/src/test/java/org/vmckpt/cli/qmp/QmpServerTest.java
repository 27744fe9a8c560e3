package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class QmpServerTest {
    @TempDir
    Path dir;
    Path socket;
    TestVm vm;
    QmpServer server;
    final List<RawQmpClient> clients = new ArrayList<>();

    @BeforeEach
    void startServer() throws IOException {
        socket = dir.resolve("vm.qmp");
        vm = new TestVm();
        server = QmpServer.start(socket, vm);
    }

    @AfterEach
    void stopServer() throws IOException {
        for (RawQmpClient c : clients) {
            c.close();
        }
        server.close();
    }

    RawQmpClient connect() throws IOException {
        RawQmpClient c = new RawQmpClient(socket);
        clients.add(c);
        return c;
    }

    @Test
    void greetingThenNegotiationIsRequired() throws Exception {
        RawQmpClient c = connect();
        Map<String, Object> greeting = c.nextMessage();
        assertEquals(List.of("QMP"), List.copyOf(greeting.keySet()));
        Map<?, ?> qmp = (Map<?, ?>) greeting.get("QMP");
        assertEquals(List.of(), qmp.get("capabilities"));
        Map<?, ?> version = (Map<?, ?>) qmp.get("version");
        Map<?, ?> triple = (Map<?, ?>) version.get("qemu");
        assertInstanceOf(Long.class, triple.get("major"));
        assertInstanceOf(Long.class, triple.get("minor"));
        assertInstanceOf(Long.class, triple.get("micro"));
        assertInstanceOf(String.class, version.get("package"));

        Map<String, Object> early = RawQmpClient.error(c.command("{\"execute\": \"query-status\", \"id\": 1}"));
        assertEquals("CommandNotFound", early.get("class"));
        assertEquals("Expecting capabilities negotiation with 'qmp_capabilities' before command 'query-status'", early.get("desc"));
        assertEquals("CommandNotFound", RawQmpClient.error(c.command("{\"execute\": \"huh\"}")).get("class"));
        Map<String, Object> oob = RawQmpClient.error(c.command("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": [\"oob\"]}}"));
        assertEquals("GenericError", oob.get("class"));
        assertEquals("Capability 'oob' not available", oob.get("desc"));
        assertTrue(vm.running(), "nothing ran before negotiation");

        assertEquals(Map.of("return", Map.of(), "id", "neg"),
                c.command("{\"execute\": \"qmp_capabilities\", \"arguments\": {\"enable\": []}, \"id\": \"neg\"}"));
        Map<String, Object> again = RawQmpClient.error(c.command("{\"execute\": \"qmp_capabilities\"}"));
        assertEquals("CommandNotFound", again.get("class"));
        assertTrue(((String) again.get("desc")).contains("already complete"));
        assertEquals(Map.of("status", "running", "singlestep", false, "running", true),
                c.command("{\"execute\": \"query-status\"}").get("return"));
    }

    /** Regression: quit emits SHUTDOWN and the VM closes the server at once; the event used to be dropped. */
    @Test
    void closingSendsTheEventsAlreadyQueuedFirst() throws Exception {
        RawQmpClient c = connect().negotiate();
        for (int i = 0; i < 200; i++) server.emit("TEST_EVENT", Map.of("n", (long) i));
        server.close();
        for (int i = 0; i < 200; i++) assertEquals((long) i, RawQmpClient.data(c.nextEvent("TEST_EVENT")).get("n"));
        assertTrue(c.closedByServer(5000));
    }

    @Test
    void theQueriesQemuToolsAskFirstAreAnswered() throws Exception {
        RawQmpClient c = connect().negotiate();
        assertEquals(Map.of("name", "test-vm"), c.command("{\"execute\": \"query-name\"}").get("return"));
        assertEquals(Map.of("enabled", false, "present", false), c.command("{\"execute\": \"query-kvm\"}").get("return"));
        List<?> cpus = (List<?>) c.command("{\"execute\": \"query-cpus-fast\"}").get("return");
        assertEquals(1, cpus.size());
        Map<?, ?> cpu = (Map<?, ?>) cpus.get(0);
        assertEquals(0L, cpu.get("cpu-index"));
        assertEquals("riscv64", cpu.get("target"));
        assertEquals(TestVm.CPU_THREAD_ID, cpu.get("thread-id"), "the vCPU's host thread, as the VM reports it");
        List<?> commands = (List<?>) c.command("{\"execute\": \"query-commands\"}").get("return");
        for (String name : List.of("query-name", "query-kvm", "query-cpus-fast", "human-monitor-command")) {
            assertTrue(commands.contains(Map.of("name", name)), name);
        }
    }

    @Test
    void humanMonitorCommandsMapOntoQmp() throws Exception {
        RawQmpClient c = connect().negotiate();
        assertEquals("VM status: running\r\n", hmp(c, "info status"));
        assertTrue(hmp(c, "help").contains("savevm tag"));
        assertEquals("test-vm\r\n", hmp(c, "info name"));
        assertEquals("", hmp(c, "stop"));
        assertEquals("VM status: paused\r\n", hmp(c, "info status"));
        assertEquals("", hmp(c, "c"));
        assertEquals("running", vm.status());
        // savevm is a checkpoint labelled with the tag; loadvm a reset to what it names.
        String saved = hmp(c, "savevm before-test");
        assertEquals("before-test", vm.requests.get(0).label());
        String id = saved.substring("checkpoint ".length(), saved.length() - 2);
        assertEquals("reset to checkpoint " + id + "\r\n", hmp(c, "loadvm " + id));
        assertEquals("unknown command: 'frob'\r\n", hmp(c, "frob"));
        // qmp-shell -H fills its completion from "help" (first word of each line, "cmd|alias" -> the long name) and
        // from bare "info" (second word of each line); every line must have those words.
        List<String> completion = new java.util.ArrayList<>();
        for (String line : hmp(c, "help").split("\r\n")) {
            if (line.isEmpty()) continue;
            String name = line.split("\\s+")[0];
            if (!name.equals("info")) completion.add(name.contains("|") ? name.split("\\|")[0] : name);
        }
        for (String line : hmp(c, "info").split("\r\n")) {
            if (!line.isEmpty()) completion.add("info " + line.split("\\s+")[1]);
        }
        assertEquals(List.of("cont", "help", "loadvm", "savevm", "stop", "info name", "info status", "info version"), completion);
        Map<?, ?> missing = (Map<?, ?>) c.command("{\"execute\": \"human-monitor-command\"}").get("error");
        assertEquals("Parameter 'command-line' is missing", missing.get("desc"));
    }

    private static String hmp(RawQmpClient c, String line) throws Exception {
        return (String) c.command("{\"execute\": \"human-monitor-command\", \"arguments\": {\"command-line\": \"" + line + "\"}}").get("return");
    }

    @Test
    void balloonCommandsCheckTheirArgumentsAndAnswerWithoutABalloon() throws Exception {
        RawQmpClient c = connect().negotiate();
        Map<?, ?> noBalloon = (Map<?, ?>) c.command("{\"execute\": \"balloon\", \"arguments\": {\"value\": 1048576}}").get("error");
        assertEquals("GenericError", noBalloon.get("class"));
        assertEquals("No balloon device has been activated", noBalloon.get("desc"));
        Map<?, ?> missing = (Map<?, ?>) c.command("{\"execute\": \"balloon\"}").get("error");
        assertEquals("Parameter 'value' is missing", missing.get("desc"));
        Map<?, ?> wrongType = (Map<?, ?>) c.command("{\"execute\": \"balloon\", \"arguments\": {\"value\": \"1G\"}}").get("error");
        assertEquals("GenericError", wrongType.get("class"));
        assertEquals("GenericError", ((Map<?, ?>) c.command("{\"execute\": \"query-balloon\"}").get("error")).get("class"));
    }

    @Test
    void idsAreEchoedOnRepliesAndErrors() throws Exception {
        RawQmpClient c = connect().negotiate();
        assertEquals("abc", c.command("{\"execute\": \"query-status\", \"id\": \"abc\"}").get("id"));
        assertEquals(7L, c.command("{\"id\": 7, \"execute\": \"query-status\"}").get("id"));
        assertEquals(Map.of("n", List.of(1L, "x")), c.command("{\"execute\": \"query-status\", \"id\": {\"n\": [1, \"x\"]}}").get("id"));
        Map<String, Object> err = c.command("{\"execute\": \"nope\", \"id\": \"e1\"}");
        assertEquals("e1", err.get("id"));
        assertEquals(Map.of("class", "CommandNotFound", "desc", "The command nope has not been found"), err.get("error"));
        assertFalse(c.command("{\"execute\": \"query-status\"}").containsKey("id"), "no id asked, none sent");
    }

    @Test
    void stopContAndTheirEventsReachEveryNegotiatedClient() throws Exception {
        RawQmpClient a = connect().negotiate();
        RawQmpClient b = connect().negotiate();
        RawQmpClient unnegotiated = connect();
        assertTrue(unnegotiated.nextMessage().containsKey("QMP"));

        long beforeSeconds = System.currentTimeMillis() / 1000;
        assertEquals(Map.of(), a.command("{\"execute\": \"stop\", \"id\": 1}").get("return"));
        Map<String, Object> stop = a.nextEvent("STOP");
        assertEquals(Map.of(), stop.get("data"));
        Map<?, ?> ts = (Map<?, ?>) stop.get("timestamp");
        long afterSeconds = System.currentTimeMillis() / 1000;
        // (Between the wall-clock seconds before the command and after the event, however long a loaded machine took;
        // until round 78 within 2 s of the time after the event.)
        assertTrue((Long) ts.get("seconds") >= beforeSeconds && (Long) ts.get("seconds") <= afterSeconds,
                "timestamp is wall-clock seconds: " + ts + " between " + beforeSeconds + " and " + afterSeconds);
        long micros = (Long) ts.get("microseconds");
        assertTrue(micros >= 0 && micros < 1_000_000);
        assertEquals("STOP", b.nextMessage().get("event"));
        assertEquals(Map.of("status", "paused", "singlestep", false, "running", false),
                b.command("{\"execute\": \"query-status\"}").get("return"));

        a.command("{\"execute\": \"cont\"}");
        assertEquals("RESUME", a.nextEvent("RESUME").get("event"));
        assertEquals("RESUME", b.nextMessage().get("event"));
        assertTrue(vm.running());

        assertNull(unnegotiated.nextLine(200), "no events before negotiation");
        assertEquals(Map.of("return", Map.of()), unnegotiated.command("{\"execute\": \"qmp_capabilities\"}"));
    }

    @Test
    void powerdownAndQuit() throws Exception {
        RawQmpClient c = connect().negotiate();
        assertEquals(Map.of(), c.command("{\"execute\": \"system_powerdown\"}").get("return"));
        assertEquals("POWERDOWN", c.nextEvent("POWERDOWN").get("event"));
        assertEquals(1, vm.powerdownCalls.get());

        c.sendRaw("{\"execute\": \"quit\", \"id\": \"q\"}\n");
        Map<String, Object> first = c.nextMessage();
        assertEquals(Map.of("return", Map.of(), "id", "q"), first, "the reply comes before SHUTDOWN, as in QEMU");
        Map<String, Object> shutdown = c.nextMessage();
        assertEquals("SHUTDOWN", shutdown.get("event"));
        assertEquals(Map.of("guest", false, "reason", "host-qmp-quit"), shutdown.get("data"));
        assertEquals(1, vm.quitCalls.get());
        assertEquals("shutdown", vm.status());
        Map<String, Object> cont = RawQmpClient.error(c.command("{\"execute\": \"cont\"}"));
        assertEquals(Map.of("class", "GenericError", "desc", "the VM has shut down; it cannot be resumed"), cont,
                "a controller's exception becomes a GenericError with its message");
    }

    @Test
    void queryVersionAndQueryCommands() throws Exception {
        RawQmpClient c = connect().negotiate();
        Map<?, ?> version = (Map<?, ?>) c.command("{\"execute\": \"query-version\"}").get("return");
        assertTrue(((String) version.get("package")).startsWith("vmckpt"));
        List<?> commands = (List<?>) c.command("{\"execute\": \"query-commands\"}").get("return");
        List<Object> names = new ArrayList<>();
        for (Object o : commands) {
            names.add(((Map<?, ?>) o).get("name"));
        }
        for (String expected : List.of("qmp_capabilities", "query-status", "stop", "cont", "quit", "system_powerdown",
                "query-version", "query-commands", "vmckpt-checkpoint", "vmckpt-reset", "vmckpt-query-checkpoint")) {
            assertTrue(names.contains(expected), expected);
        }
    }

    @Test
    void malformedInputGetsAnErrorAndTheConnectionStaysOpen() throws Exception {
        RawQmpClient c = connect().negotiate();
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("{\"execute\": }", "JSON parse error");
        cases.put("hello", "JSON parse error");
        cases.put("{\"execute\": \"query-status\",}", "JSON parse error");
        cases.put("42", "QMP input must be a JSON object");
        cases.put("[\"execute\", \"stop\"]", "QMP input must be a JSON object");
        cases.put("{\"arguments\": {}}", "QMP input lacks member 'execute'");
        cases.put("{\"execute\": 1}", "QMP input member 'execute' must be a string");
        cases.put("{\"execute\": \"stop\", \"arguments\": []}", "QMP input member 'arguments' must be an object");
        cases.put("{\"execute\": \"stop\", \"foo\": 1}", "QMP input member 'foo' is unexpected");
        cases.put("{\"exec-oob\": \"stop\"}", "Out-of-band execution is not supported");
        cases.put("{\"execute\": \"stop\", \"id\": 1, \"id\": 2}", "duplicate key");
        for (Map.Entry<String, String> e : cases.entrySet()) {
            Map<String, Object> error = RawQmpClient.error(c.command(e.getKey()));
            assertEquals("GenericError", error.get("class"), e.getKey());
            assertTrue(((String) error.get("desc")).contains(e.getValue()), e.getKey() + " -> " + error.get("desc"));
        }
        assertEquals("running", vm.status(), "none of it ran a command");
        assertEquals(0, vm.quitCalls.get());
        assertEquals(Map.of("status", "running", "singlestep", false, "running", true),
                c.command("{\"execute\": \"query-status\"}").get("return"));
    }

    @Test
    void objectsMaySpanLinesAndShareLines() throws Exception {
        RawQmpClient c = connect().negotiate();
        c.sendRaw("{\n  \"execute\": \"query-status\",\n  \"id\": \"multi\"\n}\n");
        assertEquals("multi", c.nextReply().get("id"));
        c.sendRaw("{\"execute\": \"stop\", \"id\": 1}{\"execute\": \"query-status\", \"id\": 2}\n");
        Map<String, Object> one = c.nextReply();
        Map<String, Object> two = c.nextReply();
        assertEquals(1L, one.get("id"));
        assertEquals(2L, two.get("id"), "replies in command order");
        assertEquals(false, ((Map<?, ?>) two.get("return")).get("running"));
    }

    @Test
    void unicodeAndEscapesSurviveTheRoundTrip() throws Exception {
        RawQmpClient c = connect().negotiate();
        // The id is echoed: raw UTF-8 and escapes in, pure ASCII escapes out, same string.
        c.sendRaw("{\"execute\": \"query-status\", \"id\": \"é\\u20ac \\ud83d\\ude00 \\\"q\\\" \\\\ \\n\"}\n");
        String line = c.nextLine(5000);
        assertTrue(line.contains("\\u00e9\\u20ac \\ud83d\\ude00 \\\"q\\\" \\\\ \\n"), line);
        assertEquals("é€ \uD83D\uDE00 \"q\" \\ \n", ((Map<?, ?>) Json.parse(line)).get("id"));
    }

    @Test
    void deepNestingIsRefused() throws Exception {
        RawQmpClient c = connect().negotiate();
        String deep = "{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"options\": "
                + "[".repeat(70) + "]".repeat(70) + "}}";
        Map<String, Object> error = RawQmpClient.error(c.command(deep));
        assertTrue(((String) error.get("desc")).contains("deeper than 64"), (String) error.get("desc"));
        assertTrue(vm.requests.isEmpty());
    }

    @Test
    void aLineOverOneMebibyteIsRefusedAndTheNextLineWorks() throws Exception {
        RawQmpClient c = connect().negotiate();
        c.sendRaw("{\"execute\": \"query-status\", \"id\": \"" + "x".repeat(1 << 20) + "\"}\n");
        Map<String, Object> error = RawQmpClient.error(c.nextReply());
        assertTrue(((String) error.get("desc")).contains("too long"), (String) error.get("desc"));
        assertEquals("after", c.command("{\"execute\": \"query-status\", \"id\": \"after\"}").get("id"));
    }

    @Test
    void argumentsAreChecked() throws Exception {
        RawQmpClient c = connect().negotiate();
        assertEquals("Parameter 'checkpoint' is missing",
                RawQmpClient.error(c.command("{\"execute\": \"vmckpt-reset\"}")).get("desc"));
        assertEquals("Invalid parameter type for 'live', expected: boolean",
                RawQmpClient.error(c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"live\": \"yes\"}}")).get("desc"));
        assertEquals("Invalid parameter type for 'options', expected: object",
                RawQmpClient.error(c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"options\": 3}}")).get("desc"));
        assertEquals("Parameter 'x' is unexpected",
                RawQmpClient.error(c.command("{\"execute\": \"stop\", \"arguments\": {\"x\": 1}}")).get("desc"));
        assertEquals("no checkpoint with id 'nope'",
                RawQmpClient.error(c.command("{\"execute\": \"vmckpt-reset\", \"arguments\": {\"checkpoint\": \"nope\"}}")).get("desc"));
        assertTrue(vm.requests.isEmpty());
        assertEquals("running", vm.status());
    }

    /** Issue 8, item 9: options that are unknown, of the wrong type, out of range or contradictory are refused. */
    @Test
    void checkpointOptionsAreValidated() throws Exception {
        RawQmpClient c = connect().negotiate();
        String[][] cases = {
            {"{\"options\": {\"compression\": \"lz4\"}}", "Parameter 'options.compression' must be 'zstd' or 'none', not 'lz4'"},
            {"{\"options\": {\"level\": 99999}}", "Parameter 'options.level' must be a zstd level -7..22, not 99999"},
            {"{\"options\": {\"level\": \"3\"}}", "Invalid parameter type for 'options.level', expected: integer"},
            {"{\"options\": {\"bogus\": 1}}", "Parameter 'options.bogus' is unexpected"},
            {"{\"options\": {\"evict-zero\": 1}}", "Invalid parameter type for 'options.evict-zero', expected: boolean"},
            {"{\"incremental\": true, \"options\": {\"baseline\": true}}", "'options.baseline' is a full stop-and-copy checkpoint; it cannot be 'incremental'"},
            {"{\"live\": true, \"options\": {\"baseline\": true}}", "'options.baseline' is stop-and-copy; it cannot be 'live'"},
            {"{\"options\": {\"compression\": \"none\", \"level\": 3}}", "Parameter 'options.level' needs compression 'zstd', but 'options.compression' is 'none'"},
            {"{\"name\": \"a\\u0007b\"}", "Parameter 'name' must not contain control characters (found U+0007 at position 1)"},
            {"{\"name\": \"\"}", "Parameter 'name' must have 1..200 characters (it has 0)"},
        };
        for (String[] k : cases) {
            Map<String, Object> error = RawQmpClient.error(c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": " + k[0] + "}"));
            assertEquals("GenericError", error.get("class"), k[0]);
            String desc = (String) error.get("desc");
            assertTrue(desc.startsWith(k[1]), k[0] + " -> " + desc);
        }
        assertTrue(vm.requests.isEmpty(), "nothing reached the VM");
    }

    @Test
    void nameAndStopAreTheOlderNamesOfLabelAndLeavePaused() throws Exception {
        RawQmpClient c = connect().negotiate();
        c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"name\": \"old-style\", \"stop\": true}}");
        CheckpointRequest request = vm.requests.get(0);
        assertEquals("old-style", request.label());
        assertTrue(request.leavePaused());
        assertTrue(request.live(), "'stop' leaves the VM paused afterwards; it is not stop-and-copy");
        Map<String, Object> completed = RawQmpClient.data(c.nextEvent("VMCKPT_CHECKPOINT_COMPLETED"));
        assertEquals("old-style", completed.get("label"));
        assertEquals("old-style", completed.get("name"), "the event keeps the older member too");

        assertEquals("Parameter 'name' is the older name of 'label'; they disagree: give 'label' only",
                RawQmpClient.error(c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"label\": \"a\", \"name\": \"b\"}}")).get("desc"));
        assertEquals("Parameter 'stop' is the older name of 'leave-paused'; they disagree: give 'leave-paused' only",
                RawQmpClient.error(c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"leave-paused\": true, \"stop\": false}}")).get("desc"));
        assertEquals(1, vm.requests.size(), "nothing taken when the names disagree");
    }

    @Test
    void checkpointArgumentsResultAndReset() throws Exception {
        RawQmpClient c = connect().negotiate();
        Map<String, Object> reply = c.command("{\"execute\": \"vmckpt-checkpoint\", \"id\": 9, \"arguments\": "
                + "{\"label\": \"before-upgrade\", \"live\": false, \"incremental\": true, \"leave-paused\": true,"
                + " \"options\": {\"evict-zero\": false, \"level\": 3, \"compression\": \"zstd\"}}}");
        assertEquals(9L, reply.get("id"));
        Map<?, ?> result = (Map<?, ?>) reply.get("return");
        assertEquals(TestVm.id(1), result.get("id"));
        assertInstanceOf(Long.class, result.get("size"));
        assertEquals(1_234_567L, result.get("downtime-ns"));
        assertTrue((Long) result.get("total-ns") > 0);
        Map<?, ?> pages = (Map<?, ?>) result.get("pages");
        assertEquals(100L, pages.get(org.vmckpt.checkpoint.store.Stats.PAGES_SAVED));

        CheckpointRequest request = vm.requests.get(0);
        assertEquals("before-upgrade", request.label());
        assertFalse(request.live());
        assertTrue(request.incremental());
        assertTrue(request.leavePaused());
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("evict-zero", false);
        options.put("level", 3L);
        options.put("compression", "zstd");
        assertEquals(options, request.options());

        assertEquals("STOP", c.nextEvent("STOP").get("event"), "stop-after leaves the VM paused");
        Map<String, Object> completed = RawQmpClient.data(c.nextEvent("VMCKPT_CHECKPOINT_COMPLETED"));
        assertEquals(TestVm.id(1), completed.get("id"));
        assertEquals("before-upgrade", completed.get("label"));
        assertEquals(result.get("size"), completed.get("size"));
        assertEquals(1_234_567L, completed.get("downtime-ns"));
        assertEquals(result.get("total-ns"), completed.get("total-ns"));
        assertEquals("paused", vm.status());

        Map<String, Object> status = c.command("{\"execute\": \"vmckpt-query-checkpoint\"}");
        assertEquals(Map.of("in-progress", false, "last-id", TestVm.id(1)), status.get("return"));

        Map<?, ?> reset = (Map<?, ?>) c.command("{\"execute\": \"vmckpt-reset\", \"arguments\": {\"checkpoint\": \"" + TestVm.id(1) + "\"}}").get("return");
        assertEquals(Map.of("checkpoint", TestVm.id(1), "pages-restored", 42L, "total-ns", 5_000_000L), reset);

        c.command("{\"execute\": \"vmckpt-checkpoint\"}");
        CheckpointRequest defaults = vm.requests.get(1);
        assertNull(defaults.label());
        assertTrue(defaults.live(), "live by default");
        assertFalse(defaults.incremental());
        assertFalse(defaults.leavePaused());
        assertEquals(Map.of(), defaults.options());
    }

    @Test
    void queryStatusAnswersWhileACheckpointRunsAndASecondCheckpointIsRefused() throws Exception {
        RawQmpClient saver = connect().negotiate();
        RawQmpClient watcher = connect().negotiate();
        RawQmpClient impatient = connect().negotiate();
        CountDownLatch release = new CountDownLatch(1);
        vm.checkpointRelease = release;

        saver.sendRaw("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"name\": \"slow\"}, \"id\": \"long\"}\n");
        assertTrue(vm.checkpointStarted.await(60, TimeUnit.SECONDS));

        // The checkpoint is held (vm.checkpointRelease) until after these commands: a query-status that waited for it
        // would get no reply, and RawQmpClient#nextMessage fails after 60 s. (Until round 78 also a 2 s wall-clock bound
        // on the reply, which a loaded machine could exceed without any wait for the checkpoint.)
        Map<String, Object> status = watcher.command("{\"execute\": \"query-status\", \"id\": \"during\"}");
        assertEquals("during", status.get("id"));
        assertEquals(true, ((Map<?, ?>) status.get("return")).get("running"));
        assertEquals(true, ((Map<?, ?>) watcher.command("{\"execute\": \"vmckpt-query-checkpoint\"}").get("return")).get("in-progress"));

        Map<String, Object> refused = RawQmpClient.error(impatient.command("{\"execute\": \"vmckpt-checkpoint\"}"));
        assertEquals("GenericError", refused.get("class"));
        String desc = (String) refused.get("desc");
        assertTrue(desc.startsWith("a checkpoint 'slow' is already in progress (started at "), desc);
        assertTrue(desc.endsWith("); wait for VMCKPT_CHECKPOINT_COMPLETED"), desc);

        for (String line; (line = saver.nextLine(100)) != null; ) {
            assertTrue(line.startsWith("{\"event\": \"VMCKPT_CHECKPOINT_PROGRESS\""), "only progress while held: " + line);
        }
        release.countDown();
        Map<String, Object> done = saver.nextReply();
        assertEquals("long", done.get("id"));
        assertEquals(TestVm.id(1), ((Map<?, ?>) done.get("return")).get("id"));
        assertEquals(TestVm.id(1), RawQmpClient.data(watcher.nextEvent("VMCKPT_CHECKPOINT_COMPLETED")).get("id"));
        assertEquals(1, vm.requests.size(), "the refused request never reached the checkpointer's work");
        for (Map<String, Object> e : watcher.events) {
            assertFalse(e.get("event").equals("VMCKPT_CHECKPOINT_FAILED"), "a refusal is not a failure of the running checkpoint");
        }

        // The gate is open again.
        assertEquals(TestVm.id(2), ((Map<?, ?>) impatient.command("{\"execute\": \"vmckpt-checkpoint\"}").get("return")).get("id"));
    }

    @Test
    void progressEventsAreLimitedToAboutTenASecond() throws Exception {
        RawQmpClient c = connect().negotiate();
        vm.progressMillis = 700; // the checkpoint reports progress every ~0.2 ms, thousands of calls
        long t0 = System.nanoTime();
        c.command("{\"execute\": \"vmckpt-checkpoint\"}");
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        c.nextEvent("VMCKPT_CHECKPOINT_COMPLETED");
        List<Map<String, Object>> progress = new ArrayList<>();
        for (Map<String, Object> e : c.events) {
            if (e.get("event").equals("VMCKPT_CHECKPOINT_PROGRESS")) {
                progress.add(e);
            }
        }
        assertTrue(progress.size() >= 3, "progress is reported: " + progress.size());
        assertTrue(progress.size() <= elapsedMillis / 100 + 1, progress.size() + " events in " + elapsedMillis + " ms");
        long previousPages = -1;
        for (Map<String, Object> e : progress) {
            Map<String, Object> data = RawQmpClient.data(e);
            assertEquals("pages", data.get("phase"));
            assertEquals(TestVm.TOTAL_PAGES, data.get("total-pages"));
            long pages = (Long) data.get("pages");
            assertEquals(pages * 4096, data.get("bytes"));
            assertTrue(pages > previousPages, "progress moves forward");
            previousPages = pages;
        }
    }

    @Test
    void aFailedCheckpointGivesAnErrorAndAFailedEvent() throws Exception {
        RawQmpClient c = connect().negotiate();
        vm.failWith = "disk full while writing pages";
        Map<String, Object> reply = c.command("{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"label\": \"n1\"}, \"id\": 3}");
        assertEquals(3L, reply.get("id"));
        assertEquals(Map.of("class", "GenericError", "desc", "disk full while writing pages"), reply.get("error"));
        assertEquals(Map.of("label", "n1", "name", "n1", "error", "disk full while writing pages"),
                RawQmpClient.data(c.nextEvent("VMCKPT_CHECKPOINT_FAILED")));
    }

    @Test
    void aClientThatStopsReadingIsDroppedAndCannotHoldBackEvents() throws Exception {
        // A client that negotiates and then never reads again.
        try (SocketChannel deaf = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            deaf.write(ByteBuffer.wrap("{\"execute\": \"qmp_capabilities\"}\n".getBytes(StandardCharsets.US_ASCII)));
            StringBuilder seen = new StringBuilder();
            ByteBuffer buffer = ByteBuffer.allocate(1);
            while (!seen.toString().contains("{\"return\": {}}")) {
                buffer.clear();
                assertTrue(deaf.read(buffer) > 0);
                seen.append((char) buffer.get(0));
            }

            long t0 = System.nanoTime();
            String padding = "p".repeat(500);
            for (int i = 0; i < 4000; i++) { // 2 MB: more than the socket buffer and the session's queue hold
                server.emit("TEST_EVENT", Map.of("i", (long) i, "padding", padding));
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5), "emit never waits for a client");

            ByteBuffer drain = ByteBuffer.allocate(1 << 16);
            long received = 0;
            int n;
            while ((n = deaf.read(drain)) >= 0) { // ends in EOF: the server hung up on it
                received += n;
                drain.clear();
            }
            assertTrue(received < 4000L * 500, "the deaf client was dropped before getting everything: " + received);
        }
        RawQmpClient fresh = connect().negotiate();
        assertEquals("running", ((Map<?, ?>) fresh.command("{\"execute\": \"query-status\"}").get("return")).get("status"));
    }

    @Test
    void closeRemovesTheSocketFileAndDisconnectsClients() throws Exception {
        RawQmpClient c = connect().negotiate();
        assertTrue(Files.exists(socket));
        server.close();
        assertFalse(Files.exists(socket));
        assertTrue(c.closedByServer(2000));
        assertThrows(IOException.class, () -> new RawQmpClient(socket));
    }

    @Test
    void aStaleSocketFileIsReplaced() throws Exception {
        server.close();
        Path stale = dir.resolve("stale.qmp");
        // What a killed process leaves behind: a socket file nobody listens on.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        assertTrue(Files.exists(stale));
        server = QmpServer.start(stale, vm);
        socket = stale;
        RawQmpClient c = connect().negotiate();
        assertEquals(Map.of("status", "running", "singlestep", false, "running", true),
                c.command("{\"execute\": \"query-status\"}").get("return"));
    }

    @Test
    void aLiveSocketIsNotTakenOver() throws Exception {
        IOException e = assertThrows(IOException.class, () -> QmpServer.start(socket, new TestVm()));
        assertTrue(e.getMessage().contains("another process is already listening on"), e.getMessage());
        RawQmpClient c = connect().negotiate();
        assertEquals("running", ((Map<?, ?>) c.command("{\"execute\": \"query-status\"}").get("return")).get("status"),
                "the first server still serves");
    }

    @Test
    void aPathThatIsNotASocketIsNotReplaced() throws Exception {
        Path file = dir.resolve("precious.txt");
        Files.writeString(file, "data");
        IOException e = assertThrows(IOException.class, () -> QmpServer.start(file, new TestVm()));
        assertTrue(e.getMessage().contains("is not a socket"), e.getMessage());
        assertEquals("data", Files.readString(file));
    }

    @Test
    void aStoppingVmFreesItsPathBeforeShutdownAndLeavesItsSuccessorsSocketAlone() throws Exception {
        // vmckpt quit returns on SHUTDOWN; the user may start a VM of the same name at once. The stopping server
        // gives up the path first (its connected clients are still served), so the successor binds freely, and
        // the stopping server's close() must not remove the successor's socket.
        RawQmpClient c = connect().negotiate();
        server.unlinkSocketFile();
        assertTrue(!Files.exists(socket), "the socket file is gone once the VM stops");
        assertEquals("running", ((Map<?, ?>) c.command("{\"execute\": \"query-status\"}").get("return")).get("status"),
                "a client already connected is still served");
        QmpServer successor = QmpServer.start(socket, new TestVm());
        try {
            server.close();
            assertTrue(Files.exists(socket), "the old server's close() removed its successor's socket");
            try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                assertTrue(probe.isConnected(), "the successor listens");
            }
        } finally {
            successor.close();
        }
    }
}
