package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.*;

/**
 * End to end: the stock Debian kernel boots the default guest to its marker, its shell (driven through the
 * UART) reads and writes the virtio disk, the writes stay in the overlay, the balloon receives free page
 * reports, and {@code poweroff -f} ends the run with status 0.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class LinuxBootTest {
    static final String MARKER = "VMCKPT-READY";
    static final long BOOT_TIMEOUT_MS = 90_000; // a watchdog, not a rate: a boot took 43 s at load 20 on the 2-core machine
    static final long COMMAND_TIMEOUT_MS = 30_000;

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void bootsUsesTheDiskReportsFreePagesAndPowersOff() throws Exception {
        DefaultGuest.Paths guest = DefaultGuest.ensureBuilt(System.err);
        byte[] diskBefore = sha256(guest.disk());
        long diskModifiedBefore = Files.getLastModifiedTime(guest.disk()).toMillis();

        MachineConfig config = new MachineConfig(512L << 20, guest.kernel(), guest.initrd(), guest.cmdline(), null, null,
                List.of(new MachineConfig.DiskConfig(guest.disk(), false)), true, true, false);
        ConsoleBuffer console = new ConsoleBuffer();
        Machine machine = new Machine(config, console);
        machine.boot();
        FutureTask<Integer> run = new FutureTask<>(() -> machine.run(-1));
        Thread runThread = new Thread(run, "linux-boot-test-vm");
        runThread.setDaemon(true);
        long t0 = System.nanoTime();
        runThread.start();
        try {
            int at = console.await(MARKER, 0, BOOT_TIMEOUT_MS, () -> !run.isDone());
            System.out.printf("LinuxBootTest: marker after %.2f s (%,d instructions)%n", (System.nanoTime() - t0) / 1e9,
                    onRunThread(machine, () -> machine.hart(0).instret));
            assertTrue(console.text().contains("/dev/vda mounted at /mnt"), console.text());

            // Read the disk. (Expected output never equals the typed command, which the terminal echoes.)
            at = shell(machine, console, at, "cat /mnt/hello.txt", "Hello from the vmckpt default guest's data disk.");
            // Write the disk, flush it to the device, read it back through a dropped page cache.
            at = shell(machine, console, at, "echo vmckpt-wr''ote-7 > /mnt/new.txt; sync; echo 3 > /proc/sys/vm/drop_caches; cat /mnt/new.txt",
                    "vmckpt-wrote-7");
            long overlayBlocks = onRunThread(machine, () -> machine.virtio().disks().get(0).overlay().presentBlocks());
            assertTrue(overlayBlocks > 0, "the guest's writes should be in the overlay");

            // Free page reporting: freeing a large allocation gives the buddy allocator high-order free blocks;
            // the kernel reports them about 2 s later.
            long reported = 0;
            for (int round = 0; round < 5 && reported == 0; round++) {
                at = shell(machine, console, at, "dd if=/dev/zero of=/dev/null bs=32M count=2 2>/dev/null; echo dd-d''one-" + round,
                        "dd-done-" + round);
                long until = System.nanoTime() + 4_000_000_000L;
                while (reported == 0 && System.nanoTime() < until) {
                    Thread.sleep(200);
                    reported = onRunThread(machine, () -> machine.virtio().balloon().pagesReported());
                }
                System.out.printf("LinuxBootTest: after round %d: %d pages reported (%.2f s)%n", round, reported, (System.nanoTime() - t0) / 1e9);
            }
            assertTrue(reported > 0, "the balloon got no free page reports");

            ConsoleBuffer.type(machine, "poweroff -f\n");
            Integer status = run.get(COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS);
            assertEquals(0, status, () -> "console tail:\n" + console.tail(2000));
        } finally {
            if (!run.isDone()) {
                machine.requestExit(99);
                runThread.join(5_000);
            }
            machine.virtio().close();
        }
        assertArrayEquals(diskBefore, sha256(guest.disk()), "the disk image must not change: writes go to the overlay");
        assertEquals(diskModifiedBefore, Files.getLastModifiedTime(guest.disk()).toMillis());
    }

    /** Types a command line into the guest's shell and waits for {@code expected} after what was printed so far. */
    static int shell(Machine machine, ConsoleBuffer console, int from, String command, String expected) throws Exception {
        int start = Math.max(from, console.length());
        ConsoleBuffer.type(machine, command + "\n");
        return console.await(machine, expected, start, COMMAND_TIMEOUT_MS);
    }

    /** Reads machine state on its run thread (between instructions), so the test never races the guest. */
    static <T> T onRunThread(Machine machine, Supplier<T> read) throws Exception {
        CompletableFuture<T> result = new CompletableFuture<>();
        machine.submit(() -> result.complete(read.get()));
        return result.get(5, TimeUnit.SECONDS);
    }

    static byte[] sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 20];
            for (int n; (n = in.read(buf)) > 0; ) d.update(buf, 0, n);
            return d.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
