package org.vmckpt.cli;

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
import java.util.Set;

/** {@code vmckpt run}: boot a machine and attach the terminal to its serial console. */
public final class RunCommand {
    static final String HELP = """
            Usage: vmckpt run [OPTIONS]

            Boots a RISC-V virtual machine with the terminal as its serial console (Ctrl-A X quits).
            With no --kernel, --elf or --bios, boots the default guest (Debian's riscv64 kernel and a busybox
            initramfs, built on first use into ~/.cache/vmckpt/guest).

            Guest:
              --kernel FILE        Linux Image (plain or gzip) to boot with the built-in SBI firmware
              --initrd FILE        initramfs for the kernel
              --append ARGS        kernel command line (default guest: its own default line)
              --workload NAME[,ARG...]  default guest: run a workload instead of a shell (memdirty, pagecache, kvstore)
              --disk FILE[,rw]     raw disk image as virtio-blk (repeatable); writes go to an in-memory overlay
                                   unless ,rw is given
              --no-disk            default guest: attach no disk
              --bios FILE          M-mode firmware at 0x80000000 (e.g. OpenSBI fw_jump.bin) instead of the built-in SBI
              --elf FILE           run a bare-metal ELF in M-mode; exit status comes from its HTIF tohost write
            Machine:
              --mem SIZE           RAM size (default 512M; e.g. 1G)
              --no-balloon         no virtio-balloon device
              --no-rng             no virtio-rng device
              --deterministic      time derives from retired instructions; no host input but console bytes
              --cpu jit|interp     jit (default): translate hot guest code to JVM bytecode; interp: only the
                                   interpreter (the reference; same results, slower)
            Network (default: none):
              --net user[,hostfwd=tcp:[ADDR]:PORT-:GUESTPORT]...
                                   virtio-net with user-mode networking, as QEMU's -nic user: the guest gets
                                   10.0.2.15/24 by DHCP, 10.0.2.2 is the gateway and reaches this host's
                                   loopback, 10.0.2.3 relays DNS; guest TCP/UDP goes out through host sockets;
                                   each hostfwd listens on host ADDR:PORT (empty ADDR: every address) and
                                   forwards to the guest's GUESTPORT. No root needed.
                                   Example: --net user,hostfwd=tcp:127.0.0.1:8080-:80
              --net tap,ifname=NAME  virtio-net on an existing host TAP device (ip tuntap add NAME mode tap user USER)
            Console and control:
              --console stdio|FILE where the serial console goes (default stdio)
              --exit-on TEXT       end the run (status 0) when the console prints TEXT
              --max-instructions N stop after N instructions (status 3)
              --stats              print instructions retired, wall time, MIPS and the translator's counters
                                   at exit (on stderr)
              --api-socket PATH    QMP control socket (default: $XDG_RUNTIME_DIR or /tmp, vmckpt-NAME.sock)
              --name NAME          VM name used for the default socket path (default: vm); other commands
                                   (vmckpt checkpoint|pause|resume|status|reset NAME) find the VM by it
            Checkpoints:
              --repo DIR           checkpoint repository (default ~/.local/share/vmckpt/repo, or $VMCKPT_REPO)
              --checkpoint-every T take a live incremental checkpoint every T (e.g. 30s, 5m)
              --keep-for-reset     keep the last checkpoint's memory frozen in this process, so `vmckpt reset`
                                   to it copies only the pages written since from memory (fast; costs a copy
                                   of each page the guest writes afterwards)

            Exit status: the guest's poweroff status (0 for a clean poweroff), 2 for bad usage or images,
            3 when --max-instructions ran out, 4 when the guest asked for a reboot.
            """;

    static final Set<String> VALUE_OPTIONS = Set.of("kernel", "initrd", "append", "disk", "bios", "elf", "mem", "console",
            "exit-on", "max-instructions", "api-socket", "name", "workload", "repo", "checkpoint-every", "cpu", "net");
    static final Set<String> FLAGS = Set.of("no-balloon", "no-rng", "deterministic", "stats", "no-disk", "help", "json", "keep-for-reset");

    /** Builds the machine configuration from the options, building the default guest if needed. */
    static MachineConfig config(Args a, PrintStream progress) throws UsageException, IOException {
        long mem = a.has("mem") ? Args.parseSize(a.get("mem"), "mem") : MachineConfig.DEFAULT_MEMORY;
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
        Args a = Args.parse(argv, 1, VALUE_OPTIONS, FLAGS);
        if (a.has("help")) {
            System.out.print(HELP);
            return 0;
        }
        if (!a.positional().isEmpty()) throw new UsageException("vmckpt run takes no positional arguments (got '" + a.positional().get(0) + "')");
        org.vmckpt.checkpoint.store.Repository repo = VmSession.repository(a);
        // The disk overlays spill beyond their heap share into the repository's workspace area.
        MachineConfig config = config(a, System.err).withOverlay(org.vmckpt.machine.device.virtio.DiskOverlay.DEFAULT_MEMORY_BYTES, repo.spillDir());
        ConsoleOutput console = VmSession.console(a);
        Machine machine;
        try {
            machine = new Machine(config, console);
        } catch (IOException e) {
            if (config.net() == null) throw e;
            throw new CommandFailedException("cannot set up --net " + config.net() + ": " + e.getMessage());
        }
        try {
            machine.boot();
        } catch (BootImageException e) {
            machine.virtio().close();
            throw new UsageException(e.getMessage());
        }
        return VmSession.run(machine, a, console, repo, null);
    }
}
