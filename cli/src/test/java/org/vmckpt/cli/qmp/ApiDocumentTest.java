package org.vmckpt.cli.qmp;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.MachineController;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * docs/API.md's examples replayed against a real server: the control socket of a real machine (the bare-metal
 * memwalk program in 512 MiB, as the default guest has, with a balloon) with its real controller, checkpoint engine and repository. Every example
 * block with {@code ->} lines is sent, in document order, on a fresh connection; each reply and event must
 * have the members the document shows (recursively), the same error class and text, the same run state and
 * event names. Ids, sizes and times may differ; {@code {...}} in the document stands for anything. The
 * table of malformed inputs is replayed too. Every command the server lists must be documented.
 */
class ApiDocumentTest {
    /** Members whose values the document states exactly (the others: only their type). */
    private static final Set<String> EXACT = Set.of("class", "desc", "status", "event", "phase", "reason", "package", "name", "running",
            "singlestep", "guest", "in-progress", "enabled", "present", "target");
    private static final String ANY = "(anything)";

    @TempDir
    Path dir;
    private Machine machine;
    private Thread runThread;
    private QmpServer server;
    private Path socket;

    @BeforeEach
    void start() throws Exception {
        Path elf = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
        machine = new Machine(new MachineConfig(512L << 20, null, null, "", null, elf, List.of(), true, false, true), b -> { });
        machine.boot();
        CheckpointEngine engine = new CheckpointEngine(machine, Repository.open(dir.resolve("repo"), true), null);
        MachineController controller = new MachineController(machine, engine, "demo");
        engine.setVmName("demo");
        socket = dir.resolve("vm.qmp");
        server = QmpServer.start(socket, controller);
        runThread = new Thread(() -> machine.run(-1), "doc-vm");
        runThread.setDaemon(true);
        runThread.start();
    }

    @AfterEach
    void stop() throws Exception {
        machine.requestExit(0);
        runThread.join(10_000);
        server.close();
    }

    /** One example: the lines sent and, for each, the lines expected back (events and the reply). */
    record Step(String send, List<String> expect) { }

    /** The example blocks: fenced code whose lines start with "-> " or "<- " (in document order). */
    static List<List<Step>> examples(String doc) {
        List<List<Step>> blocks = new ArrayList<>();
        String[] parts = doc.split("```");
        for (int i = 1; i < parts.length; i += 2) {
            List<Step> steps = new ArrayList<>();
            List<String> greeting = new ArrayList<>();
            for (String line : parts[i].split("\n")) {
                if (line.startsWith("-> ")) steps.add(new Step(line.substring(3), new ArrayList<>()));
                else if (line.startsWith("<- ") && steps.isEmpty()) greeting.add(line.substring(3));
                else if (line.startsWith("<- ")) steps.get(steps.size() - 1).expect().add(line.substring(3));
            }
            if (!greeting.isEmpty() && greeting.get(0).startsWith("{\"QMP\"")) steps.add(0, new Step(null, greeting));
            if (!steps.isEmpty() && (steps.get(0).send() != null || steps.get(0).expect().get(0).startsWith("{\"QMP\"")) && literal(steps)) {
                blocks.add(steps);
            }
        }
        return blocks;
    }

    /** Whether every line is JSON (a template such as {"execute": "<command>"} is not an example). */
    private static boolean literal(List<Step> steps) {
        try {
            for (Step s : steps) {
                if (s.send() != null) parse(s.send());
                for (String e : s.expect()) parse(e);
            }
            return true;
        } catch (JsonException | ClassCastException e) {
            return false;
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void everyExampleInApiMdIsWhatTheServerSays() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "API.md"));
        List<List<Step>> blocks = examples(doc);
        // quit ends the VM: its example goes last.
        List<List<Step>> ordered = new ArrayList<>();
        for (List<Step> b : blocks) if (!sends(b, "quit")) ordered.add(b);
        for (List<Step> b : blocks) if (sends(b, "quit")) ordered.add(b);
        int replayed = 0;
        for (List<Step> block : ordered) {
            replay(block);
            replayed += block.size();
        }
        assertTrue(replayed >= 15, "the document's examples were not found (" + replayed + " replayed)");
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theMalformedInputTableIsWhatTheServerSays() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "API.md"));
        int rows = 0;
        int table = doc.indexOf("| input | `desc` |");
        assertTrue(table >= 0, "API.md has no table of malformed inputs");
        for (String line : doc.substring(table, doc.indexOf("\n\n", table)).split("\n")) {
            // | `input` | `desc` |
            if (!line.startsWith("| `") || !line.endsWith("` |")) continue;
            String[] cells = line.substring(2, line.length() - 2).split("` \\| `");
            if (cells.length != 2) continue;
            String input = cells[0].substring(1), desc = cells[1].substring(0, cells[1].length() - 1);
            if (desc.contains(" N") && !desc.startsWith("Parameter")) continue; // a placeholder offset, not a literal input
            try (RawQmpClient c = new RawQmpClient(socket)) {
                c.negotiate();
                c.sendRaw(input + "\n");
                Map<String, Object> reply = c.nextReply();
                assertEquals(desc, RawQmpClient.error(reply).get("desc"), "API.md says input " + input + " gives this desc");
                rows++;
            }
        }
        assertTrue(rows >= 9, "the malformed-input table was not found (" + rows + " rows)");
    }

    @Test
    void everyCommandTheServerHasIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("..", "docs", "API.md"));
        for (String name : QmpCommands.NAMES) {
            assertTrue(doc.contains("\n### " + name + "\n"), "docs/API.md has no section for " + name);
        }
    }

    private static boolean sends(List<Step> block, String command) {
        for (Step s : block) if (s.send() != null && s.send().contains("\"execute\": \"" + command + "\"")) return true;
        return false;
    }

    private void replay(List<Step> block) throws Exception {
        // A block that shows a successful negotiation negotiates itself; the others start in command mode.
        boolean negotiates = false;
        for (Step s : block) {
            if (s.send() != null && s.send().contains("\"qmp_capabilities\"") && !s.expect().isEmpty() && s.expect().get(s.expect().size() - 1).startsWith("{\"return\"")) {
                negotiates = true;
            }
        }
        try (RawQmpClient c = new RawQmpClient(socket)) {
            Map<String, Object> greeting = c.nextMessage();
            if (block.get(0).send() == null) match(parse(block.get(0).expect().get(0)), greeting, "greeting");
            if (!negotiates) {
                c.sendRaw("{\"execute\": \"qmp_capabilities\"}\n");
                c.nextReply();
            }
            for (Step s : block) {
                if (s.send() == null) continue;
                c.sendRaw(s.send() + "\n");
                // Events expected before the reply, in order; consecutive repeats (throttled progress) count once.
                List<String> events = new ArrayList<>();
                Map<String, Object> expectedReply = null;
                for (String e : s.expect()) {
                    Map<String, Object> m = parse(e);
                    if (!m.containsKey("event")) {
                        expectedReply = m;
                    } else if (expectedReply == null) {
                        String name = (String) m.get("event");
                        if (events.isEmpty() || !events.get(events.size() - 1).equals(name)) events.add(name);
                    }
                }
                List<Map<String, Object>> seen = new ArrayList<>();
                Map<String, Object> reply;
                while (true) {
                    Map<String, Object> m = c.nextMessage();
                    if (m.containsKey("event")) {
                        seen.add(m);
                        continue;
                    }
                    reply = m;
                    break;
                }
                int at = 0;
                for (String name : events) {
                    while (at < seen.size() && !seen.get(at).get("event").equals(name)) at++;
                    if (at == seen.size()) fail("API.md: after " + s.send() + " the event " + name + " should come; the server sent " + seen);
                    for (String e : s.expect()) {
                        Map<String, Object> m = parse(e);
                        if (name.equals(m.get("event"))) match(m, seen.get(at), s.send() + " event " + name);
                    }
                }
                if (expectedReply != null) match(expectedReply, reply, s.send());
                // Events the document shows after the reply (SHUTDOWN after quit's) must follow it.
                boolean afterReply = false;
                for (String e : s.expect()) {
                    Map<String, Object> m = parse(e);
                    if (!m.containsKey("event")) {
                        afterReply = true;
                    } else if (afterReply) {
                        Map<String, Object> next;
                        do {
                            next = c.nextMessage();
                        } while (!m.get("event").equals(next.get("event")));
                        match(m, next, s.send() + " event " + m.get("event") + " after the reply");
                    }
                }
            }
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String line) throws JsonException {
        return (Map<String, Object>) Json.parse(line.replace("{...}", "\"" + ANY + "\""));
    }

    /** The server's {@code actual} has what the document's {@code expected} shows. */
    private static void match(Object expected, Object actual, String where) {
        match(null, expected, actual, where);
    }

    private static void match(String key, Object expected, Object actual, String where) {
        String at = where + (key == null ? "" : " ." + key);
        if (ANY.equals(expected)) return;
        if (expected instanceof Map<?, ?> em) {
            assertTrue(actual instanceof Map<?, ?>, at + ": the server sent " + actual + ", API.md shows an object " + expected);
            Map<?, ?> am = (Map<?, ?>) actual;
            Set<?> ek = Set.copyOf(em.keySet());
            Set<?> ak = Set.copyOf(am.keySet());
            ak = ak.stream().filter(k -> !k.equals("id") || ek.contains("id")).collect(java.util.stream.Collectors.toSet());
            assertEquals(ek, ak, at + ": API.md shows the members " + em.keySet() + ", the server sent " + am);
            for (Object k : em.keySet()) match((String) k, em.get(k), am.get(k), where);
        } else if (expected instanceof List<?> el) {
            assertTrue(actual instanceof List<?>, at + ": the server sent " + actual + ", API.md shows an array");
            List<?> al = (List<?>) actual;
            assertEquals(el.size(), al.size(), at + ": API.md shows " + el + ", the server sent " + al);
            for (int i = 0; i < el.size(); i++) match(key, el.get(i), al.get(i), where);
        } else if (key != null && EXACT.contains(key)) {
            assertEquals(expected, actual, at + ": API.md and the server differ");
        } else {
            assertTrue(expected == null ? actual == null : actual != null && expected.getClass() == actual.getClass(),
                    at + ": API.md shows " + expected + ", the server sent " + actual + " (another type)");
        }
    }
}
