package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.cli.qmp.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code vmckpt ls}: the checkpoints in a repository, oldest first, and any that cannot be read. */
public final class LsCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.flag("json", "print one JSON object: {\"repository\", \"checkpoints\": [...], \"unreadable\": [...]}"));
    static final String HELP = """
            Usage: vmckpt ls [--repo DIR] [--json]

            Lists the checkpoints in the repository, oldest first:
              ID           the first 12 hex digits of the id (any unique prefix of 4 or more digits works)
              LABEL        the name given with vmckpt checkpoint --label, or -
              CREATED      when the checkpoint was taken (local time)
              KIND         full, or incr (stores only pages written since PARENT)
              MODE         live (copied while the guest ran) or stop (stop-and-copy)
              PARENT       the checkpoint an incremental one builds on (it restores without it)
              PAGES SAVED  guest pages whose contents this checkpoint stored
              SIZE         its pack file and manifest on disk
              DOWNTIME     how long the guest was paused
            Checkpoints whose manifest cannot be read are listed after them, with what is wrong.

            Options:
            """.concat(OPTIONS.help());
    private static final int MAX_LABEL_WIDTH = 24;

    private LsCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("ls", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (!a.positional().isEmpty()) throw new UsageException("unexpected argument '" + a.positional().get(0) + "'");
            Path dir = RepoLocation.resolve(a);
            Repository repo = RepoLocation.openExisting(dir);
            List<CheckpointInfo> list = repo.list();
            Map<String, String> unreadable = repo.listUnreadable();
            Map<String, String> stray = repo.listStray();
            if (a.has("json")) printJson(io, repo, list, unreadable, stray);
            else printTable(io, repo, list, unreadable, stray);
            return 0;
        });
    }

    private static void printTable(CommandOutput io, Repository repo, List<CheckpointInfo> list, Map<String, String> unreadable,
                                   Map<String, String> stray) {
        if (list.isEmpty()) {
            io.out().println("no checkpoints in " + repo.dir());
        } else {
            Table t = new Table(
                    List.of("ID", "LABEL", "CREATED", "KIND", "MODE", "PARENT", "PAGES SAVED", "SIZE", "DOWNTIME"),
                    List.of("PAGES SAVED", "SIZE", "DOWNTIME"));
            for (CheckpointInfo i : list) {
                long saved = i.stat(Stats.PAGES_DATA_NEW, -1);
                long pause = i.stat(Stats.PAUSE_NS, -1);
                t.add(List.of(Units.shortId(i.id()), label(i.label()), Units.localTime(i.created()), kind(i), mode(i),
                        Units.shortId(i.parentId()), saved < 0 ? "-" : Long.toString(saved),
                        Units.bytes(CheckpointFiles.sizeOnDisk(repo, i)), pause < 0 ? "-" : Units.millis(pause)));
            }
            t.print(io.out());
        }
        if (!unreadable.isEmpty()) {
            io.out().println();
            io.out().println(unreadable.size() + " unreadable checkpoint" + (unreadable.size() == 1 ? "" : "s")
                    + " (vmckpt rm ID deletes one):");
            for (Map.Entry<String, String> e : unreadable.entrySet()) {
                io.out().println("  " + e.getKey() + "  " + e.getValue());
            }
        }
        if (!stray.isEmpty()) {
            io.out().println();
            io.out().println(stray.size() + " entr" + (stray.size() == 1 ? "y" : "ies") + " in checkpoints/ that " + (stray.size() == 1 ? "is" : "are")
                    + " not a checkpoint (ignored):");
            for (String why : stray.values()) io.out().println("  " + why);
        }
    }

    /**
     * A checkpoint's first keys in {@code --json} output, in order: id, label, created, kind, mode, parent (ls's and
     * inspect's, one copy since round 80: a key added here reaches both).
     */
    static Map<String, Object> jsonHead(CheckpointInfo i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", i.id());
        m.put("label", i.label());
        m.put("created", i.created().toString());
        m.put("kind", i.kind().name().toLowerCase(Locale.ROOT));
        m.put("mode", i.mode().name().toLowerCase(Locale.ROOT));
        m.put("parent", i.parentId());
        return m;
    }

    private static void printJson(CommandOutput io, Repository repo, List<CheckpointInfo> list, Map<String, String> unreadable,
                                  Map<String, String> stray) {
        List<Object> checkpoints = new ArrayList<>();
        for (CheckpointInfo i : list) {
            Map<String, Object> m = jsonHead(i);
            m.put("page-count", (long) i.pageCount());
            m.put("pages-saved", i.stats().get(Stats.PAGES_DATA_NEW));
            m.put("size-bytes", CheckpointFiles.sizeOnDisk(repo, i));
            m.put("downtime-ns", i.stats().get(Stats.PAUSE_NS));
            checkpoints.add(m);
        }
        List<Object> bad = new ArrayList<>();
        for (Map.Entry<String, String> e : unreadable.entrySet()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", e.getKey());
            m.put("problem", e.getValue());
            bad.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("repository", repo.dir().toString());
        out.put("checkpoints", checkpoints);
        out.put("unreadable", bad);
        out.put("not-checkpoints", new ArrayList<Object>(stray.values()));
        io.out().println(Json.write(out));
    }

    static String kind(CheckpointInfo i) {
        return switch (i.kind()) {
            case FULL -> "full";
            case INCREMENTAL -> "incr";
        };
    }

    static String mode(CheckpointInfo i) {
        return i.mode().name().toLowerCase(Locale.ROOT);
    }

    private static String label(String label) {
        if (label == null) return "-";
        return label.length() <= MAX_LABEL_WIDTH ? label : label.substring(0, MAX_LABEL_WIDTH - 3) + "...";
    }
}
