package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.Json;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code vmckpt diff A B}: which pages, state records and disk blocks differ between two checkpoints. */
public final class DiffCommand {
    static final String USAGE = "vmckpt diff CKPT-A CKPT-B [--repo DIR] [--json]";
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.flag("all", "list every run of differing pages and blocks (default: the first 10)"),
            Option.flag("json", "print one JSON object: {\"a\", \"b\", \"pages\", \"records\", \"disk-blocks\"},\n"
                    + "pages as [start, length], disk blocks as {\"disk\", \"start\", \"length\"}"));
    static final String HELP = """
            Usage: vmckpt diff CKPT-A CKPT-B [--repo DIR] [--json]

            Compares two checkpoints of one machine by contents: the guest pages (as a restore would load them:
            zero and free pages are equal, a disk-block page is its block), the state records (harts, devices,
            clock) and the disk overlay blocks. Prints how many of each differ and where, as runs of page
            numbers (4 KiB pages from the start of RAM) and of disk blocks (4 KiB). Reads every stored page of
            both, so it takes a few seconds for a large VM.

            CKPT is a checkpoint id, a unique id prefix of 4 or more hex digits, or a label.

            Options:
            """.concat(OPTIONS.help()).concat("""

            Exit status: 0 if they have the same contents, 1 if anything differs (as diff(1)), 2 for bad usage.
            """);
    static final int SHOWN_RUNS = 10;

    private DiffCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("diff", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (a.positional().size() != 2) throw new UsageException("diff compares two checkpoints; usage: " + USAGE);
            Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
            CheckpointDiff d;
            String idA, idB;
            try (Checkpoint ca = repo.open(a.positional().get(0)); Checkpoint cb = repo.open(a.positional().get(1))) {
                idA = ca.id();
                idB = cb.id();
                d = CheckpointDiff.of(ca, cb);
            }
            if (a.has("json")) io.out().println(Json.write(json(idA, idB, d)));
            else print(io.out(), idA, idB, d, a.has("all") ? Integer.MAX_VALUE : SHOWN_RUNS);
            boolean same = d.pages.count() == 0 && d.records.count() == 0 && d.diskBlocks.count() == 0;
            return same ? 0 : 1;
        });
    }

    private static void print(PrintStream out, String a, String b, CheckpointDiff d, int shown) {
        out.println("diff " + Units.shortId(a) + " " + Units.shortId(b));
        out.println("pages        " + d.pages.count() + " of " + d.pageCount + " differ (" + Units.percent(d.pages.count(), d.pageCount)
                + ", " + Units.bytes(d.pages.count() * 4096) + ")");
        printRuns(out, d.pages, shown, false);
        CheckpointDiff.Records r = d.records;
        out.println("records      " + r.count() + " of " + r.total() + " differ");
        if (!r.changed().isEmpty()) out.println("  changed    " + String.join(", ", r.changed()));
        if (!r.onlyA().isEmpty()) out.println("  only in " + Units.shortId(a) + ": " + String.join(", ", r.onlyA()));
        if (!r.onlyB().isEmpty()) out.println("  only in " + Units.shortId(b) + ": " + String.join(", ", r.onlyB()));
        out.println("disk blocks  " + d.diskBlocks.count() + " differ (" + Units.bytes(d.diskBlocks.count() * 4096) + ")");
        printRuns(out, d.diskBlocks, shown, true);
    }

    private static void printRuns(PrintStream out, CheckpointDiff.Runs runs, int shown, boolean disk) {
        int n = 0;
        for (long[] run : runs.runs()) {
            if (n++ == shown) {
                out.println("  ... " + (runs.runs().size() - shown) + " more runs (--all or --json lists them)");
                break;
            }
            out.println("  " + (disk ? "disk " + CheckpointDiff.diskOf(run[0]) + " block " + CheckpointDiff.blockOf(run[0]) : "page " + run[0])
                    + (run[1] > 1 ? ".." + (disk ? CheckpointDiff.blockOf(run[0] + run[1] - 1) : run[0] + run[1] - 1) : "")
                    + "  (" + run[1] + ")");
        }
    }

    private static Map<String, Object> json(String a, String b, CheckpointDiff d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("a", a);
        m.put("b", b);
        Map<String, Object> pages = new LinkedHashMap<>();
        pages.put("total", d.pageCount);
        pages.put("differ", d.pages.count());
        pages.put("runs", runs(d.pages, false));
        m.put("pages", pages);
        Map<String, Object> records = new LinkedHashMap<>();
        records.put("total", (long) d.records.total());
        records.put("differ", (long) d.records.count());
        records.put("changed", new ArrayList<Object>(d.records.changed()));
        records.put("only-a", new ArrayList<Object>(d.records.onlyA()));
        records.put("only-b", new ArrayList<Object>(d.records.onlyB()));
        m.put("records", records);
        Map<String, Object> disk = new LinkedHashMap<>();
        disk.put("differ", d.diskBlocks.count());
        disk.put("runs", runs(d.diskBlocks, true));
        m.put("disk-blocks", disk);
        return m;
    }

    /** Runs as [start, length] (pages) or {"disk", "start", "length"} (disk blocks). */
    private static List<Object> runs(CheckpointDiff.Runs runs, boolean disk) {
        List<Object> out = new ArrayList<>();
        for (long[] r : runs.runs()) {
            if (disk) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("disk", (long) CheckpointDiff.diskOf(r[0]));
                m.put("start", CheckpointDiff.blockOf(r[0]));
                m.put("length", r[1]);
                out.add(m);
            } else {
                out.add(List.of(r[0], r[1]));
            }
        }
        return out;
    }
}
