package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CompactReport;
import org.vmckpt.checkpoint.store.GcReport;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code vmckpt gc}: deletes page data no checkpoint uses any more and leftovers of interrupted writes. */
public final class GcCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.flag("compact", "also compact packs the checkpoints use only in part (see above)"),
            Option.value("compact-below", "PCT", "with --compact: packs less than PCT percent used (default 50)"),
            Option.flag("json", "print {\"packs-deleted\", \"bytes-freed\", \"packs-kept\", \"tmp-entries-deleted\"}"
                    + " and with --compact \"packs-compacted\", \"units-copied\", \"compact-bytes-written\", \"compact-bytes-freed\""));
    static final String HELP = """
            Usage: vmckpt gc [--repo DIR] [--compact [--compact-below PCT]] [--json]

            Frees the space of deleted checkpoints: deletes the pack files no remaining checkpoint uses, and
            files left in tmp/ by checkpoints that were interrupted (a killed VM, a full disk). Safe while VMs
            are running: their commits wait for it. Refuses while a checkpoint's manifest is unreadable (it
            cannot know which packs that checkpoint uses): 'vmckpt ls' shows those; 'vmckpt rm ID' deletes one.

            A pack stays as long as any checkpoint uses any page in it. With --compact, the pages still used of
            packs less than PCT percent used (50 by default) are copied into new packs, the checkpoints that use
            them are pointed at the new packs, and the old packs are deleted: no checkpoint changes its contents,
            only where they are stored. Crash-safe (a crash at any step leaves every checkpoint restorable; gc
            removes what it left), in steps of at most 4,096 pages copied and 256 frames read (the repository
            is locked for each step, so running VMs' commits wait for one step at a time). An encrypted
            repository needs its key.
            'vmckpt run --checkpoint-every T --keep-checkpoints N' compacts by itself with
            -Dvmckpt.retention.compact=true (in VMCKPT_JAVA_OPTS).

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
            if (a.has("compact-below") && !a.has("compact")) throw new UsageException("--compact-below needs --compact");
            double below = Repository.COMPACT_BELOW;
            if (a.has("compact-below")) {
                try {
                    below = Double.parseDouble(a.get("compact-below")) / 100;
                } catch (NumberFormatException e) {
                    below = Double.NaN;
                }
                if (!(below > 0 && below <= 1)) throw new UsageException("--compact-below: '" + a.get("compact-below") + "' is not a percentage in (0, 100]");
            }
            GcReport r = repo.gc();
            int compacted = 0, rewritten = 0;
            long copied = 0, written = 0, compactFreed = 0;
            if (a.has("compact")) {
                org.vmckpt.checkpoint.RepositorySettings rs = org.vmckpt.checkpoint.RepositorySettings.load(repo);
                // Each step copies at least one page into a pack that is then wholly used, so the steps end; the
                // count is a guard only.
                for (int step = 0; step < 100_000; step++) {
                    CompactReport c = repo.compact(below, Repository.COMPACT_SMALL_UNITS, Repository.COMPACT_MAX_UNITS, Repository.COMPACT_MAX_FRAMES, rs.codec(), rs.level());
                    compacted += c.packsCompacted();
                    copied += c.unitsCopied();
                    written += c.bytesWritten();
                    compactFreed += c.bytesFreed();
                    rewritten += c.manifestsRewritten();
                    if (c.packsCompacted() == 0) break;
                }
            }
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("packs-deleted", (long) r.packsDeleted());
                out.put("bytes-freed", r.bytesFreed());
                out.put("packs-kept", (long) r.packsKept());
                out.put("tmp-entries-deleted", (long) r.tmpEntriesDeleted());
                if (a.has("compact")) {
                    out.put("packs-compacted", (long) compacted);
                    out.put("units-copied", copied);
                    out.put("compact-bytes-written", written);
                    out.put("compact-bytes-freed", compactFreed);
                    out.put("manifests-rewritten", (long) rewritten);
                }
                io.out().println(Json.write(out));
            } else {
                io.out().println("gc: freed " + Units.bytes(r.bytesFreed()) + " (" + r.packsDeleted() + " unused pack"
                        + (r.packsDeleted() == 1 ? "" : "s") + " deleted, " + r.packsKept() + " kept; "
                        + r.tmpEntriesDeleted() + " leftover" + (r.tmpEntriesDeleted() == 1 ? "" : "s")
                        + " of interrupted checkpoints removed)");
                if (a.has("compact")) {
                    io.out().println("gc: compacted " + compacted + " pack" + (compacted == 1 ? "" : "s") + ": " + copied
                            + " pages copied into " + Units.bytes(written) + ", " + Units.bytes(compactFreed) + " freed, "
                            + rewritten + " manifest" + (rewritten == 1 ? "" : "s") + " rewritten");
                }
            }
            return 0;
        });
    }
}
