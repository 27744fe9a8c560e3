package org.vmckpt.cli;

import org.vmckpt.cli.qmp.Json;
import org.vmckpt.cli.qmp.QmpClient;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vmckpt migrate VM tcp:HOST:PORT}: moves a running VM to a {@code vmckpt run --incoming} process (QMP
 * {@code migrate}, then {@code query-migrate} until it ends), shows progress, and ends the source once the
 * destination runs the guest.
 */
public final class MigrateCommand {
    static final String USAGE = "vmckpt migrate VM tcp:HOST:PORT [--precopy|--postcopy [--at-once]|--resume|--recover] [--tls-creds DIR|--insecure] [--keep-source] [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("precopy", "copy memory in rounds while the guest runs, then pause it for a last short\n"
                    + "copy; the destination runs only with everything in hand, so a broken\n"
                    + "connection never leaves the guest waiting (choose it over an unreliable link)"),
            Option.flag("postcopy", "(default) copy memory in rounds as --precopy does, then switch over without\n"
                    + "the last dirty pages: the destination runs the guest and pulls each of those it\n"
                    + "touches from here while the rest streams in; the shorter stall, but if the\n"
                    + "connection breaks after the switch the guest waits at the first page it lacks"),
            Option.flag("at-once", "with --postcopy: switch over at once, without copy rounds (each page is sent\n"
                    + "once, but the guest waits at every page it touches before it has streamed in)"),
            Option.flag("resume", "at the source of a post-copy migration whose connection broke after the\n"
                    + "switch (postcopy-paused): reconnect to the destination, which must be waiting\n"
                    + "after --recover at tcp:HOST:PORT, and send the pages it still lacks (QMP migrate\n"
                    + "with resume)"),
            Option.flag("recover", "at the destination of such a migration (VM is the destination): listen on\n"
                    + "tcp:HOST:PORT for the source's --resume, with the destination's --tls-creds\n"
                    + "(QMP migrate-recover); returns at once"),
            Option.value("tls-creds", "DIR", "TLS 1.3, both ends authenticated: ca-cert.pem, client-cert.pem, client-key.pem\n"
                    + "(default: the --tls-creds the VM was started with)"),
            Option.flag("insecure", "plaintext (the destination must say --insecure too); prints a warning"),
            Option.flag("keep-source", "leave this VM's process (paused, state postmigrate) after a migration"),
            Option.flag("json", "print the final query-migrate reply instead of a summary"));
    static final String HELP = """
            Usage: vmckpt migrate VM tcp:HOST:PORT [OPTIONS]

            Moves a running VM, live, to another vmckpt process that waits for it with
              vmckpt run --incoming tcp:HOST:PORT [the same machine options] --tls-creds DIR
            The guest keeps running while its memory and disk overlay are copied, and continues on the
            destination where it stopped here. Until the destination confirms that it holds and has checked
            the whole state, this VM keeps everything: any failure, or Ctrl-C, and it runs on here. Once the
            destination runs the guest, this process ends once every page has arrived there (--keep-source
            leaves it paused instead). By default (post-copy) the guest switches over before its last dirty
            pages are sent, which gives the shorter stall; --precopy sends everything first.

            If a post-copy migration's connection breaks after the switch, both ends wait (postcopy-paused):
              vmckpt migrate DEST-VM tcp:0.0.0.0:4445 --recover     # at the destination: listen again
              vmckpt migrate SOURCE-VM tcp:DEST-HOST:4445 --resume  # at the source: send what is missing
            If the destination is gone for good (killed, its host lost), the source still holds the guest as
            it was at switch-over: 'vmckpt checkpoint SOURCE-VM', then 'vmckpt restore ID' continues it from
            there (what it did at the destination since is lost).

            VM is the name given to 'vmckpt run --name' or the path of its control socket (anything with a '/').

            Options:
            """.concat(OPTIONS.help());
    private static final long POLL_MILLIS = 100;

    private MigrateCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("migrate", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (a.positional().size() != 2) throw new UsageException("usage: " + USAGE);
            String vm = a.positional().get(0), uri = a.positional().get(1);
            if (a.has("precopy") && a.has("postcopy")) throw new UsageException("--precopy and --postcopy exclude each other");
            if (a.has("tls-creds") && a.has("insecure")) throw new UsageException("--tls-creds and --insecure exclude each other");
            int modes = (a.has("precopy") ? 1 : 0) + (a.has("postcopy") ? 1 : 0) + (a.has("resume") ? 1 : 0) + (a.has("recover") ? 1 : 0);
            if (modes > 1) throw new UsageException("--precopy, --postcopy, --resume and --recover exclude each other");
            if (a.has("at-once") && !a.has("postcopy")) throw new UsageException("--at-once goes with --postcopy");
            if (a.has("recover")) {
                if (a.has("tls-creds") || a.has("insecure")) {
                    throw new UsageException("--recover listens with the credentials the destination was started with; drop --tls-creds/--insecure");
                }
                try (QmpClient qmp = VmConnection.connect(vm)) {
                    qmp.execute("migrate-recover", Map.of("uri", uri));
                }
                io.out().println(vm + " waits on " + uri + " for the source: run 'vmckpt migrate SOURCE-VM tcp:HOST:PORT --resume' there");
                return 0;
            }
            Map<String, Object> args = new LinkedHashMap<>();
            args.put("uri", uri);
            if (a.has("precopy")) args.put("mode", "precopy");
            if (a.has("postcopy")) args.put("mode", "postcopy");
            if (a.has("at-once")) args.put("postcopy-at-once", true);
            if (a.has("resume")) args.put("resume", true);
            if (a.has("tls-creds")) {
                Path dir = Path.of(a.get("tls-creds")).toAbsolutePath();
                if (!Files.isDirectory(dir)) throw new UsageException("--tls-creds " + dir + " is not a directory");
                args.put("tls-creds", dir.toString());
            }
            if (a.has("insecure")) args.put("insecure", true);
            ProgressLine line = new ProgressLine(io);
            Map<String, Object> info;
            try (QmpClient qmp = VmConnection.connect(vm)) {
                qmp.execute("migrate", args);
                // Ctrl-C before switch-over cancels: the VM runs on here.
                Thread cancelOnInterrupt = new Thread(() -> {
                    try (QmpClient c = VmConnection.connect(vm)) {
                        c.execute("migrate_cancel", null);
                    } catch (Exception e) {
                        // the VM is gone or the migration is past switch-over
                    }
                });
                Runtime.getRuntime().addShutdownHook(cancelOnInterrupt);
                try {
                    while (true) {
                        info = qmp.execute("query-migrate", null);
                        String status = String.valueOf(info.get("status"));
                        if (status.equals("completed") || status.equals("failed") || status.equals("cancelled") || status.equals("postcopy-paused")) break;
                        line.update(progress(info));
                        Thread.sleep(POLL_MILLIS);
                    }
                } finally {
                    line.clear();
                    try {
                        Runtime.getRuntime().removeShutdownHook(cancelOnInterrupt);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook runs
                    }
                }
                if (info.get("status").equals("completed") && !a.has("keep-source")) qmp.execute("quit", null);
            }
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("vm", vm);
                out.putAll(info);
                io.out().println(Json.write(out));
            } else if (info.get("status").equals("completed")) {
                io.out().println(summary(vm, info) + (a.has("keep-source") ? "; the source is left paused" : "; the source has ended"));
            }
            if (!info.get("status").equals("completed")) {
                String why = info.get("error-desc") instanceof String s ? s : String.valueOf(info.get("status"));
                if (info.get("status").equals("postcopy-paused")) {
                    throw new CommandFailedException("migration of " + vm + " broke after switch-over: " + why
                            + "; the source stays paused with the VM as it was at switch-over. To go on: 'vmckpt migrate DEST-VM tcp:HOST:PORT --recover' "
                            + "at the destination, then 'vmckpt migrate " + vm + " tcp:HOST:PORT --resume' here. If the destination is gone for good: "
                            + "'vmckpt checkpoint " + vm + "', then 'vmckpt restore ID' continues the guest from the switch-over (what it did at the "
                            + "destination since is lost)");
                }
                throw new CommandFailedException("migration of " + vm + " " + (info.get("status").equals("cancelled") ? "was cancelled" : "failed")
                        + ": " + why + "; the VM runs on here");
            }
            return 0;
        });
    }

    private static String progress(Map<String, Object> info) {
        Map<?, ?> ram = info.get("ram") instanceof Map<?, ?> m ? m : Map.of();
        long sent = number(ram, "transferred"), remaining = number(ram, "remaining");
        return String.format(Locale.ROOT, "migrate %s: %s sent, %s to go, round %d", info.get("status"), Units.bytes(sent),
                Units.bytes(remaining), number(ram, "dirty-sync-count"));
    }

    /** {@code migrated VM to URI (MODE): SIZE sent in T, downtime D, N rounds}. */
    static String summary(String vm, Map<String, Object> info) {
        Map<?, ?> ram = info.get("ram") instanceof Map<?, ?> m ? m : Map.of();
        return String.format(Locale.ROOT, "migrated %s to %s (%s): %s sent in %s, downtime %s, %d round%s", vm, info.get("uri"), info.get("mode"),
                Units.bytes(number(ram, "transferred")), Units.seconds(number(info, "total-time") * 1_000_000L),
                Units.millis(number(info, "downtime-ns")), number(ram, "dirty-sync-count"), number(ram, "dirty-sync-count") == 1 ? "" : "s");
    }

    private static long number(Map<?, ?> m, String key) {
        return m.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
