package org.vmckpt.cli;

import java.util.List;

/**
 * One {@code vmckpt} subcommand as the dispatcher, the top-level help, shell completion and the tests see it:
 * its name, a one-line summary, the group it is listed under, its option table, its full help and its body.
 */
record Command(String name, String group, String summary, OptionTable options, String help, Body body) {
    /** Runs the command with the whole command line ({@code argv[0]} is the command's name); returns the exit status. */
    @FunctionalInterface
    interface Body {
        int run(String[] argv) throws Exception;
    }

    static final String VMS = "Running VMs:";
    static final String REPOSITORY = "Checkpoints in the repository (--repo DIR, $VMCKPT_REPO, else ~/.local/share/vmckpt/repo):";
    static final String CONTROL = "Controlling a running VM (by its --name, or its control socket path):";

    /** Every command, in the order the help lists them. */
    static final List<Command> ALL = List.of(
            new Command("run", VMS, "boot a VM (default: the Debian riscv64 guest) with the terminal as its console",
                    RunCommand.OPTIONS, RunCommand.HELP, RunCommand::run),
            new Command("restore", VMS, "continue a checkpointed VM, with the terminal as its console",
                    RestoreCommand.OPTIONS, RestoreCommand.HELP, RestoreCommand::run),
            new Command("ls", REPOSITORY, "list checkpoints (and any that cannot be read)",
                    LsCommand.OPTIONS, LsCommand.HELP, argv -> LsCommand.run(argv, CommandOutput.system())),
            new Command("inspect", REPOSITORY, "show everything about one checkpoint: machine, sizes, pages, timings, records",
                    InspectCommand.OPTIONS, InspectCommand.HELP, argv -> InspectCommand.run(argv, CommandOutput.system())),
            new Command("diff", REPOSITORY, "which pages, state records and disk blocks differ between two checkpoints",
                    DiffCommand.OPTIONS, DiffCommand.HELP, argv -> DiffCommand.run(argv, CommandOutput.system())),
            new Command("verify", REPOSITORY, "check every checksum of some checkpoints (or --all); exit 1 if any is damaged",
                    VerifyCommand.OPTIONS, VerifyCommand.HELP, argv -> VerifyCommand.run(argv, CommandOutput.system())),
            new Command("rm", REPOSITORY, "delete checkpoints",
                    RmCommand.OPTIONS, RmCommand.HELP, argv -> RmCommand.run(argv, CommandOutput.system())),
            new Command("gc", REPOSITORY, "free the space of deleted checkpoints",
                    GcCommand.OPTIONS, GcCommand.HELP, argv -> GcCommand.run(argv, CommandOutput.system())),
            new Command("config", REPOSITORY, "show or set the repository's compression and encryption",
                    ConfigCommand.OPTIONS, ConfigCommand.HELP, ConfigCommand::run),
            new Command("status", CONTROL, "run state and checkpoint activity",
                    StatusCommand.OPTIONS, StatusCommand.HELP, argv -> StatusCommand.run(argv, CommandOutput.system())),
            new Command("pause", CONTROL, "pause the guest CPUs",
                    PauseCommand.OPTIONS, PauseCommand.HELP, argv -> PauseCommand.run(argv, CommandOutput.system())),
            new Command("resume", CONTROL, "resume them",
                    ResumeCommand.OPTIONS, ResumeCommand.HELP, argv -> ResumeCommand.run(argv, CommandOutput.system())),
            new Command("checkpoint", CONTROL, "take a checkpoint (live by default; --incremental, --stop, --label L)",
                    CheckpointCommand.OPTIONS, CheckpointCommand.HELP, argv -> CheckpointCommand.run(argv, CommandOutput.system())),
            new Command("reset", CONTROL, "roll the VM back to a checkpoint",
                    ResetCommand.OPTIONS, ResetCommand.HELP, argv -> ResetCommand.run(argv, CommandOutput.system())),
            new Command("quit", CONTROL, "end the VM",
                    QuitCommand.OPTIONS, QuitCommand.HELP, argv -> QuitCommand.run(argv, CommandOutput.system())),
            new Command("completion", "Other:", "print a bash completion script (source <(vmckpt completion))",
                    Completion.OPTIONS, Completion.HELP, Completion::run));

    static Command named(String name) {
        for (Command c : ALL) if (c.name().equals(name)) return c;
        return null;
    }

    static String names() {
        StringBuilder sb = new StringBuilder();
        for (Command c : ALL) sb.append(sb.length() == 0 ? "" : ", ").append(c.name());
        return sb.toString();
    }
}
