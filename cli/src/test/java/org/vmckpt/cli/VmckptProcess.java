package org.vmckpt.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A `vmckpt` command (run or restore) in a child JVM, as a user would start it: its serial console goes to a
 * file (--console), its stdin is a pipe that the guest reads as console input (stdin is not a terminal), its
 * stdout and stderr go to a log file. End-to-end tests type into it and read what the guest printed.
 */
final class VmckptProcess implements AutoCloseable {
    private static final Pattern HEARTBEAT = Pattern.compile("memdirty heartbeat (\\d+)");

    private final Process process;
    private final Path console;
    private final Path log;
    private final OutputStream stdin;

    private VmckptProcess(Process process, Path console, Path log) {
        this.process = process;
        this.console = console;
        this.log = log;
        this.stdin = process.getOutputStream();
    }

    /**
     * Starts {@code java ... org.vmckpt.cli.Main ARGS --console CONSOLE} with this test's class path and
     * VMCKPT_HOME set to the repository root.
     */
    static VmckptProcess start(Path repoRoot, Path console, Path log, List<String> args) throws IOException {
        return start(repoRoot, console, log, List.of(), args);
    }

    /** The same, with extra JVM options (e.g. a small {@code -Xmx}). */
    static VmckptProcess start(Path repoRoot, Path console, Path log, List<String> jvmOptions, List<String> args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-XX:+UseParallelGC");
        cmd.add("-Xss16m");
        // As the launcher: translated guest code compiles after a few calls.
        cmd.add("-XX:CompileCommand=quiet");
        cmd.add("-XX:CompileCommand=CompileThresholdScaling,org.vmckpt.machine.cpu.Unit*::run,0.05");
        // As the launcher: HotSpot's WhiteBox API for compiling translated code (the options this test JVM got from surefire).
        for (String o : java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (o.startsWith("-Xbootclasspath/a:") || o.equals("-XX:+UnlockDiagnosticVMOptions") || o.equals("-XX:+WhiteBoxAPI")
                    || o.equals("-XX:-DisplayVMOutput")) cmd.add(o);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        cmd.addAll(args);
        cmd.add("--console");
        cmd.add(console.toString());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("VMCKPT_HOME", repoRoot.toString());
        return new VmckptProcess(pb.start(), console, log);
    }

    /** Types a line into the guest's console. */
    void type(String line) throws IOException {
        stdin.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
        stdin.flush();
    }

    /** Everything the guest printed so far ("" before the file exists). */
    String consoleText() throws IOException {
        if (!Files.exists(console)) return "";
        return new String(Files.readAllBytes(console), StandardCharsets.ISO_8859_1);
    }

    /**
     * The heartbeat numbers on complete lines, in order. A line the guest was still printing (no newline
     * yet) is left out: a checkpoint may have frozen the guest in the middle of it.
     */
    List<Long> heartbeats() throws IOException {
        String text = consoleText();
        int end = text.lastIndexOf('\n');
        List<Long> out = new ArrayList<>();
        if (end < 0) return out;
        Matcher m = HEARTBEAT.matcher(text.substring(0, end + 1));
        while (m.find()) {
            // Only whole numbers: the digits must run to the end of their line.
            int after = m.end();
            char c = text.charAt(after);
            if (c == '\r' || c == '\n') out.add(Long.parseLong(m.group(1)));
        }
        return out;
    }

    /** The last complete heartbeat, or -1 if none yet. */
    long lastHeartbeat() throws IOException {
        List<Long> h = heartbeats();
        return h.isEmpty() ? -1 : h.get(h.size() - 1);
    }

    /** Waits until the console shows {@code text} at or after character {@code from}; returns where it ends. */
    int await(String text, int from, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            String c = consoleText();
            int at = c.indexOf(text, Math.min(from, c.length()));
            if (at >= 0) return at + text.length();
            if (!process.isAlive()) {
                throw new AssertionError("vmckpt exited with status " + process.exitValue() + " before printing '" + text + "'\n" + describe());
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no '" + text + "' within " + timeoutMillis + " ms\n" + describeStalled());
            Thread.sleep(50);
        }
    }

    /** Waits until a complete heartbeat line with a number of at least {@code n} was printed. */
    void awaitHeartbeat(long n, long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (lastHeartbeat() < n) {
            if (!process.isAlive()) {
                throw new AssertionError("vmckpt exited with status " + process.exitValue() + " before heartbeat " + n + "\n" + describe());
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no heartbeat " + n + " within " + timeoutMillis + " ms\n" + describeStalled());
            Thread.sleep(50);
        }
    }

    /**
     * Waits until the VM's control socket accepts a connection. The file appears at bind(), a moment before the
     * server listens: a connection in between is refused, so the file alone is not enough.
     */
    void awaitSocket(Path socket) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            if (!isAlive()) throw new AssertionError("vmckpt ended early:\n" + describe());
            if (System.nanoTime() >= deadline) throw new AssertionError("no control socket:\n" + describe());
            if (Files.exists(socket)) {
                try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(socket))) {
                    return;
                } catch (IOException notYet) {
                    // bound but not yet listening
                }
            }
            Thread.sleep(50);
        }
    }

    /** Waits (60 s at most) until the log (stdout and stderr) has a match of {@code p}; returns the log's text. */
    String awaitLog(Pattern p) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (true) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
            if (p.matcher(text).find()) return text;
            if (!isAlive()) throw new AssertionError("vmckpt ended early:\n" + describe());
            if (System.nanoTime() >= deadline) throw new AssertionError("no line matching " + p + ":\n" + describe());
            Thread.sleep(50);
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The child process (to wait for its end). */
    Process process() {
        return process;
    }

    /** Kills the process (SIGKILL: no chance to clean up, like a crash) and waits for it. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** The tails of the console and of the process's own output, for assertion messages. */
    String describe() {
        return "--- console " + console + " (tail) ---\n" + tail(console) + "\n--- vmckpt output " + log + " (tail) ---\n" + tail(log);
    }

    /**
     * {@link #describe()} and, for a process that is still alive, two thread dumps taken 2 s apart ({@code jcmd PID
     * Thread.print}, each thread with its CPU time): whether the VM hangs (its threads blocked, their CPU unchanged), spins
     * (the run thread's CPU grows in the same frames) or is only slow. Round 27 (docs/BENCHMARKS.md) could not tell a
     * load-starved boot from a hang because no dump was taken.
     */
    String describeStalled() {
        StringBuilder sb = new StringBuilder(describe());
        for (int i = 1; i <= 2 && process.isAlive(); i++) {
            if (i > 1) {
                try {
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            sb.append("\n--- thread dump ").append(i).append(" of vmckpt (pid ").append(process.pid()).append(") ---\n").append(threadDump());
        }
        return sb.toString();
    }

    private String threadDump() {
        try {
            Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(process.pid()), "Thread.print").redirectErrorStream(true).start();
            byte[] out = jcmd.getInputStream().readAllBytes();
            jcmd.waitFor(30, TimeUnit.SECONDS);
            String s = new String(out, StandardCharsets.UTF_8);
            return s.length() > 40_000 ? s.substring(0, 40_000) + "\n(cut)" : s;
        } catch (IOException | InterruptedException e) {
            return "(no thread dump: " + e + ")";
        }
    }

    private static String tail(Path file) {
        try {
            String s = Files.exists(file) ? Files.readString(file, StandardCharsets.ISO_8859_1) : "(none)";
            return s.length() > 2000 ? s.substring(s.length() - 2000) : s;
        } catch (IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}
