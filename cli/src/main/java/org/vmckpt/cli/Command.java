package org.vmckpt.cli;

import java.util.List;

/**
 * One {@code vmckpt} subcommand as the dispatcher, the top-level help, shell completion and the tests see it:
 * its name, the group it is listed under and a one-line summary; its option table, full help and body come
 * from its class. Adding a command: an entry in {@link #ALL} and a case in each switch below.
 *
 * <p>The switches (rather than a table of lambdas) keep start-up lean: only the dispatched command's class is
 * loaded and initialised, and no lambda is bootstrapped for it (a table of lambdas and eagerly built help
 * texts cost `vmckpt restore` tens of milliseconds at start; docs/BENCHMARKS.md).
 */
record Command(String name, String group, String summary) {
    static final String VMS = "Running VMs:";
    static final String REPOSITORY = "Checkpoints in the repository (--repo DIR, $VMCKPT_REPO, else ~/.local/share/vmckpt/repo):";
    static final String CONTROL = "Controlling a running VM (by its --name, or its control socket path):";
    static final String OTHER = "Other:";

    /** Every command, in the order the help lists them. */
    static final List<Command> ALL = List.of(
            new Command("run", VMS, "boot a VM (default: the Debian riscv64 guest) with the terminal as its console"),
            new Command("restore", VMS, "continue a checkpointed VM, with the terminal as its console"),
            new Command("ls", REPOSITORY, "list checkpoints (and any that cannot be read)"),
            new Command("inspect", REPOSITORY, "show everything about one checkpoint: machine, sizes, pages, timings, records"),
            new Command("diff", REPOSITORY, "which pages, state records and disk blocks differ between two checkpoints"),
            new Command("verify", REPOSITORY, "check every checksum of some checkpoints (or --all); exit 1 if any is damaged"),
            new Command("rm", REPOSITORY, "delete checkpoints"),
            new Command("gc", REPOSITORY, "free the space of deleted checkpoints"),
            new Command("config", REPOSITORY, "show or set the repository's compression and encryption"),
            new Command("status", CONTROL, "run state and checkpoint activity"),
            new Command("pause", CONTROL, "pause the guest CPUs"),
            new Command("resume", CONTROL, "resume them"),
            new Command("checkpoint", CONTROL, "take a checkpoint (live by default; --incremental, --stop-and-copy, --label L)"),
            new Command("reset", CONTROL, "roll the VM back to a checkpoint"),
            new Command("migrate", CONTROL, "move the VM, live, to a 'vmckpt run --incoming tcp:HOST:PORT' process"),
            new Command("quit", CONTROL, "end the VM"),
            new Command("completion", OTHER, "print a bash completion script (source <(vmckpt completion))"));

    /** The options the command's parser accepts (and its help and the completion list). */
    OptionTable options() {
        return switch (name) {
            case "run" -> RunCommand.OPTIONS;
            case "restore" -> RestoreCommand.OPTIONS;
            case "ls" -> LsCommand.OPTIONS;
            case "inspect" -> InspectCommand.OPTIONS;
            case "diff" -> DiffCommand.OPTIONS;
            case "verify" -> VerifyCommand.OPTIONS;
            case "rm" -> RmCommand.OPTIONS;
            case "gc" -> GcCommand.OPTIONS;
            case "config" -> ConfigCommand.OPTIONS;
            case "status" -> StatusCommand.OPTIONS;
            case "pause" -> PauseCommand.OPTIONS;
            case "resume" -> ResumeCommand.OPTIONS;
            case "checkpoint" -> CheckpointCommand.OPTIONS;
            case "reset" -> ResetCommand.OPTIONS;
            case "migrate" -> MigrateCommand.OPTIONS;
            case "quit" -> QuitCommand.OPTIONS;
            case "completion" -> Completion.OPTIONS;
            default -> throw new IllegalStateException("no option table for " + name);
        };
    }

    /** The command's full --help text. */
    String help() {
        return switch (name) {
            case "run" -> RunCommand.HELP;
            case "restore" -> RestoreCommand.HELP;
            case "ls" -> LsCommand.HELP;
            case "inspect" -> InspectCommand.HELP;
            case "diff" -> DiffCommand.HELP;
            case "verify" -> VerifyCommand.HELP;
            case "rm" -> RmCommand.HELP;
            case "gc" -> GcCommand.HELP;
            case "config" -> ConfigCommand.HELP;
            case "status" -> StatusCommand.HELP;
            case "pause" -> PauseCommand.HELP;
            case "resume" -> ResumeCommand.HELP;
            case "checkpoint" -> CheckpointCommand.HELP;
            case "reset" -> ResetCommand.HELP;
            case "migrate" -> MigrateCommand.HELP;
            case "quit" -> QuitCommand.HELP;
            case "completion" -> Completion.HELP;
            default -> throw new IllegalStateException("no help for " + name);
        };
    }

    /** Runs the command with the whole command line ({@code argv[0]} is its name); returns the exit status. */
    int run(String[] argv) throws Exception {
        return switch (name) {
            case "run" -> RunCommand.run(argv);
            case "restore" -> RestoreCommand.run(argv);
            case "ls" -> LsCommand.run(argv, CommandOutput.system());
            case "inspect" -> InspectCommand.run(argv, CommandOutput.system());
            case "diff" -> DiffCommand.run(argv, CommandOutput.system());
            case "verify" -> VerifyCommand.run(argv, CommandOutput.system());
            case "rm" -> RmCommand.run(argv, CommandOutput.system());
            case "gc" -> GcCommand.run(argv, CommandOutput.system());
            case "config" -> ConfigCommand.run(argv);
            case "status" -> StatusCommand.run(argv, CommandOutput.system());
            case "pause" -> PauseCommand.run(argv, CommandOutput.system());
            case "resume" -> ResumeCommand.run(argv, CommandOutput.system());
            case "checkpoint" -> CheckpointCommand.run(argv, CommandOutput.system());
            case "reset" -> ResetCommand.run(argv, CommandOutput.system());
            case "migrate" -> MigrateCommand.run(argv, CommandOutput.system());
            case "quit" -> QuitCommand.run(argv, CommandOutput.system());
            case "completion" -> Completion.run(argv);
            default -> throw new IllegalStateException("no body for " + name);
        };
    }

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
