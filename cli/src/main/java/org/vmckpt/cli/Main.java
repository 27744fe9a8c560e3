package org.vmckpt.cli;

/** The {@code vmckpt} command: dispatches to subcommands and turns errors into messages and exit codes. */
public final class Main {
    /** The top-level help: the commands by group, from {@link Command#ALL} (built only when asked for). */
    static String help() {
        StringBuilder sb = new StringBuilder();
        sb.append("vmckpt: a RISC-V virtual machine monitor with live, lightweight checkpoints.\n\n");
        sb.append("Usage: vmckpt COMMAND [OPTIONS]\n");
        String group = null;
        for (Command c : Command.ALL) {
            if (!c.group().equals(group)) {
                group = c.group();
                sb.append('\n').append(group).append('\n');
            }
            sb.append("  ").append(c.name()).append(" ".repeat(Math.max(1, 12 - c.name().length()))).append(c.summary()).append('\n');
        }
        sb.append("\nRun 'vmckpt COMMAND --help' for the options of a command; 'vmckpt --version' for the version.\n");
        return sb.toString();
    }

    /** What --version prints. */
    static String version() {
        return "vmckpt " + org.vmckpt.cli.qmp.QmpServer.VERSION_MAJOR + "." + org.vmckpt.cli.qmp.QmpServer.VERSION_MINOR + "."
                + org.vmckpt.cli.qmp.QmpServer.VERSION_MICRO + " (Java " + Runtime.version() + ")";
    }

    public static void main(String[] argv) {
        StartupTimes.mark(StartupTimes.MAIN);
        preload(argv);
        System.exit(dispatch(argv));
    }

    /**
     * For `restore` and `run`: loads what they need first on side threads ({@link #preloadNativeCompression}); for an
     * eager restore, faults in the heap its pages will fill first ({@link RestorePrefault}, off by default) and lets its
     * last pages go straight into the old generation ({@link OldGenWindow}, on by default).
     */
    static void preload(String[] argv) {
        // VMCKPT_HEAP=grow (off by default): the whole heap committed by a side thread from here, not by the JVM's start.
        if (argv.length > 0 && (argv[0].equals("restore") || argv[0].equals("run"))) HeapGrow.startIfEnabled();
        boolean eagerRestore = argv.length > 0 && argv[0].equals("restore") && !java.util.Arrays.asList(argv).contains("--lazy");
        if (eagerRestore) {
            RestorePrefault.startIfEnabled();
            // The loading path's hot methods asked for at tier 1 while the command reads the checkpoint (on by default).
            org.vmckpt.checkpoint.RestoreTier1.startEarly();
        }
        // The loaders' stage CPU times are measured for --stats only: the JVM's thread bean starts every platform MBean
        // provider (tens of ms), on the class preload thread here, not on a loader's.
        boolean restoreStats = argv.length > 0 && argv[0].equals("restore") && java.util.Arrays.asList(argv).contains("--stats");
        if (restoreStats) org.vmckpt.checkpoint.store.BatchReader.measureStageCpu(false);
        // The side threads before the old-generation window's set-up (round 62): zstd's library is the first thing the
        // checkpoint step waits for, and the window's opener is not needed before the restore's own steps are done.
        if (argv.length > 0 && (argv[0].equals("restore") || argv[0].equals("run"))) {
            preloadNativeCompression(restoreStats, argv[0].equals("restore") && VmSession.besideRestored(java.util.Arrays.asList(argv)));
        }
        if (eagerRestore) OldGenWindow.installIfEnabled();
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
        "org.vmckpt.checkpoint.PageLoader", "org.vmckpt.checkpoint.store.BatchReader", "org.vmckpt.checkpoint.store.FrameBatch",
        "org.vmckpt.checkpoint.FileDigests", "org.vmckpt.checkpoint.MachineDescription", "java.util.Properties",
        "java.util.HexFormat", "org.vmckpt.machine.state.StateReader",
        // ASM's label (the translator's first unit): never in the class-data archive (class version 49), so it was read
        // from the jar and verified in an eager restore's loading phase (round 64); here, on this side thread, instead.
        "org.objectweb.asm.Label",
    };

    /** Set once the preload thread has set up the Unix-domain socket classes (a restore with its session beside it); tests. */
    static volatile boolean socketClassesWarmed;

    private static void preloadNativeCompression(boolean stageCpu, boolean socket) {
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
                // restore --stats: the thread bean the loaders' stage times read, set up here rather than by a loader
                if (stageCpu) org.vmckpt.checkpoint.store.BatchReader.measureStageCpu(true);
                // A restore whose session is set up beside its guest binds its control socket before the guest's first
                // instruction (round 79): the JDK's Unix-domain socket classes set up here, on this side thread, during the
                // restore. Their static initialiser builds a SecureRandom (NativePRNGNonBlocking: the JDK's providers,
                // the first in this JVM since the new generation's ID comes from /dev/urandom), which took the bind
                // 230-510 ms after "restored" at load 11-12 on the guest's way (restore79's write window).
                if (socket) {
                    Class.forName("sun.nio.ch.UnixDomainSockets", true, null);
                    Class.forName("org.vmckpt.cli.qmp.QmpServer$Bound", true, cl);
                    Class.forName("org.vmckpt.cli.qmp.SocketOwnership", true, cl);
                    socketClassesWarmed = true;
                }
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
            System.out.print(help());
            return argv.length == 0 ? 2 : 0;
        }
        if (argv[0].equals("--version") || argv[0].equals("-V") || argv[0].equals("version")) {
            System.out.println(version());
            return 0;
        }
        if (argv[0].equals("cds-train")) {
            return CommandErrors.run("cds-train", argv, CommandOutput.system(), ClassDataSharing::train);
        }
        if (argv[0].equals("cds-check")) {
            return CommandErrors.run("cds-check", argv, CommandOutput.system(), ClassDataSharing::check);
        }
        Command c = Command.named(argv[0]);
        CommandOutput io = CommandOutput.system();
        if (c == null) {
            return CommandErrors.run(argv[0], argv, io, () -> {
                throw new UsageException("unknown command '" + argv[0] + "'; commands: " + Command.names() + " (see vmckpt --help)");
            });
        }
        return CommandErrors.run(c.name(), argv, io, () -> c.run(argv));
    }
}
