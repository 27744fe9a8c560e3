package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.vmckpt.cli.qmp.Json;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every command's --help against what its parser accepts, the top-level help, --version, and errors with --json. */
class CommandLineTest {
    private static final Pattern OPTION_IN_TEXT = Pattern.compile("(?<![\\w-])--([a-z][a-z0-9-]*)");

    @Test
    void everyOptionAParserAcceptsIsInItsHelpAndEveryOptionTheHelpNamesIsAccepted() throws Exception {
        for (Command c : Command.ALL) {
            for (Option o : c.options().options()) {
                assertTrue(c.help().contains("  --" + o.name() + (o.takesValue() ? " " + o.value() : "")),
                        "vmckpt " + c.name() + " --help does not list --" + o.name());
                String[] argv = o.takesValue() ? new String[]{c.name(), "--" + o.name(), "x"} : new String[]{c.name(), "--" + o.name()};
                Args a = c.options().parse(argv, 1);
                assertTrue(a.has(o.name()), c.name() + " --" + o.name());
                if (!o.takesValue()) {
                    assertThrows(UsageException.class, () -> c.options().parse(new String[]{c.name(), "--" + o.name() + "=x"}, 1));
                }
                if (o.alias() != null) {
                    // An older name still works, as the option itself, and the help says so.
                    String[] old = o.takesValue() ? new String[]{c.name(), "--" + o.alias(), "x"} : new String[]{c.name(), "--" + o.alias()};
                    Args byAlias = c.options().parse(old, 1);
                    assertTrue(byAlias.has(o.name()), c.name() + " --" + o.alias() + " is --" + o.name());
                    assertTrue(c.help().contains("--" + o.alias()), "vmckpt " + c.name() + " --help does not name the older --" + o.alias());
                }
            }
            // An option the help names is one the parser accepts, unless the text names it as another command's
            // ("vmckpt run --name", "as for vmckpt run").
            Matcher m = OPTION_IN_TEXT.matcher(c.help());
            while (m.find()) {
                String name = m.group(1);
                if (c.options().option(name) != null) continue;
                boolean alias = false;
                for (Option o : c.options().options()) alias |= name.equals(o.alias());
                if (alias) continue;
                String before = c.help().substring(Math.max(0, m.start() - 40), m.start());
                boolean otherCommand = false;
                for (Command other : Command.ALL) {
                    if (other != c && before.contains("vmckpt " + other.name()) && other.options().option(name) != null) otherCommand = true;
                }
                assertTrue(otherCommand, "vmckpt " + c.name() + " --help names --" + name + ", which its parser does not accept: ..." + before + "--" + name);
            }
            assertThrows(UsageException.class, () -> c.options().parse(new String[]{c.name(), "--no-such-option"}, 1));
        }
    }

    @Test
    void theTopLevelHelpAndTheUnknownCommandMessageListEveryCommand() {
        Result unknown = main("frobnicate");
        assertEquals(2, unknown.status());
        for (Command c : Command.ALL) {
            assertTrue(Main.help().contains("\n  " + c.name() + " "), "vmckpt --help lacks " + c.name());
            assertTrue(unknown.err().matches("(?s).*[ ,]" + c.name() + "[, ].*"), "the unknown-command message lacks " + c.name() + ": " + unknown.err());
            assertTrue(Completion.script().contains(c.name() + ") opts=\""), "completion lacks " + c.name());
            for (Option o : c.options().options()) {
                assertTrue(Completion.script().contains("--" + o.name()), "completion lacks " + c.name() + " --" + o.name());
            }
        }
        // No line of the help is indented more than the layout asks (a stray text-block indent shows as 10+ spaces).
        for (String line : Main.help().split("\n")) assertFalse(line.startsWith("   "), "misindented help line: '" + line + "'");
    }

    @Test
    void versionPrintsTheVersion() {
        Result r = main("--version");
        assertEquals(0, r.status());
        assertTrue(r.out().startsWith("vmckpt 0."), r.out());
    }

    @Test
    void withJsonAnErrorIsAlsoAJsonObjectOnStdout() throws Exception {
        Result r = main("ls", "--repo", "/nonexistent/vmckpt-repo", "--json");
        assertEquals(1, r.status());
        Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) Json.parse(r.out().trim())).get("error");
        assertEquals("ls", error.get("command"));
        assertEquals(1L, error.get("exit-status"));
        assertTrue(((String) error.get("message")).contains("/nonexistent/vmckpt-repo"), r.out());
        assertTrue(r.err().startsWith("vmckpt ls: "), r.err());
        // Without --json, stdout stays empty.
        assertEquals("", main("ls", "--repo", "/nonexistent/vmckpt-repo").out());
    }

    @Test
    void errorsNameNoJavaClasses() {
        for (String[] argv : new String[][]{{"inspect", "nothere", "--repo", "/nonexistent/r"}, {"restore", "abcd", "--repo", "/nonexistent/r"},
                {"diff", "a", "b", "--repo", "/nonexistent/r"}, {"checkpoint", "/nonexistent/vm.sock"}, {"reset"}, {"run", "stray"}}) {
            Result r = main(argv);
            assertTrue(r.status() != 0, String.join(" ", argv));
            assertFalse(r.err().matches("(?s).*[A-Z][a-z]+(Exception|Error)\\b.*"), "a Java class name in: " + r.err());
            assertFalse(r.err().contains("org.vmckpt") || r.err().contains("java."), r.err());
        }
    }

    @Test
    void aBareMemorySizeIsMibAsInQemu() throws Exception {
        assertEquals(1L << 30, Args.parseMemorySize("1024", "mem"));
        assertEquals(512L << 20, Args.parseMemorySize("512M", "mem"));
        assertEquals(512L << 20, Args.parseMemorySize("512MB", "mem"));
        assertEquals(512L << 20, Args.parseMemorySize("512MiB", "mem"));
        assertEquals(2L << 30, Args.parseMemorySize("2G", "mem"));
        assertEquals(1L << 30, Args.parseMemorySize("1048576K", "mem"));
        assertEquals(1L << 30, Args.parseMemorySize("1073741824B", "mem"));
        assertThrows(UsageException.class, () -> Args.parseMemorySize("lots", "mem"));
        assertThrows(UsageException.class, () -> Args.parseMemorySize("-1", "mem"));
    }

    record Result(int status, String out, String err) { }

    /** Runs Main.dispatch with stdout and stderr captured. */
    private static synchronized Result main(String... argv) {
        PrintStream out = System.out, err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream(), e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int status = Main.dispatch(argv);
            return new Result(status, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
