package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The same kernel booted through real M-mode firmware: Debian's OpenSBI fw_jump.bin at 0x80000000 (the
 * {@code --bios} path) instead of the built-in SBI. Exercises the hart's M-mode: CSR probing, trap
 * delegation, mret, the CLINT timer forwarded to S-mode, and SRST poweroff through the sifive_test device.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class OpenSbiBootTest {
    /** Installed by Debian's opensbi package (./build installs it). */
    static final Path FW_JUMP = Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin");

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void defaultGuestBootsThroughOpenSbiAndPowersOff() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(FW_JUMP),
                FW_JUMP + " is absent: install Debian's opensbi package (apt-get install opensbi) to run this test");
        DefaultGuest.Paths guest = DefaultGuest.ensureBuilt(System.err);
        MachineConfig config = new MachineConfig(512L << 20, guest.kernel(), guest.initrd(), guest.cmdline(), FW_JUMP, null,
                List.of(new MachineConfig.DiskConfig(guest.disk(), false)), true, true, false);
        ConsoleBuffer console = new ConsoleBuffer();
        Machine machine = new Machine(config, console);
        machine.boot();
        FutureTask<Integer> run = new FutureTask<>(() -> machine.run(-1));
        Thread runThread = new Thread(run, "opensbi-boot-test-vm");
        runThread.setDaemon(true);
        long t0 = System.nanoTime();
        runThread.start();
        try {
            int at = console.await(LinuxBootTest.MARKER, 0, LinuxBootTest.BOOT_TIMEOUT_MS, () -> !run.isDone());
            System.out.printf("OpenSbiBootTest: marker after %.2f s%n", (System.nanoTime() - t0) / 1e9);
            String boot = console.text();
            assertTrue(boot.contains("OpenSBI v"), "OpenSBI's banner is missing:\n" + boot);
            assertTrue(boot.contains("Boot HART Base ISA        : rv64imafdc"), boot);
            assertTrue(boot.contains("/dev/vda mounted at /mnt"), boot);

            // The kernel talks to OpenSBI (implementation ID 1), not to the built-in SBI. (The guest boots "quiet",
            // so the line is in the kernel log but was not printed.)
            at = LinuxBootTest.shell(machine, console, at, "dmesg | grep 'SBI implementation'", "SBI implementation ID=0x1 Version=");

            // A sleep needs the S-mode timer, which OpenSBI runs on the CLINT's mtimecmp and forwards as STIP.
            at = LinuxBootTest.shell(machine, console, at, "sleep 1; echo sle''pt", "slept");
            ConsoleBuffer.type(machine, "poweroff -f\n");
            assertEquals(0, run.get(LinuxBootTest.COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS),
                    () -> "console tail:\n" + console.tail(2000));
        } finally {
            if (!run.isDone()) {
                machine.requestExit(99);
                runThread.join(5_000);
            }
            machine.virtio().close();
        }
    }
}
