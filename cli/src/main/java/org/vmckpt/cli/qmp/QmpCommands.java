package org.vmckpt.cli.qmp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The commands available after capabilities negotiation, mapped onto a {@link VmController}. Each returns the
 * value for {"return": ...} or throws {@link QmpException} for {"error": ...}. Shared by all sessions;
 * holds no per-connection state ({@code qmp_capabilities} is handled by {@link QmpSession}).
 */
final class QmpCommands {
    static final String QMP_CAPABILITIES = "qmp_capabilities";
    static final String QUIT = "quit";
    /** Every command name, in the order query-commands lists them. */
    static final List<String> NAMES = List.of(
            QMP_CAPABILITIES, "query-commands", "query-version", "query-status",
            "query-name", "query-cpus-fast", "query-kvm", "human-monitor-command",
            "stop", "cont", "system_powerdown", QUIT,
            "balloon", "query-balloon",
            "vmckpt-checkpoint", "vmckpt-reset", "vmckpt-query-checkpoint", "vmckpt-query-net",
            "migrate", "query-migrate", "migrate_cancel", "migrate-recover");

    private static final System.Logger LOG = System.getLogger(QmpCommands.class.getName());
    private static final long PROGRESS_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final VmController vm;
    private final VmEventSink events;
    private final HumanMonitor hmp = new HumanMonitor(this);

    QmpCommands(VmController vm, VmEventSink events) {
        this.vm = vm;
        this.events = events;
    }

    static boolean exists(String name) {
        return NAMES.contains(name);
    }

    /**
     * Runs a command. {@code quit} only checks its arguments here: the session calls {@link #quitAfterReply()}
     * once the reply is on the wire, because quitting may end the process.
     */
    Object execute(String name, Map<String, Object> arguments) throws QmpException {
        switch (name) {
            case "query-commands": {
                new QmpArguments(arguments, Set.of());
                List<Object> list = new ArrayList<>();
                for (String command : NAMES) {
                    list.add(Map.of("name", command));
                }
                return list;
            }
            case "query-version":
                new QmpArguments(arguments, Set.of());
                return QmpServer.versionInfo();
            case "query-status": {
                new QmpArguments(arguments, Set.of());
                Map<String, Object> status = new LinkedHashMap<>();
                status.put("status", vm.status());
                status.put("singlestep", false);
                status.put("running", vm.running());
                return status;
            }
            case "query-name": {
                new QmpArguments(arguments, Set.of());
                Map<String, Object> reply = new LinkedHashMap<>();
                if (vm.name() != null) reply.put("name", vm.name()); // QEMU leaves the member out for an unnamed VM
                return reply;
            }
            case "query-cpus-fast": {
                new QmpArguments(arguments, Set.of());
                List<Object> cpus = new ArrayList<>();
                for (int i = 0; i < vm.cpuCount(); i++) {
                    Map<String, Object> cpu = new LinkedHashMap<>();
                    cpu.put("cpu-index", (long) i);
                    cpu.put("qom-path", "/machine/soc/harts[" + i + "]");
                    cpu.put("thread-id", vm.cpuThreadId(i)); // the vCPU's host thread, as QEMU gives it
                    cpu.put("props", Map.of("core-id", (long) i));
                    cpu.put("target", "riscv64");
                    cpus.add(cpu);
                }
                return cpus;
            }
            case "query-kvm":
                new QmpArguments(arguments, Set.of());
                return Map.of("enabled", false, "present", false); // the guest is emulated: no hardware virtualisation
            case "human-monitor-command": {
                QmpArguments args = new QmpArguments(arguments, Set.of("command-line", "cpu-index"));
                return hmp.execute(args.requiredString("command-line"));
            }
            case "stop":
                new QmpArguments(arguments, Set.of());
                call(vm::pause);
                return Map.of();
            case "cont":
                new QmpArguments(arguments, Set.of());
                call(vm::resume);
                return Map.of();
            case "system_powerdown":
                new QmpArguments(arguments, Set.of());
                call(vm::powerdown);
                return Map.of();
            case QUIT:
                new QmpArguments(arguments, Set.of());
                return Map.of();
            case "balloon": {
                long bytes = new QmpArguments(arguments, Set.of("value")).requiredLong("value");
                call(() -> vm.setBalloonTarget(bytes));
                return Map.of();
            }
            case "query-balloon": {
                new QmpArguments(arguments, Set.of());
                long[] actual = new long[1];
                call(() -> actual[0] = vm.balloonActual());
                return Map.of("actual", actual[0]);
            }
            case "vmckpt-checkpoint":
                // "name" and "stop" are the older spellings of "label" and "leave-paused", still accepted (docs/API.md).
                return checkpoint(new QmpArguments(arguments, Set.of("label", "name", "live", "incremental", "leave-paused", "stop", "options")));
            case "vmckpt-reset":
                return reset(new QmpArguments(arguments, Set.of("checkpoint")));
            case "vmckpt-query-checkpoint":
                new QmpArguments(arguments, Set.of());
                return vm.queryCheckpointStatus();
            case "migrate": {
                QmpArguments args = new QmpArguments(arguments, Set.of("uri", "detach", "resume", "mode", "postcopy-at-once", "tls-creds", "insecure"));
                String uri = args.requiredString("uri");
                Map<String, Object> options = new LinkedHashMap<>();
                if (args.optionalBoolean("resume", false)) options.put("resume", true);
                String mode = args.optionalString("mode");
                if (mode != null) options.put("mode", mode);
                if (args.optionalBoolean("postcopy-at-once", false)) options.put("postcopy-at-once", true);
                String creds = args.optionalString("tls-creds");
                if (creds != null) options.put("tls-creds", creds);
                options.put("insecure", args.optionalBoolean("insecure", false));
                call(() -> vm.migrate(uri, options));
                return Map.of();
            }
            case "query-migrate":
                new QmpArguments(arguments, Set.of());
                return vm.queryMigrate();
            case "migrate_cancel":
                new QmpArguments(arguments, Set.of());
                call(vm::migrateCancel);
                return Map.of();
            case "migrate-recover": {
                String uri = new QmpArguments(arguments, Set.of("uri")).requiredString("uri");
                call(() -> vm.migrateRecover(uri));
                return Map.of();
            }
            case "vmckpt-query-net": {
                new QmpArguments(arguments, Set.of());
                List<Map<String, Object>> out = new java.util.ArrayList<>();
                call(() -> out.add(vm.queryNet()));
                return out.get(0);
            }
            default:
                throw new QmpException(QmpException.COMMAND_NOT_FOUND, "The command " + name + " has not been found");
        }
    }

    void quitAfterReply() throws QmpException {
        call(vm::quit);
    }

    private Object checkpoint(QmpArguments args) throws QmpException {
        CheckpointArguments.check(args, args.optionalObject("options"));
        CheckpointRequest request = new CheckpointRequest(
                args.optionalString("label", "name"),
                args.optionalBoolean("live", true),
                args.optionalBoolean("incremental", false),
                args.optionalBoolean("leave-paused", "stop", false),
                args.optionalObject("options"));
        ProgressEventThrottle progress = new ProgressEventThrottle(events, PROGRESS_INTERVAL_NANOS);
        CheckpointResult result;
        try {
            result = vm.checkpoint(request, progress);
        } catch (CheckpointBusyException busy) {
            throw QmpException.generic(busy.getMessage()); // the running checkpoint is fine: no FAILED event
        } catch (Exception e) {
            Map<String, Object> failed = new LinkedHashMap<>();
            if (request.label() != null) {
                failed.put("label", request.label());
                failed.put("name", request.label()); // the older name of the member, kept for clients that read it
            }
            failed.put("error", describe(e));
            events.emit(VmEventSink.CHECKPOINT_FAILED, failed);
            throw asQmp(e);
        } finally {
            progress.close();
        }
        Map<String, Object> completed = new LinkedHashMap<>();
        completed.put("id", result.id());
        if (request.label() != null) {
            completed.put("label", request.label());
            completed.put("name", request.label()); // the older name of the member, kept for clients that read it
        }
        completed.put("size", result.sizeBytes());
        completed.put("downtime-ns", result.downtimeNanos());
        completed.put("total-ns", result.totalNanos());
        events.emit(VmEventSink.CHECKPOINT_COMPLETED, completed);

        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("id", result.id());
        reply.put("size", result.sizeBytes());
        reply.put("total-ns", result.totalNanos());
        reply.put("downtime-ns", result.downtimeNanos());
        reply.put("pages", new LinkedHashMap<String, Object>(result.pageCounts()));
        if (result.notice() != null) reply.put("notice", result.notice());
        return reply;
    }

    private Object reset(QmpArguments args) throws QmpException {
        String checkpoint = args.requiredString("checkpoint");
        ResetResult result;
        try {
            result = vm.reset(checkpoint);
        } catch (Exception e) {
            throw asQmp(e);
        }
        Map<String, Object> reply = new LinkedHashMap<>();
        reply.put("checkpoint", result.checkpointId());
        reply.put("pages-restored", result.pagesRestored());
        reply.put("total-ns", result.totalNanos());
        return reply;
    }

    /** A controller call that returns nothing. */
    private interface Action {
        void run() throws Exception;
    }

    private static void call(Action action) throws QmpException {
        try {
            action.run();
        } catch (Exception e) {
            throw asQmp(e);
        }
    }

    static QmpException asQmp(Exception e) {
        if (e instanceof QmpException q) {
            return q;
        }
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        if (e instanceof RuntimeException) {
            LOG.log(System.Logger.Level.WARNING, "VM controller threw an unchecked exception", e);
        }
        return QmpException.generic(describe(e));
    }

    private static String describe(Exception e) {
        String message = e.getMessage();
        if (e instanceof java.io.UncheckedIOException && message != null) return message; // I/O trouble, not a bug
        if (e instanceof RuntimeException || message == null || message.isBlank()) {
            // A RuntimeException is a bug in the controller: name it so the report is useful.
            return e.getClass().getSimpleName() + (message == null ? "" : ": " + message);
        }
        return message;
    }
}
