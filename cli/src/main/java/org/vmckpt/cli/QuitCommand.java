package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** {@code vmckpt quit VM}: ends the VM process (QMP {@code quit}). */
public final class QuitCommand {
    static final String USAGE = "vmckpt quit VM [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("json", "print {\"vm\", \"quit\": true}"));
    static final String HELP = """
            Usage: vmckpt quit VM [--json]

            Ends the VM at once (QMP quit), like pulling the plug: the guest is not asked to shut down, and
            whatever it did since its last checkpoint is lost. Take a checkpoint first to keep it.

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
            """.concat(OPTIONS.help());
    static final String SHUTDOWN_EVENT = "SHUTDOWN";
    private static final long SHUTDOWN_WAIT_SECONDS = 10;

    private QuitCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("quit", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            String vm = VmConnection.vmArgument(a, USAGE);
            CountDownLatch shutdown = new CountDownLatch(1);
            try (QmpClient qmp = VmConnection.connect(vm, event -> {
                if (event.name().equals(SHUTDOWN_EVENT)) shutdown.countDown();
            })) {
                qmp.execute("quit", null);
                // The reply comes first, then SHUTDOWN once the VM has stopped: return only when it has.
                if (!shutdown.await(SHUTDOWN_WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new CommandFailedException(vm + " accepted quit but did not shut down within "
                            + SHUTDOWN_WAIT_SECONDS + " s");
                }
            }
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("vm", vm);
                out.put("quit", true);
                io.out().println(Json.write(out));
            } else {
                io.out().println(vm + ": quit");
            }
            return 0;
        });
    }
}
