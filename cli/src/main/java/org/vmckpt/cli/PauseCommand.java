package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code vmckpt pause VM}: stops the guest CPUs (QMP {@code stop}). */
public final class PauseCommand {
    static final String USAGE = "vmckpt pause VM [--json]";
    static final String HELP = """
            Usage: vmckpt pause VM [--json]

            Pauses the VM's guest CPUs at an instruction boundary (QMP stop); 'vmckpt resume VM' continues it.
            Pausing a paused VM does nothing.

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
              --json       print {"vm", "status"} (the run state afterwards)
            """;
    static final Set<String> FLAGS = Set.of("json", "help");

    private PauseCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("pause", io, () -> {
            Args a = Args.parse(argv, 1, Set.of(), FLAGS);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            String vm = VmConnection.vmArgument(a, USAGE);
            try (QmpClient qmp = VmConnection.connect(vm)) {
                qmp.execute("stop", null);
                Object status = qmp.execute("query-status", null).get("status");
                printState(io, a.has("json"), vm, status);
            }
            return 0;
        });
    }

    /** Prints the run state a pause or resume left the VM in. */
    static void printState(CommandOutput io, boolean json, String vm, Object status) {
        if (json) {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("vm", vm);
            out.put("status", status);
            io.out().println(Json.write(out));
        } else {
            io.out().println(vm + ": " + status);
        }
    }
}
