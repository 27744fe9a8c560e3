package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code vmckpt status VM}: the VM's run state and what its checkpointer is doing. */
public final class StatusCommand {
    static final String USAGE = "vmckpt status VM [--json]";
    static final String HELP = """
            Usage: vmckpt status VM [--json]

            Shows whether the VM runs or is paused (QMP query-status) and the state of checkpointing
            (vmckpt-query-checkpoint: whether one is running, its phase, the last checkpoint...).

            VM is the name given to 'vmckpt run --name' (its control socket is
            ${XDG_RUNTIME_DIR:-/tmp}/vmckpt-NAME.sock) or the path of a control socket (anything with a '/').

            Options:
              --json       print {"vm", "socket", "status", "running", "checkpoint": {...}}
            """;
    static final Set<String> FLAGS = Set.of("json", "help");

    private StatusCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("status", io, () -> {
            Args a = Args.parse(argv, 1, Set.of(), FLAGS);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            String vm = VmConnection.vmArgument(a, USAGE);
            try (QmpClient qmp = VmConnection.connect(vm)) {
                Map<String, Object> status = qmp.execute("query-status", null);
                Map<String, Object> checkpoint = qmp.execute("vmckpt-query-checkpoint", null);
                if (a.has("json")) {
                    Map<String, Object> out = new LinkedHashMap<>();
                    out.put("vm", vm);
                    out.put("socket", VmConnection.socket(vm).toString());
                    out.put("status", status.get("status"));
                    out.put("running", status.get("running"));
                    out.put("checkpoint", checkpoint);
                    io.out().println(Json.write(out));
                } else {
                    io.out().println(vm + ": " + status.get("status") + "  (socket " + VmConnection.socket(vm) + ")");
                    List<String> parts = new ArrayList<>();
                    for (Map.Entry<String, Object> e : checkpoint.entrySet()) {
                        Object v = e.getValue();
                        parts.add(e.getKey() + " " + (v instanceof String s ? s : Json.write(v)));
                    }
                    io.out().println("checkpointing: " + (parts.isEmpty() ? "-" : String.join(", ", parts)));
                }
            }
            return 0;
        });
    }
}
