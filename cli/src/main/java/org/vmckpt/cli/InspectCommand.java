package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.CheckpointKind;
import org.vmckpt.checkpoint.store.CheckpointNotFoundException;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.cli.qmp.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code vmckpt inspect CKPT}: everything the manifest says about one checkpoint. */
public final class InspectCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.flag("json", "print one JSON object with all of it (stats under their raw keys)"));
    static final String HELP = """
            Usage: vmckpt inspect CKPT [--repo DIR] [--json]

            Shows one checkpoint: its machine configuration; sizes (raw page data, stored, compression ratio);
            its pages by kind (zero, free, disk-block, data; new data vs inherited from the parent) and by
            eviction policy; its parent; timings (downtime, total, write); the state records with their
            versions and sizes; and every other statistic it carries. Reads only the manifest.

            CKPT is a checkpoint id, a unique id prefix of 4 or more hex digits, or a label.

            Options:
            """.concat(OPTIONS.help());

    private InspectCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("inspect", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (a.positional().size() != 1) {
                throw new UsageException(a.positional().isEmpty() ? "which checkpoint? give its id, id prefix or label"
                        : "inspect takes one checkpoint, not " + a.positional().size());
            }
            Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
            try (Checkpoint c = repo.open(a.positional().get(0))) {
                boolean parentPresent = c.info().parentId() != null && exists(repo, c.info().parentId());
                if (a.has("json")) io.out().println(Json.write(json(repo, c, parentPresent)));
                else print(io.out(), repo, c, parentPresent);
            }
            return 0;
        });
    }

    private static boolean exists(Repository repo, String id) throws IOException {
        try {
            return repo.resolve(id).equals(id);
        } catch (CheckpointNotFoundException e) {
            return false;
        }
    }

    private static void print(PrintStream out, Repository repo, Checkpoint c, boolean parentPresent) {
        CheckpointInfo i = c.info();
        out.println("checkpoint " + i.id() + (i.label() != null ? "  \"" + i.label() + "\"" : ""));
        row(out, "created", Units.localTime(i.created()) + "  (" + i.created() + ")");
        row(out, "kind", i.kind() == CheckpointKind.FULL ? "full" : "incremental");
        if (i.parentId() != null) {
            row(out, "parent", i.parentId() + (parentPresent ? "" : "  (deleted; this checkpoint does not need it)"));
        }
        row(out, "mode", i.mode().name().toLowerCase(Locale.ROOT)
                + (i.mode() == CaptureMode.LIVE ? "  (memory copied while the guest ran)" : "  (stop-and-copy)"));
        row(out, "memory", i.pageCount() + " pages of 4 KiB  (" + Units.bytes(i.pageCount() * 4096L) + ")");
        long raw = i.stat(Stats.BYTES_RAW, 0);
        long pack = i.stat(Stats.BYTES_PACK, 0);
        long manifest = CheckpointFiles.manifestBytes(repo, i.id());
        row(out, "stored", Units.bytes(pack + manifest) + "  (pack " + Units.bytes(pack) + " + manifest "
                + Units.bytes(manifest) + ")");
        row(out, "compression", Units.ratio(raw, pack) + "  (" + Units.bytes(raw) + " of page and block data in "
                + Units.bytes(pack) + ")");

        out.println();
        out.println("machine");
        if (c.config().isEmpty()) out.println("  (no configuration saved)");
        for (Map.Entry<String, String> e : c.config().entrySet()) row(out, e.getKey(), e.getValue());

        for (Map.Entry<String, List<StatLabels.Label>> section : StatLabels.SECTIONS.entrySet()) {
            if (section.getKey().equals(StatLabels.DISK_SECTION) && i.stat(Stats.DISK_BLOCKS, 0) == 0) continue;
            printSection(out, section.getKey(), section.getValue(), i);
        }
        printSection(out, StatLabels.OTHER, StatLabels.unknown(i.stats().keySet()), i);

        out.println();
        out.println("state records (" + c.records().size() + ")");
        Table t = new Table(List.of("NAME", "VERSION", "SIZE"), List.of("VERSION", "SIZE"));
        for (StateRecord r : c.records().values()) {
            t.add(List.of(r.name(), "v" + r.version(), Units.bytes(r.payload().length)));
        }
        if (!t.isEmpty()) t.print(out, "  ");
    }

    private static void printSection(PrintStream out, String title, List<StatLabels.Label> labels, CheckpointInfo i) {
        List<String[]> lines = new ArrayList<>();
        for (StatLabels.Label l : labels) {
            Long v = i.stats().get(l.key());
            if (v == null) continue;
            String text = StatLabels.format(l.unit(), v);
            if (l.ofPages()) text += "  (" + Units.percent(v, i.pageCount()) + ")";
            lines.add(new String[]{l.name(), text});
        }
        if (lines.isEmpty()) return;
        out.println();
        out.println(title);
        for (String[] line : lines) row(out, line[0], line[1]);
    }

    private static void row(PrintStream out, String name, String value) {
        out.println("  " + name + " ".repeat(Math.max(1, 26 - name.length())) + value);
    }

    private static Map<String, Object> json(Repository repo, Checkpoint c, boolean parentPresent) {
        CheckpointInfo i = c.info();
        Map<String, Object> m = LsCommand.jsonHead(i);
        if (i.parentId() != null) m.put("parent-present", parentPresent);
        m.put("page-count", (long) i.pageCount());
        long pack = i.stat(Stats.BYTES_PACK, 0);
        long manifest = CheckpointFiles.manifestBytes(repo, i.id());
        m.put("pack-bytes", pack);
        m.put("manifest-bytes", manifest);
        m.put("size-bytes", pack + manifest);
        m.put("raw-bytes", i.stat(Stats.BYTES_RAW, 0));
        m.put("config", new LinkedHashMap<String, Object>(c.config()));
        m.put("stats", new LinkedHashMap<String, Object>(i.stats()));
        List<Object> records = new ArrayList<>();
        for (StateRecord r : c.records().values()) {
            Map<String, Object> rec = new LinkedHashMap<>();
            rec.put("name", r.name());
            rec.put("version", (long) r.version());
            rec.put("bytes", (long) r.payload().length);
            records.add(rec);
        }
        m.put("records", records);
        return m;
    }
}
