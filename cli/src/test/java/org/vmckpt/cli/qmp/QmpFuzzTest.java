package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: random and mutated QMP input. JSON texts must parse or be refused with {@link JsonException}; QMP
 * commands with random arguments must each get exactly one reply (a result or a QMP error, never silence),
 * and the server must keep serving. Rerun: {@code mvn -q -B -pl cli -am test -Dtest=QmpFuzzTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Timeout(300)
class QmpFuzzTest {
    static final int INPUTS = 500;
    private static final String[] KEYS = {"name", "live", "incremental", "stop", "options", "checkpoint", "value", "enable",
        "compression", "level", "baseline", "evict-zero", "keep-for-reset", "hint-free", "bogus", "", "x".repeat(300)};
    private static final String[] COMMANDS = {"query-commands", "query-version", "query-status", "stop", "cont",
        "balloon", "query-balloon", "vmckpt-checkpoint", "vmckpt-reset", "vmckpt-query-checkpoint", "qmp_capabilities", "no-such-command"};

    @TempDir
    Path dir;

    private static Object randomValue(Random r, int depth) {
        switch (r.nextInt(depth > 3 ? 6 : 8)) {
            case 0: return null;
            case 1: return r.nextBoolean();
            case 2: return switch (r.nextInt(4)) { case 0 -> -1L; case 1 -> Long.MAX_VALUE; case 2 -> 99999L; default -> (long) r.nextInt(30); };
            case 3: return r.nextDouble() * 1e6;
            case 4: {
                StringBuilder s = new StringBuilder();
                for (int i = r.nextInt(12); i > 0; i--) s.append((char) (r.nextInt(4) == 0 ? r.nextInt(32) : 'a' + r.nextInt(26)));
                return r.nextInt(5) == 0 ? "zstd" : s.toString();
            }
            case 5: return KEYS[r.nextInt(KEYS.length)];
            case 6: {
                List<Object> l = new ArrayList<>();
                for (int i = r.nextInt(4); i > 0; i--) l.add(randomValue(r, depth + 1));
                return l;
            }
            default: return randomObject(r, depth + 1);
        }
    }

    private static Map<String, Object> randomObject(Random r, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) m.put(KEYS[r.nextInt(KEYS.length)], randomValue(r, depth));
        return m;
    }

    @Test
    void randomJsonTextsParseOrAreRefused() {
        Random r = new Random(0x6a736f6e);
        String[] seeds = {"{\"execute\": \"vmckpt-checkpoint\", \"arguments\": {\"name\": \"a\", \"options\": {\"level\": 3}}, \"id\": 1}",
            "[1, 2.5e3, -0, true, false, null, \"\\u00e9\\ud83d\\ude00\"]", "{\"a\": {\"b\": [[[]]]}}"};
        int parsed = 0, refused = 0;
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < INPUTS; i++) {
            char[] c = seeds[r.nextInt(seeds.length)].toCharArray();
            String text;
            switch (r.nextInt(4)) {
                case 0 -> { c[r.nextInt(c.length)] = (char) r.nextInt(128); text = new String(c); }
                case 1 -> text = new String(c, 0, r.nextInt(c.length));
                case 2 -> { StringBuilder s = new StringBuilder(); for (int k = r.nextInt(40); k > 0; k--) s.append((char) r.nextInt(0x3000)); text = s.toString(); }
                default -> text = "[".repeat(r.nextInt(100)) + "]".repeat(r.nextInt(100));
            }
            try {
                Json.parse(text);
                parsed++;
            } catch (JsonException e) {
                refused++;
            } catch (RuntimeException | StackOverflowError e) {
                failures.add(text + " -> " + e);
            }
        }
        System.out.printf("FUZZ qmp json (mutated and random texts): %d inputs, %d refused with JsonException, %d parsed, %d failures%n",
                INPUTS, refused, parsed, failures.size());
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void randomCommandsEachGetOneReplyAndTheServerKeepsServing() throws Exception {
        TestVm vm = new TestVm();
        Path socket = dir.resolve("vm.qmp");
        QmpServer server = QmpServer.start(socket, vm);
        Random r = new Random(0x716d70);
        int errors = 0, results = 0;
        try (RawQmpClient c = new RawQmpClient(socket).negotiate()) {
            for (int i = 0; i < INPUTS; i++) {
                Map<String, Object> msg = new LinkedHashMap<>();
                msg.put("execute", r.nextInt(20) == 0 ? randomValue(r, 0) : COMMANDS[r.nextInt(COMMANDS.length)]);
                if (r.nextInt(4) != 0) msg.put("arguments", r.nextInt(10) == 0 ? randomValue(r, 0) : randomObject(r, 0));
                if (r.nextInt(10) == 0) msg.put(KEYS[r.nextInt(KEYS.length)], randomValue(r, 0));
                msg.put("id", (long) i);
                Map<String, Object> reply = c.command(Json.write(msg));
                assertEquals((long) i, reply.get("id"), "the reply to input " + i + " (" + Json.write(msg) + ") carries its id: " + reply);
                if (reply.containsKey("error")) {
                    Map<?, ?> e = (Map<?, ?>) reply.get("error");
                    assertTrue(e.get("desc") instanceof String d && !d.isBlank() && !d.contains("Exception"), "a clear error for " + Json.write(msg) + ": " + e);
                    errors++;
                } else {
                    assertTrue(reply.containsKey("return"), reply.toString());
                    results++;
                }
                if ("stopped".equals(vm.status()) || "paused".equals(vm.status())) vm.resume();
            }
        }
        // Garbage lines on fresh connections do not take the server down.
        for (int i = 0; i < 20; i++) {
            try (RawQmpClient g = new RawQmpClient(socket)) {
                StringBuilder s = new StringBuilder();
                for (int k = 1 + r.nextInt(200); k > 0; k--) s.append((char) (32 + r.nextInt(95)));
                g.sendRaw(s + "\n");
            }
        }
        try (RawQmpClient after = new RawQmpClient(socket).negotiate()) {
            assertTrue(after.command("{\"execute\": \"query-status\"}").containsKey("return"), "the server still serves");
        } finally {
            server.close();
        }
        System.out.printf("FUZZ qmp commands (random names, arguments and options): %d inputs, %d QMP errors, %d results, 0 failures; 20 garbage connections%n",
                INPUTS, errors, results);
    }
}
