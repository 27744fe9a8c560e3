package org.vmckpt.machine;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

/**
 * The child process of {@link ZicbozLinuxTest}: in a JVM started with {@code -Dvmckpt.isa.zicboz=true}, boots the
 * default guest (through the built-in SBI, or through the firmware named by the argument), reads the kernel's ISA line
 * from {@code /proc/cpuinfo}, runs a command in the shell, powers off, and prints {@code ISA <line>},
 * {@code CBO-ZEROS <count>}, {@code INSTRUCTIONS <count>} and {@code EXIT <status>}, one line each.
 *
 * <p>Arguments: {@code -} or the firmware (--bios) path.
 */
public final class ZicbozLinuxMain {
    private ZicbozLinuxMain() { }

    public static void main(String[] args) throws Exception {
        if (!Isa.ZICBOZ) throw new IllegalStateException("run with -Dvmckpt.isa.zicboz=true");
        Path bios = args.length > 0 && !args[0].equals("-") ? Path.of(args[0]) : null;
        DefaultGuest.Paths guest = DefaultGuest.ensureBuilt(System.err);
        MachineConfig config = new MachineConfig(512L << 20, guest.kernel(), guest.initrd(), guest.cmdline(), bios, null,
                List.of(new MachineConfig.DiskConfig(guest.disk(), false)), false, false, false);
        ConsoleBuffer console = new ConsoleBuffer();
        Machine machine = new Machine(config, console);
        machine.boot();
        FutureTask<Integer> run = new FutureTask<>(() -> machine.run(-1));
        Thread runThread = new Thread(run, "zicboz-linux-vm");
        runThread.setDaemon(true);
        runThread.start();
        try {
            int at = console.await(LinuxBootTest.MARKER, 0, LinuxBootTest.BOOT_TIMEOUT_MS, () -> !run.isDone());
            at = LinuxBootTest.shell(machine, console, at, "grep -m1 '^isa' /proc/cpuinfo; echo isa-d''one", "isa-done");
            String text = console.text();
            String isa = text.lines().filter(l -> l.startsWith("isa") && l.contains(":")).reduce((a, b) -> b).orElse("(none)");
            System.out.println("ISA " + isa.trim());
            // A shell that works: a pipeline that allocates and zeroes pages, its checksum printed.
            at = LinuxBootTest.shell(machine, console, at, "head -c 8388608 /dev/zero | md5sum", "96995b58d4cbf6aaa9041b4f00c7f6ae");
            System.out.println("CBO-ZEROS " + LinuxBootTest.onRunThread(machine, () -> machine.hart(0).cboZeros));
            System.out.println("INSTRUCTIONS " + LinuxBootTest.onRunThread(machine, () -> machine.hart(0).instret));
            ConsoleBuffer.type(machine, "poweroff -f\n");
            System.out.println("EXIT " + run.get(LinuxBootTest.COMMAND_TIMEOUT_MS, TimeUnit.MILLISECONDS));
        } finally {
            if (!run.isDone()) {
                System.err.println("console tail:\n" + console.tail(3000));
                machine.requestExit(99);
                runThread.join(5_000);
            }
            machine.virtio().close();
        }
    }
}
