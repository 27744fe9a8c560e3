package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The default guest booted with {@code -Dvmckpt.isa.bitmanip=true} (in a JVM of its own: the switch, like
 * {@link Isa#EXTENSIONS}, is read once per JVM): the kernel finds Zba, Zbb and Zbs in the device tree and names them in
 * /proc/cpuinfo's isa line, its shell works, and it really runs them: the Zbb string functions its alternatives patch in
 * when the hart has Zbb ({@code strlen}, {@code strcmp}, {@code strncmp}: orc.b per 8 bytes, rev8 to compare) retire
 * orc.b and rev8, counted with {@code -Dvmckpt.isa.bitmanipCounts=true} in the interpreter and translated code. Without
 * the switch the kernel sees no Zbb and runs none (the child's counts are then 0 and the isa line has no zbb: run the
 * test with {@code -Dbitmanip.child=false} to see it fail).
 */
@Tag("slow") // boots Debian
class BitmanipBootTest {
    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void theKernelSeesAndRunsZbaZbbZbs() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments()); // (surefire's argLine: the WhiteBox API)
        cmd.removeIf(a -> a.startsWith("-agentlib:jdwp") || a.startsWith("-javaagent") || a.startsWith("-Dvmckpt.isa."));
        cmd.add("-Dvmckpt.isa.bitmanip=" + System.getProperty("bitmanip.child", "true"));
        cmd.add("-Dvmckpt.isa.bitmanipCounts=true");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child did not end");
        assertEquals(0, p.exitValue(), out.length() > 4000 ? out.substring(out.length() - 4000) : out);
        String isa = null;
        for (String line : out.split("\n")) {
            if (line.startsWith("isa") && line.contains(":")) {
                isa = line.substring(line.indexOf(':') + 1).trim();
                break;
            }
        }
        assertNotNull(isa, "no isa line in /proc/cpuinfo:\n" + out);
        List<String> ext = List.of(isa.split("_"));
        assertTrue(ext.get(0).startsWith("rv64imafdc"), isa);
        for (String e : Isa.BITMANIP_EXTENSIONS) assertTrue(ext.contains(e), "the kernel's isa line lacks " + e + ": " + isa);
        assertTrue(out.contains("shell-42"), "the shell did not answer:\n" + out);
        long zb = count(out, "zb="), orcB = count(out, "orcB="), rev8 = count(out, "rev8=");
        System.out.printf("BitmanipBootTest: isa %s; Zb* retired %,d (orc.b %,d, rev8 %,d)%n", isa, zb, orcB, rev8);
        assertTrue(orcB > 0, "no orc.b ran: the kernel did not patch in its Zbb string functions");
        assertTrue(rev8 > 0, "no rev8 ran (the Zbb strcmp's)");
    }

    static long count(String out, String key) {
        int at = out.lastIndexOf("BITMANIP-COUNTS");
        assertTrue(at >= 0, "no counts line:\n" + out);
        String line = out.substring(at, out.indexOf('\n', at) < 0 ? out.length() : out.indexOf('\n', at));
        int k = line.indexOf(" " + key);
        assertTrue(k >= 0, key + " not in " + line);
        String v = line.substring(k + 1 + key.length()).split(" ")[0];
        return Long.parseLong(v.trim());
    }

    /** Boots the default guest, asks its shell for /proc/cpuinfo's isa line and some arithmetic, prints the counts, powers off. */
    public static final class Child {
        public static void main(String[] args) throws Exception {
            DefaultGuest.Paths guest = DefaultGuest.ensureBuilt(System.err);
            MachineConfig config = new MachineConfig(512L << 20, guest.kernel(), guest.initrd(), guest.cmdline(), null, null,
                    List.of(new MachineConfig.DiskConfig(guest.disk(), false)), true, true, false);
            ConsoleBuffer console = new ConsoleBuffer();
            Machine machine = new Machine(config, console);
            machine.boot();
            FutureTask<Integer> run = new FutureTask<>(() -> machine.run(-1));
            Thread runThread = new Thread(run, "bitmanip-boot-test-vm");
            runThread.setDaemon(true);
            runThread.start();
            int status = 1;
            try {
                int at = console.await(LinuxBootTest.MARKER, 0, LinuxBootTest.BOOT_TIMEOUT_MS, () -> !run.isDone());
                at = LinuxBootTest.shell(machine, console, at, "grep ^isa /proc/cpuinfo | head -1; echo isa-d''one", "isa-done");
                at = LinuxBootTest.shell(machine, console, at, "echo shell-$((6*7))", "shell-42");
                System.out.println(LinuxBootTest.onRunThread(machine, Child::counts));
                System.out.println("console:\n" + console.text());
                ConsoleBuffer.type(machine, "poweroff -f\n");
                status = run.get(LinuxBootTest.COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            } finally {
                if (!run.isDone()) {
                    machine.requestExit(99);
                    runThread.join(5_000);
                }
                machine.virtio().close();
            }
            System.exit(status);
        }

        static String counts() {
            return org.vmckpt.machine.cpu.BitmanipCountsForTests.line();
        }
    }
}
