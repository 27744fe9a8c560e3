package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;
import org.vmckpt.cli.qmp.QmpEvent;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code vmckpt checkpoint VM}: asks a running VM to take a checkpoint (QMP {@code vmckpt-checkpoint}). */
public final class CheckpointCommand {
    static final String USAGE = "vmckpt checkpoint VM [--stop-and-copy] [--incremental] [--label L] [--baseline] [--leave-paused] [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.value("label", "L", "a name to find the checkpoint by (vmckpt ls/inspect/restore/reset accept it);\nunique in the repository: a label already in use is refused"),
            Option.flag("incremental", "store only the pages written since the VM's previous checkpoint"),
            Option.flag("stop-and-copy", "keep the guest paused until everything is saved (not live)").alsoAs("stop"),
            Option.flag("baseline", "the comparison baseline (like Xen's default save): stop-and-copy of all of\nmemory, no eviction, no compression; cannot be --incremental"),
            Option.flag("leave-paused", "leave the VM paused after the checkpoint ('vmckpt resume VM' continues it)"),
            Option.flag("json", "print the VM's reply instead: {\"vm\", \"id\", \"size\", \"total-ns\", \"downtime-ns\", \"pages\"}"));
    static final String HELP = """
            Usage: vmckpt checkpoint VM [OPTIONS]

            Takes a checkpoint of a running VM and returns when it is safely on disk. By default it is live:
            the guest is paused only to freeze its state (milliseconds) and runs on while memory is saved;
            pages that are zero, that the guest reported free, or that equal a disk block are not stored.
            On a terminal, a progress line shows what is being saved. At the end it prints:
              checkpoint ID: SIZE in T s, downtime D ms, N pages saved (Z zero, F free, B disk)

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
            """.concat(OPTIONS.help());
    static final String PROGRESS_EVENT = "VMCKPT_CHECKPOINT_PROGRESS";

    private CheckpointCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("checkpoint", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            String vm = VmConnection.vmArgument(a, USAGE);
            Map<String, Object> arguments = arguments(a);
            ProgressLine line = new ProgressLine(io);
            long start = System.nanoTime();
            Map<String, Object> result;
            try (QmpClient qmp = VmConnection.connect(vm, event -> showProgress(line, event, start))) {
                result = qmp.execute("vmckpt-checkpoint", arguments);
            } finally {
                line.clear();
            }
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("vm", vm);
                out.putAll(result);
                io.out().println(Json.write(out));
            } else {
                io.out().println(summary(result));
            }
            return 0;
        });
    }

    /** The arguments of vmckpt-checkpoint for these options (see docs/API.md). */
    static Map<String, Object> arguments(Args a) throws UsageException {
        boolean baseline = a.has("baseline");
        if (baseline && a.has("incremental")) {
            throw new UsageException("--baseline is a full stop-and-copy checkpoint; it cannot be --incremental");
        }
        Map<String, Object> args = new LinkedHashMap<>();
        String label = a.get("label");
        if (label != null) {
            if (label.isEmpty()) throw new UsageException("--label needs a non-empty name");
            args.put("label", label);
        }
        args.put("live", !(a.has("stop-and-copy") || baseline));
        args.put("incremental", a.has("incremental"));
        args.put("leave-paused", a.has("leave-paused"));
        if (baseline) args.put("options", Map.of("baseline", true));
        return args;
    }

    private static void showProgress(ProgressLine line, QmpEvent event, long start) {
        if (!event.name().equals(PROGRESS_EVENT)) return;
        Map<String, Object> d = event.data();
        long bytes = number(d, "bytes");
        long pages = number(d, "pages");
        long total = number(d, "total-pages");
        Object phase = d.getOrDefault("phase", "?");
        boolean ofPages = MachineController.PAGES_PHASE.equals(phase);
        line.update("checkpoint " + phase + ": " + pages + (total > 0 ? "/" + total : "")
                + (ofPages ? " pages" : " frames written") + (total > 0 ? " (" + Units.percent(pages, total) + ")" : "")
                + (ofPages ? ", " + Units.bytes(bytes) + ", " + Units.rate(bytes, System.nanoTime() - start) : ""));
    }

    /**
     * {@code checkpoint ID: SIZE in T s, downtime D ms, N pages saved (Z zero, F free, B disk, K boot files)} from the reply's
     * id, size, total-ns, downtime-ns and pages. The page counts are read under the engine's statistic names
     * ({@link Stats}: pages.saved, evict.zero, evict.free, evict.disk, evict.boot), the one vocabulary from the
     * engine to the CLI; a count the VM did not report is shown as 0.
     */
    static String summary(Map<String, Object> result) {
        Map<String, Object> pages = result.get("pages") instanceof Map<?, ?> m ? cast(m) : Map.of();
        return String.format(Locale.ROOT, "checkpoint %s: %s in %s, downtime %s, %d pages saved (%d zero, %d free, %d disk, %d boot files)",
                result.get("id"), Units.bytes(number(result, "size")), Units.seconds(number(result, "total-ns")),
                Units.millis(number(result, "downtime-ns")), number(pages, Stats.PAGES_SAVED),
                number(pages, Stats.EVICT_ZERO), number(pages, Stats.EVICT_FREE),
                number(pages, Stats.EVICT_DISK), number(pages, Stats.EVICT_BOOT))
                + (result.get("notice") instanceof String n ? "; note: " + n : "");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }

    private static long number(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
