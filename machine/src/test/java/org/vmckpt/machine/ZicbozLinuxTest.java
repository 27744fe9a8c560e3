package org.vmckpt.machine;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Zicboz on the default guest ({@code -Dvmckpt.isa.zicboz=true}, round 73), in a child JVM because the switch is read
 * once per process: the kernel finds {@code zicboz} in the device tree (with its block size, else it drops it) and
 * lists it in {@code /proc/cpuinfo}, its {@code clear_page} runs {@code cbo.zero} (the hart counts them), the shell
 * works, and {@code poweroff -f} ends the run with status 0; through the built-in SBI (which sets menvcfg.CBZE) and
 * through OpenSBI (which sets it for a hart whose device tree names Zicboz).
 */
@Tag("slow") // boots Debian twice
class ZicbozLinuxTest {
    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void theKernelSeesZicbozAndZeroesPagesWithCboZero() throws Exception {
        check("-");
    }

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void throughOpenSbiToo() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(OpenSbiBootTest.FW_JUMP), OpenSbiBootTest.FW_JUMP + " is absent");
        check(OpenSbiBootTest.FW_JUMP.toString());
    }

    private static void check(String bios) throws Exception {
        DefaultGuest.ensureBuilt(System.err); // (built here, not in the child, which has a watchdog)
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xss16m", "-Dvmckpt.isa.zicboz=true", "-cp", System.getProperty("java.class.path"),
                ZicbozLinuxMain.class.getName(), bios).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the child JVM ended");
        System.out.println("ZicbozLinuxTest (" + bios + "):\n" + out);
        assertEquals(0, p.exitValue(), out);
        List<String> lines = out.lines().toList();
        String isa = lines.stream().filter(l -> l.startsWith("ISA ")).findFirst().orElse("");
        assertTrue(isa.contains("zicboz"), "the kernel's ISA line names zicboz: " + isa);
        long zeros = lines.stream().filter(l -> l.startsWith("CBO-ZEROS ")).mapToLong(l -> Long.parseLong(l.substring(10))).findFirst().orElse(0);
        assertTrue(zeros > 0, "the kernel ran cbo.zero: " + out);
        assertTrue(lines.contains("EXIT 0"), out);
    }
}
