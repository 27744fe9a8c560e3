package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.GcReport;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vmckpt gc}: deletes page data no checkpoint uses any more and leftovers of interrupted writes. */
public final class GcCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.flag("json", "print {\"packs-deleted\", \"bytes-freed\", \"packs-kept\", \"tmp-entries-deleted\"}"));
    static final String HELP = """
            Usage: vmckpt gc [--repo DIR] [--json]

            Frees the space of deleted checkpoints: deletes the pack files no remaining checkpoint uses, and
            files left in tmp/ by checkpoints that were interrupted (a killed VM, a full disk). Safe while VMs
            are running: their commits wait for it. Refuses while a checkpoint's manifest is unreadable (it
            cannot know which packs that checkpoint uses): 'vmckpt ls' shows those; 'vmckpt rm ID' deletes one.

            Options:
            """.concat(OPTIONS.help());

    private GcCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("gc", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (!a.positional().isEmpty()) throw new UsageException("unexpected argument '" + a.positional().get(0) + "'");
            Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
            Map<String, String> unreadable = repo.listUnreadable();
            if (!unreadable.isEmpty()) {
                throw new CommandFailedException("refusing to collect garbage: " + unreadable.size() + " checkpoint manifest"
                        + (unreadable.size() == 1 ? " is" : "s are") + " unreadable, so the packs they use are unknown: "
                        + String.join(", ", unreadable.keySet()) + " (repair or 'vmckpt rm' them; 'vmckpt ls' says what is wrong)");
            }
            GcReport r = repo.gc();
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("packs-deleted", (long) r.packsDeleted());
                out.put("bytes-freed", r.bytesFreed());
                out.put("packs-kept", (long) r.packsKept());
                out.put("tmp-entries-deleted", (long) r.tmpEntriesDeleted());
                io.out().println(Json.write(out));
            } else {
                io.out().println("gc: freed " + Units.bytes(r.bytesFreed()) + " (" + r.packsDeleted() + " unused pack"
                        + (r.packsDeleted() == 1 ? "" : "s") + " deleted, " + r.packsKept() + " kept; "
                        + r.tmpEntriesDeleted() + " leftover" + (r.tmpEntriesDeleted() == 1 ? "" : "s")
                        + " of interrupted checkpoints removed)");
            }
            return 0;
        });
    }
}
