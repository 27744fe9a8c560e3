package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vmckpt pause VM}: stops the guest CPUs (QMP {@code stop}). */
public final class PauseCommand {
    static final String USAGE = "vmckpt pause VM [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("json", "print {\"vm\", \"status\"} (the run state afterwards)"));
    static final String HELP = """
            Usage: vmckpt pause VM [--json]

            Pauses the VM's guest CPUs at an instruction boundary (QMP stop); 'vmckpt resume VM' continues it.
            Pausing a paused VM does nothing.

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
            """.concat(OPTIONS.help());

    private PauseCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return changeRunState("pause", "stop", USAGE, OPTIONS, HELP, argv, io);
    }

    /**
     * What pause and resume share: send {@code qmpCommand} to the VM, then print the run state it left the VM in.
     */
    static int changeRunState(String name, String qmpCommand, String usage, OptionTable options, String help, String[] argv, CommandOutput io) {
        return CommandErrors.run(name, argv, io, () -> {
            Args a = options.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(help);
                return 0;
            }
            String vm = VmConnection.vmArgument(a, usage);
            try (QmpClient qmp = VmConnection.connect(vm)) {
                qmp.execute(qmpCommand, null);
                printState(io, a.has("json"), vm, qmp.execute("query-status", null).get("status"));
            }
            return 0;
        });
    }

    private static void printState(CommandOutput io, boolean json, String vm, Object status) {
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
