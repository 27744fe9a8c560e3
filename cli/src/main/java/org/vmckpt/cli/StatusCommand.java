package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code vmckpt status VM}: the VM's run state and what its checkpointer is doing. */
public final class StatusCommand {
    static final String USAGE = "vmckpt status VM [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("json", "print {\"vm\", \"socket\", \"status\", \"running\", \"name\", \"checkpoint\": {...}}"));
    static final String HELP = """
            Usage: vmckpt status VM [--json]

            Shows whether the VM runs or is paused (QMP query-status) and the state of checkpointing
            (vmckpt-query-checkpoint: whether one is running, its phase, the last checkpoint...).

            VM is the name given to 'vmckpt run --name' (its control socket is
            ${XDG_RUNTIME_DIR:-/tmp}/vmckpt-NAME.sock) or the path of a control socket (anything with a '/').

            Options:
            """.concat(OPTIONS.help());

    private StatusCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("status", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
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
                    out.put("name", qmp.execute("query-name", null).get("name"));
                    out.put("checkpoint", checkpoint);
                    io.out().println(Json.write(out));
                } else {
                    io.out().print(describe(vm, VmConnection.socket(vm).toString(), status, checkpoint));
                }
            }
            return 0;
        });
    }

    /** The status for people: run state, then checkpointing in words, durations in ms or s, "none" for no value. */
    static String describe(String vm, String socket, Map<String, Object> status, Map<String, Object> checkpoint) {
        StringBuilder sb = new StringBuilder();
        sb.append(vm).append(": ").append(status.get("status")).append("  (socket ").append(socket).append(")\n");
        sb.append("checkpointing     ").append(Boolean.TRUE.equals(checkpoint.get("in-progress")) ? "a checkpoint is being taken" : "idle").append('\n');
        if (checkpoint.get("repository") instanceof String repo) sb.append("repository        ").append(repo).append('\n');
        if (checkpoint.get("last-id") instanceof String last) {
            sb.append("last checkpoint   ").append(Units.shortId(last));
            if (checkpoint.get("last-downtime-ns") instanceof Number d) sb.append(", downtime ").append(Units.millis(d.longValue()));
            if (checkpoint.get("last-total-ns") instanceof Number t) sb.append(", took ").append(Units.duration(t.longValue()));
            sb.append('\n');
        } else {
            sb.append("last checkpoint   none yet\n");
        }
        sb.append("next incremental  ").append(checkpoint.get("parent") instanceof String p
                ? "builds on " + Units.shortId(p) : "none possible yet (the next checkpoint is full)").append('\n');
        if (checkpoint.get("last-error") instanceof String e) sb.append("last error        ").append(e).append('\n');
        return sb.toString();
    }
}
