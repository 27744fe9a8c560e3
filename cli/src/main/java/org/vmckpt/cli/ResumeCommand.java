package org.vmckpt.cli;

/** {@code vmckpt resume VM}: resumes the guest CPUs (QMP {@code cont}). */
public final class ResumeCommand {
    static final String USAGE = "vmckpt resume VM [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("json", "print {\"vm\", \"status\"} (the run state afterwards)"));
    static final String HELP = """
            Usage: vmckpt resume VM [--json]

            Resumes a paused VM (QMP cont): after 'vmckpt pause', or a 'vmckpt checkpoint --leave-paused'.
            Resuming a running VM does nothing; a VM that has shut down cannot be resumed.

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
            """.concat(OPTIONS.help());

    private ResumeCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return PauseCommand.changeRunState("resume", "cont", USAGE, OPTIONS, HELP, argv, io);
    }
}
