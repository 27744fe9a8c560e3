package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.firmware.BootImageException;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code vmckpt run}: boot a machine and attach the terminal to its serial console. */
public final class RunCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            "Guest:",
            Option.value("kernel", "FILE", "Linux Image (plain or gzip) to boot with the built-in SBI firmware"),
            Option.value("initrd", "FILE", "initramfs for the kernel"),
            Option.value("append", "ARGS", "kernel command line (default guest: its own default line)"),
            Option.value("workload", "NAME[,ARG...]", "default guest: run a workload instead of a shell\n(memdirty, pagecache, kvstore)"),
            Option.value("disk", "FILE[,rw]", "raw disk image as virtio-blk (repeatable); writes go to an in-memory\noverlay unless ,rw is given"),
            Option.flag("no-disk", "default guest: attach no disk"),
            Option.value("bios", "FILE", "M-mode firmware at 0x80000000 (e.g. OpenSBI fw_jump.bin) instead of the\nbuilt-in SBI"),
            Option.value("elf", "FILE", "run a bare-metal ELF in M-mode; exit status comes from its HTIF tohost write"),
            "Machine:",
            Option.value("mem", "SIZE", "RAM size (default 512M; e.g. 1G; a bare number is MiB, as QEMU's -m)"),
            Option.flag("no-balloon", "no virtio-balloon device"),
            Option.flag("no-rng", "no virtio-rng device"),
            Option.flag("deterministic", "time derives from retired instructions; no host input but console bytes"),
            SessionOptions.CPU,
            SessionOptions.REALTIME,
            "Network (default: none):",
            SessionOptions.NET_RUN,
            "Console and control:",
            SessionOptions.CONSOLE,
            SessionOptions.EXIT_ON,
            SessionOptions.MAX_INSTRUCTIONS,
            SessionOptions.STATS,
            SessionOptions.PAUSED,
            SessionOptions.API_SOCKET,
            SessionOptions.NAME,
            "Checkpoints:",
            SessionOptions.REPO,
            SessionOptions.CHECKPOINT_EVERY,
            SessionOptions.KEEP_CHECKPOINTS,
            SessionOptions.KEEP_FOR_RESET,
            "Migration (docs/MIGRATION.md):",
            Option.value("incoming", "tcp:HOST:PORT", "do not boot: wait for a VM migrated here by 'vmckpt migrate';\n"
                    + "give the same machine options as the source (memory, disks, devices)"),
            Option.value("tls-creds", "DIR", "TLS 1.3 with certificates in QEMU's tls-creds-x509 layout: ca-cert.pem,\n"
                    + "and server-cert.pem + server-key.pem (destination) or client-cert.pem +\n"
                    + "client-key.pem (source); each end must show a certificate from that CA.\n"
                    + "A VM started with it (or --insecure) is ready to migrate: it maps as much\n"
                    + "memory as the guest has RAM before the guest starts (about a second per GiB)"),
            Option.flag("insecure", "migrate in plaintext instead (both ends must say so; prints a warning)"));

    static final String HELP = """
            Usage: vmckpt run [OPTIONS]

            Boots a RISC-V virtual machine with the terminal as its serial console (Ctrl-A X quits).
            With no --kernel, --elf or --bios, boots the default guest (Debian's riscv64 kernel and a busybox
            initramfs, built on first use into ~/.cache/vmckpt/guest).

            """.concat(OPTIONS.help()).concat("""

            Exit status: the guest's poweroff status (0 for a clean poweroff), 2 for bad usage or images,
            3 when --max-instructions ran out, 4 when the guest asked for a reboot.
            """);

    /** Builds the machine configuration from the options, building the default guest if needed. */
    static MachineConfig config(Args a, PrintStream progress) throws UsageException, IOException {
        long mem = a.has("mem") ? Args.parseMemorySize(a.get("mem"), "mem") : MachineConfig.DEFAULT_MEMORY;
        if (a.has("net")) {
            try {
                org.vmckpt.machine.net.NetSpec.parse(a.get("net")); // before any guest is built
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        Path kernel = path(a, "kernel"), initrd = path(a, "initrd"), bios = path(a, "bios"), elf = path(a, "elf");
        String cmdline = a.get("append");
        List<MachineConfig.DiskConfig> disks = new ArrayList<>();
        for (String d : a.all("disk")) {
            boolean rw = d.endsWith(",rw");
            String file = rw ? d.substring(0, d.length() - 3) : (d.endsWith(",ro") ? d.substring(0, d.length() - 3) : d);
            Path p = Path.of(file);
            if (!Files.isRegularFile(p)) throw new UsageException("--disk: no such image file: " + file);
            disks.add(new MachineConfig.DiskConfig(p, rw));
        }
        boolean defaultGuest = kernel == null && elf == null && bios == null;
        if (defaultGuest) {
            DefaultGuest.Paths g = DefaultGuest.ensureBuilt(progress);
            kernel = g.kernel();
            if (initrd == null) initrd = g.initrd();
            if (cmdline == null) cmdline = g.cmdline();
            if (disks.isEmpty() && !a.has("no-disk") && g.disk() != null && Files.isRegularFile(g.disk())) {
                disks.add(new MachineConfig.DiskConfig(g.disk(), false));
            }
        }
        if (a.has("workload")) {
            String[] w = a.get("workload").split(",", 2);
            cmdline = (cmdline == null ? "" : cmdline + " ") + "vmckpt.workload=" + w[0] + (w.length > 1 ? " vmckpt.args=" + w[1] : "");
        }
        if (elf != null && (kernel != null || bios != null)) throw new UsageException("--elf runs a bare-metal program alone: drop --kernel/--bios");
        try {
            return new MachineConfig(mem, kernel, initrd, cmdline == null ? "" : cmdline, bios, elf, disks,
                    elf == null && !a.has("no-balloon"), elf == null && !a.has("no-rng"), a.has("deterministic"))
                    .withNet(a.get("net"));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static Path path(Args a, String name) throws UsageException {
        String v = a.get(name);
        if (v == null) return null;
        Path p = Path.of(v);
        if (!Files.isRegularFile(p)) throw new UsageException("--" + name + ": no such file: " + v);
        return p;
    }

    static int run(String[] argv) throws Exception {
        Args a = OPTIONS.parse(argv, 1);
        if (a.has("help")) {
            System.out.print(HELP);
            return 0;
        }
        if (!a.positional().isEmpty()) throw new UsageException("vmckpt run takes no positional arguments (got '" + a.positional().get(0) + "')");
        org.vmckpt.checkpoint.store.Repository repo = VmSession.repository(a);
        // The disk overlays spill beyond their heap share into the repository's workspace area.
        MachineConfig config = config(a, System.err).withOverlay(org.vmckpt.machine.device.virtio.DiskOverlay.DEFAULT_MEMORY_BYTES, repo.spillDir());
        ConsoleOutput console = VmSession.console(a);
        StartupTimes.mark(StartupTimes.OPTIONS);
        if (a.has("incoming")) return IncomingMigration.run(a, config, console, repo);
        Machine machine;
        try {
            machine = new Machine(config, console);
        } catch (IOException e) {
            if (config.net() == null) throw e;
            throw new CommandFailedException("cannot set up --net " + config.net() + ": " + e.getMessage());
        }
        StartupTimes.mark(StartupTimes.MACHINE);
        try {
            machine.boot();
        } catch (BootImageException e) {
            machine.virtio().close();
            throw new UsageException(e.getMessage());
        }
        StartupTimes.mark(StartupTimes.BOOT_FILES);
        return VmSession.run(machine, a, console, repo, null, VmSession.DEFAULT_NAME);
    }
}
