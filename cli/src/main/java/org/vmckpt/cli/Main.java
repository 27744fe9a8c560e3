package org.vmckpt.cli;

/** The {@code vmckpt} command: dispatches to subcommands and turns errors into messages and exit codes. */
public final class Main {
    static final String HELP = """
            vmckpt: a RISC-V virtual machine monitor with live, lightweight checkpoints.

            Usage: vmckpt COMMAND [OPTIONS]

            Commands:
              run        boot a VM (default: the Debian riscv64 guest) with the terminal as its console
              restore    continue a checkpointed VM, with the terminal as its console

            Checkpoints in the repository (--repo DIR, $VMCKPT_REPO, else ~/.local/share/vmckpt/repo):
              ls         list checkpoints (and any that cannot be read)
              inspect    show everything about one checkpoint: machine, sizes, pages, timings, state records
              verify     check every checksum of some checkpoints (or --all); exit 1 if any is damaged
              rm         delete checkpoints
              gc         free the space of deleted checkpoints
  config     show or set the repository's compression (zstd level, or none)

            Controlling a running VM (by its --name, or its control socket path):
              status     run state and checkpoint activity
              pause      pause the guest CPUs
              resume     resume them
              checkpoint take a checkpoint (live by default; --incremental, --stop, --baseline, --label L)
              reset      roll the VM back to a checkpoint
              migrate    move the VM, live, to a 'vmckpt run --incoming tcp:HOST:PORT' process
              quit       end the VM

            Run 'vmckpt COMMAND --help' for the options of a command.
            """;

    public static void main(String[] argv) {
        if (argv.length > 0 && (argv[0].equals("restore") || argv[0].equals("run"))) preloadNativeCompression();
        System.exit(dispatch(argv));
    }

    /**
     * Loading zstd's native library takes ~50 ms on a cold JVM; a restore needs it within its first
     * milliseconds. Start loading it on a side thread while the command line is parsed.
     */
    private static final String[] PRELOAD = {
        "org.vmckpt.machine.Machine", "org.vmckpt.machine.cpu.Hart", "org.vmckpt.machine.memory.GuestMemory",
        "org.vmckpt.machine.device.Clint", "org.vmckpt.machine.device.Plic", "org.vmckpt.machine.device.Uart16550",
        "org.vmckpt.machine.device.virtio.VirtioMmio", "org.vmckpt.machine.device.virtio.VirtioBlk",
        "org.vmckpt.machine.device.virtio.VirtioBalloon", "org.vmckpt.machine.device.virtio.Virtqueue",
        "org.vmckpt.machine.firmware.Sbi", "org.vmckpt.checkpoint.Restorer", "org.vmckpt.checkpoint.LazyPages",
        "org.vmckpt.checkpoint.DiskHashCache", "org.vmckpt.checkpoint.MachineDescription", "java.util.Properties",
        "java.util.HexFormat", "org.vmckpt.machine.state.StateReader",
    };

    private static void preloadNativeCompression() {
        // Two side threads: zstd's native library (the manifest needs it first) and the machine's classes, so
        // neither waits for the other while the main thread parses arguments and opens the repository.
        Thread zstd = new Thread(() -> {
            try {
                com.github.luben.zstd.Zstd.compressBound(1);
            } catch (Throwable e) {
                // the real use reports any problem
            }
        }, "preload-zstd");
        Thread classes = new Thread(() -> {
            try {
                // Class loading and static initialisation of the machine (VarHandles, device classes) cost tens of
                // milliseconds on a cold JVM; do it here, on the other core, while the main thread reads the checkpoint.
                ClassLoader cl = Main.class.getClassLoader();
                for (String c : PRELOAD) Class.forName(c, true, cl);
            } catch (Throwable e) {
                // the real use reports any problem
            }
        }, "preload-classes");
        for (Thread t : new Thread[]{zstd, classes}) {
            t.setDaemon(true);
            t.start();
        }
    }

    static int dispatch(String[] argv) {
        if (argv.length == 0 || argv[0].equals("--help") || argv[0].equals("-h") || argv[0].equals("help")) {
            System.out.print(HELP);
            return argv.length == 0 ? 2 : 0;
        }
        try {
            switch (argv[0]) {
                case "run":
                    return RunCommand.run(argv);
                case "ls":
                    return LsCommand.run(argv, CommandOutput.system());
                case "inspect":
                    return InspectCommand.run(argv, CommandOutput.system());
                case "verify":
                    return VerifyCommand.run(argv, CommandOutput.system());
                case "rm":
                    return RmCommand.run(argv, CommandOutput.system());
                case "gc":
                    return GcCommand.run(argv, CommandOutput.system());
                case "status":
                    return StatusCommand.run(argv, CommandOutput.system());
                case "pause":
                    return PauseCommand.run(argv, CommandOutput.system());
                case "resume":
                    return ResumeCommand.run(argv, CommandOutput.system());
                case "checkpoint":
                    return CheckpointCommand.run(argv, CommandOutput.system());
                case "reset":
                    return ResetCommand.run(argv, CommandOutput.system());
                case "quit":
                    return QuitCommand.run(argv, CommandOutput.system());
                case "migrate":
                    return MigrateCommand.run(argv, CommandOutput.system());
                case "restore":
                    return RestoreCommand.run(argv);
                case "config":
                    return ConfigCommand.run(argv);
                case "cds-train":
                    return ClassDataSharing.train();
                default:
                    throw new UsageException("unknown command '" + argv[0] + "'; commands: run, ls, inspect, verify, rm, gc, status, pause, resume, "
                            + "checkpoint, reset, migrate, quit (see vmckpt --help)");
            }
        } catch (CommandFailedException e) {
            System.err.println("vmckpt: " + e.getMessage());
            return 1;
        } catch (UsageException e) {
            System.err.println("vmckpt: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            // Repository and file errors say what is wrong with which file; anything else is a bug and says what it was.
            System.err.println("vmckpt: " + CommandErrors.describe(e));
            if (System.getenv("VMCKPT_DEBUG") != null) e.printStackTrace();
            return 1;
        }
    }
}
