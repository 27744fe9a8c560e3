package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's walkthrough ("A checkpoint, restored in another process"), run twice in a row in one
 * directory and one repository, each command exactly as the README writes it, through a shell. What a
 * person does by hand is done here the same way: `tail -F` is watched until the heartbeat shows and then
 * stopped (Ctrl-C); a restored VM, which owns the terminal, is watched until its heartbeat continues, then
 * ended with `./vmckpt quit demo` from another shell (which also checks that it kept its name).
 *
 * <p>`./vmckpt` in the directory is a stand-in for the launcher that runs this build's classes (the jar is
 * made after the tests); the repository and the control sockets go to the test's directory through
 * VMCKPT_REPO and XDG_RUNTIME_DIR.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class ReadmeWalkthroughTest {
    private static final Pattern HEARTBEAT = Pattern.compile("memdirty heartbeat (\\d+)\\r?\\n");
    private static final long STEP_MS = 90_000;

    @TempDir
    Path temp;

    /** The shell commands of the walkthrough's code block: comments dropped, one command per entry. */
    static List<String> walkthrough(Path readme) throws IOException {
        String text = Files.readString(readme);
        int section = text.indexOf("## A checkpoint, restored in another process");
        assertTrue(section >= 0, "README has no walkthrough section");
        int start = text.indexOf("```sh\n", section) + 6;
        int end = text.indexOf("```", start);
        List<String> commands = new ArrayList<>();
        for (String line : text.substring(start, end).split("\n")) {
            int hash = line.indexOf(" #");
            String cmd = (line.trim().startsWith("#") ? "" : hash >= 0 ? line.substring(0, hash) : line).trim();
            if (!cmd.isEmpty()) commands.add(cmd);
        }
        return commands;
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void theReadmeWalkthroughPassesTwiceInARow() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent(); // tests run in the module directory
        List<String> commands = walkthrough(root.resolve("README.md"));
        Path dir = temp.resolve("work");
        Files.createDirectories(dir);
        Path runtime = Files.createDirectories(temp.resolve("run"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path launcher = dir.resolve("vmckpt");
        Files.writeString(launcher, "#!/bin/sh\nexec '" + Path.of(System.getProperty("java.home"), "bin", "java")
                + "' -XX:+UseParallelGC -Xss16m -cp '" + System.getProperty("java.class.path") + "' " + Main.class.getName() + " \"$@\"\n");
        launcher.toFile().setExecutable(true);
        for (int round = 1; round <= 2; round++) {
            new Round(root, dir, runtime, temp.resolve("repo"), round).run(commands);
        }
    }

    /** One pass through the walkthrough. */
    private static final class Round {
        private final Path root, dir, runtime, repo;
        private final int round;
        private final List<Process> background = new ArrayList<>();
        private Path bgLog = Path.of("/dev/null");
        private long checkpointedAt = -1; // the last heartbeat the guest printed before `--label first`
        private int step;
        private long consoleSizeBefore; // demo.log's size (the last round's console) when this round's VM started

        /** Waits until this round's VM has opened (and so emptied) the console file the last round left. */
        private void awaitConsoleReopened(String cmd) throws Exception {
            Path console = dir.resolve("demo.log");
            long deadline = System.nanoTime() + STEP_MS * 1_000_000L;
            while (consoleSizeBefore > 0 && Files.size(console) >= consoleSizeBefore) {
                assertTrue(System.nanoTime() < deadline, what(cmd) + ": the VM never opened its console file\n" + read(bgLog));
                Thread.sleep(20);
            }
        }

        Round(Path root, Path dir, Path runtime, Path repo, int round) {
            this.root = root;
            this.dir = dir;
            this.runtime = runtime;
            this.repo = repo;
            this.round = round;
        }

        void run(List<String> commands) throws Exception {
            try {
                for (String cmd : commands) {
                    step++;
                    if (cmd.endsWith("&")) {
                        consoleSizeBefore = Files.exists(dir.resolve("demo.log")) ? Files.size(dir.resolve("demo.log")) : 0;
                        bgLog = log("bg");
                        background.add(start(cmd.substring(0, cmd.length() - 1).trim(), bgLog));
                    } else if (cmd.startsWith("tail -F ") || cmd.startsWith("tail -f ")) {
                        watchTail(cmd);
                    } else if (cmd.contains(" restore ")) {
                        restoreAndQuit(cmd);
                    } else {
                        if (cmd.contains("--label first")) checkpointedAt = lastHeartbeat(dir.resolve("demo.log"));
                        Path out = log("out");
                        Process p = start(cmd, out);
                        assertTrue(p.waitFor(STEP_MS, TimeUnit.MILLISECONDS), what(cmd) + " did not end\n" + read(out));
                        assertEquals(0, p.exitValue(), what(cmd) + " failed:\n" + read(out) + "\n--- the VM's own output:\n" + read(bgLog)
                                + "\n--- its console (tail):\n" + read(dir.resolve("demo.log")));
                    }
                }
                for (Process p : background) {
                    assertTrue(p.waitFor(STEP_MS, TimeUnit.MILLISECONDS), "round " + round + ": the VM run in the background did not end after quit");
                }
            } finally {
                for (Process p : background) p.destroyForcibly();
            }
        }

        private String what(String cmd) {
            return "round " + round + ", step " + step + ": `" + cmd + "`";
        }

        private Path log(String kind) {
            return dir.resolve("round" + round + "-step" + step + "-" + kind + ".log");
        }

        private Process start(String cmd, Path out) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", "exec " + cmd).directory(dir.toFile())
                    .redirectErrorStream(true).redirectOutput(out.toFile());
            pb.environment().put("VMCKPT_HOME", root.toString());
            pb.environment().put("VMCKPT_REPO", repo.toString());
            pb.environment().put("XDG_RUNTIME_DIR", runtime.toString());
            pb.environment().remove("VMCKPT_KEY_FILE");
            return pb.start();
        }

        /**
         * `tail -F` shows the heartbeat: watch it until three beats of this boot are on screen, then Ctrl-C. (On
         * the second round the file first holds the first round's log until this round's VM opens it, which
         * empties it: the watch starts only then, as a person would see it. Without that wait, a short first round,
         * whose last ten lines hold beats from near 0, passed this step before the second VM had made its socket.)
         */
        private void watchTail(String cmd) throws Exception {
            awaitConsoleReopened(cmd);
            Path out = log("tail");
            Process p = start(cmd, out);
            try {
                long deadline = System.nanoTime() + STEP_MS * 1_000_000L;
                while (true) {
                    List<Long> beats = heartbeats(out);
                    int from = beats.size() - 1;
                    while (from > 0 && beats.get(from - 1) + 1 == beats.get(from)) from--;
                    if (beats.size() - from >= 3 && from >= 0 && beats.get(from) <= 3) break;
                    assertTrue(p.isAlive(), what(cmd) + " ended before the heartbeat showed:\n" + read(out));
                    assertTrue(System.nanoTime() < deadline, what(cmd) + ": no heartbeat of this boot within " + STEP_MS + " ms:\n" + read(out));
                    Thread.sleep(100);
                }
            } finally {
                p.destroy();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        }

        /** The restored guest counts on from where the checkpoint froze it; then it is quit by its name. */
        private void restoreAndQuit(String cmd) throws Exception {
            // The first VM printed every beat up to its quit into demo.log, the checkpoint's last beat among them (it ran
            // on after the freeze): so the restored guest's first beat is after the beat seen before the checkpoint
            // command and at most one past the log's last. (A bound in beats, such as "within 30 of the one seen
            // before", is a bound in time: at load 19 the checkpoint command's start took longer than 30 beats.)
            long loggedTo = lastHeartbeat(dir.resolve("demo.log"));
            Path out = log("restore");
            Process p = start(cmd, out);
            try {
                List<Long> beats = awaitHeartbeats(out, 3, p, cmd);
                assertTrue(checkpointedAt >= 0, "round " + round + ": no checkpoint was labelled before the restore");
                assertTrue(beats.get(0) > checkpointedAt && beats.get(0) <= loggedTo + 1, what(cmd) + ": the heartbeat restarted at "
                        + beats.get(0) + " instead of continuing after " + checkpointedAt + " (the first VM logged beats up to "
                        + loggedTo + ")\n" + read(out));
                Path quitOut = log("quit");
                Process quit = start("./vmckpt quit demo", quitOut);
                assertTrue(quit.waitFor(STEP_MS, TimeUnit.MILLISECONDS), what(cmd) + ": quit did not end");
                assertEquals(0, quit.exitValue(), what(cmd) + ": the restored VM does not answer to its name demo:\n" + read(quitOut));
                assertTrue(p.waitFor(STEP_MS, TimeUnit.MILLISECONDS), what(cmd) + ": the restored VM did not end after quit");
            } finally {
                p.destroyForcibly();
            }
        }

        private List<Long> awaitHeartbeats(Path file, int n, Process p, String cmd) throws Exception {
            long deadline = System.nanoTime() + STEP_MS * 1_000_000L;
            while (true) {
                List<Long> beats = heartbeats(file);
                if (beats.size() >= n) return beats;
                assertTrue(p.isAlive(), what(cmd) + " ended (status " + (p.isAlive() ? "" : p.exitValue()) + ") before its heartbeat showed:\n" + read(file));
                assertTrue(System.nanoTime() < deadline, what(cmd) + ": no heartbeat within " + STEP_MS + " ms:\n" + read(file));
                Thread.sleep(100);
            }
        }

        private static long lastHeartbeat(Path file) throws IOException {
            List<Long> beats = heartbeats(file);
            return beats.isEmpty() ? -1 : beats.get(beats.size() - 1);
        }

        private static List<Long> heartbeats(Path file) throws IOException {
            List<Long> out = new ArrayList<>();
            if (!Files.exists(file)) return out;
            Matcher m = HEARTBEAT.matcher(Files.readString(file, StandardCharsets.ISO_8859_1));
            while (m.find()) out.add(Long.parseLong(m.group(1)));
            return out;
        }

        private static String read(Path file) {
            try {
                String s = Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "(no output)";
                return s.length() > 3000 ? s.substring(s.length() - 3000) : s;
            } catch (IOException e) {
                return "(unreadable: " + e.getMessage() + ")";
            }
        }
    }
}
