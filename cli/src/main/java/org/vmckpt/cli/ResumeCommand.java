package org.vmckpt.cli;

import org.vmckpt.cli.qmp.QmpClient;

import java.util.Set;

/** {@code vmckpt resume VM}: resumes the guest CPUs (QMP {@code cont}). */
public final class ResumeCommand {
    static final String USAGE = "vmckpt resume VM [--json]";
    static final String HELP = """
            Usage: vmckpt resume VM [--json]

            Resumes a paused VM (QMP cont): after 'vmckpt pause', or a 'vmckpt checkpoint --leave-paused'.
            Resuming a running VM does nothing; a VM that has shut down cannot be resumed.

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
              --json       print {"vm", "status"} (the run state afterwards)
            """;
    static final Set<String> FLAGS = Set.of("json", "help");

    private ResumeCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("resume", io, () -> {
            Args a = Args.parse(argv, 1, Set.of(), FLAGS);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            String vm = VmConnection.vmArgument(a, USAGE);
            try (QmpClient qmp = VmConnection.connect(vm)) {
                qmp.execute("cont", null);
                Object status = qmp.execute("query-status", null).get("status");
                PauseCommand.printState(io, a.has("json"), vm, status);
            }
            return 0;
        });
    }
}
