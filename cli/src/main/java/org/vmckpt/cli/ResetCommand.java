package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code vmckpt reset VM CKPT}: rolls a running VM back to a checkpoint (QMP {@code vmckpt-reset}). */
public final class ResetCommand {
    static final String USAGE = "vmckpt reset VM CKPT [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("json", "print the VM's reply: {\"vm\", \"checkpoint\", \"pages-restored\", \"total-ns\"}"));
    static final String HELP = """
            Usage: vmckpt reset VM CKPT [--json]

            Rolls a running VM back to one of its checkpoints, restoring only the pages written since: the
            fast way back to a known state (for tests and fuzzing). The VM keeps its process and socket.

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').
            CKPT is the checkpoint id 'vmckpt checkpoint' printed (the VM looks it up in its repository).

            Options:
            """.concat(OPTIONS.help());

    private ResetCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("reset", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (a.positional().size() != 2) {
                throw new UsageException((a.positional().size() < 2 ? "give the VM and the checkpoint" : "too many arguments")
                        + "; usage: " + USAGE);
            }
            String vm = a.positional().get(0);
            String checkpoint = a.positional().get(1);
            Map<String, Object> result;
            try (QmpClient qmp = VmConnection.connect(vm)) {
                result = qmp.execute("vmckpt-reset", Map.of("checkpoint", checkpoint));
            }
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("vm", vm);
                out.putAll(result);
                io.out().println(Json.write(out));
            } else {
                long pages = result.get("pages-restored") instanceof Number n ? n.longValue() : 0;
                long nanos = result.get("total-ns") instanceof Number n ? n.longValue() : 0;
                io.out().println(vm + ": reset to " + result.get("checkpoint") + ", " + pages + " pages restored in "
                        + Units.duration(nanos));
            }
            return 0;
        });
    }
}
