package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.CheckpointFormatException;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.VerifyReport;
import org.vmckpt.cli.qmp.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code vmckpt verify}: reads every frame of the checkpoints' packs and checks every checksum. */
public final class VerifyCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("all", "every checkpoint in the repository, including ones whose manifest is unreadable"),
            SessionOptions.REPO,
            Option.flag("json", "print one JSON object instead: {\"checkpoints\": [...], \"ok\", \"damaged\", ...}"));
    static final String HELP = """
            Usage: vmckpt verify CKPT... [--repo DIR] [--json]
                   vmckpt verify --all [--repo DIR] [--json]

            Checks checkpoints: reads their manifests and every frame of every pack they use, checks each
            checksum and that each frame decodes to its declared size. Prints one line per checkpoint (and the
            problems of a damaged one, each naming its file), then a summary. On a terminal, a progress line
            on stderr shows frames done, page data checked and the rate.

            CKPT is a checkpoint id, a unique id prefix of 4 or more hex digits, or a label.

            Options:
            """.concat(OPTIONS.help()).concat("""

            Exit status: 0 if everything checked is sound, 1 if anything is damaged.
            """);
    /** A pack frame holds up to 64 pages of 4 KiB (see Checkpoint): the progress line counts page data by it. */
    private static final long FRAME_PAGE_BYTES = 64 * 4096;

    /** The outcome for one checkpoint: the store's report, or the reason it could not even be opened. */
    private record Outcome(String id, String label, VerifyReport report, String unreadable) {
        boolean ok() {
            return unreadable == null && report.ok();
        }

        List<String> problems() {
            return unreadable != null ? List.of(unreadable) : report.problems();
        }
    }

    private VerifyCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("verify", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            boolean all = a.has("all");
            if (all && !a.positional().isEmpty()) throw new UsageException("give checkpoints or --all, not both");
            if (!all && a.positional().isEmpty()) throw new UsageException("which checkpoints? give ids, prefixes or labels, or --all");
            Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
            if (repo.encrypted() && !repo.hasKey()) {
                // Without the key only the ciphertext can be checked: every file's CRCs, whichever checkpoints were named.
                VerifyReport r = repo.verifyCiphertext(org.vmckpt.checkpoint.store.ProgressListener.NONE);
                io.out().println((r.problems().isEmpty() ? "ok       " : "DAMAGED  ") + "encrypted repository, no key (" + org.vmckpt.checkpoint.store.RepositoryKey.ENV_FILE
                        + " not set): ciphertext of " + r.packs() + " packs, " + r.frames() + " frames, " + Units.bytes(r.storedBytes())
                        + " and every manifest checked; give the key to check contents");
                for (String p : r.problems()) io.out().println("         " + p);
                return r.problems().isEmpty() ? 0 : 1;
            }
            List<String> ids = targets(repo, a.positional(), all);
            if (ids.isEmpty()) {
                if (a.has("json")) io.out().println(Json.write(json(List.of(), 0)));
                else io.out().println("no checkpoints to verify in " + repo.dir());
                return 0;
            }
            long start = System.nanoTime();
            List<Outcome> outcomes = verifyAll(repo, ids, io, a.has("json"));
            long elapsed = System.nanoTime() - start;
            if (a.has("json")) io.out().println(Json.write(json(outcomes, elapsed)));
            else printSummary(io.out(), outcomes, elapsed);
            return outcomes.stream().allMatch(Outcome::ok) ? 0 : 1;
        });
    }

    /** Checkpoint ids to verify, oldest first for --all (unreadable ones last), else in the order given. */
    private static List<String> targets(Repository repo, List<String> refs, boolean all) throws IOException {
        Set<String> ids = new LinkedHashSet<>();
        if (all) {
            for (CheckpointInfo i : repo.list()) ids.add(i.id());
            ids.addAll(repo.listUnreadable().keySet());
        } else {
            for (String ref : refs) ids.add(repo.resolve(ref)); // an unknown ref fails before anything is read
        }
        return new ArrayList<>(ids);
    }

    private static List<Outcome> verifyAll(Repository repo, List<String> ids, CommandOutput io, boolean json) {
        ProgressLine line = new ProgressLine(io);
        long start = System.nanoTime();
        long[] framesBefore = {0};
        List<Outcome> outcomes = new ArrayList<>();
        for (int n = 0; n < ids.size(); n++) {
            String id = ids.get(n);
            String prefix = "verify " + Units.shortId(id) + (ids.size() > 1 ? " (" + (n + 1) + "/" + ids.size() + ")" : "");
            Outcome o;
            try (Checkpoint c = repo.open(id)) {
                VerifyReport r = c.verify((phase, done, total) -> {
                    long bytes = (framesBefore[0] + done) * FRAME_PAGE_BYTES;
                    line.update(prefix + ": " + done + "/" + total + " frames (" + Units.percent(done, total) + "), ~"
                            + Units.bytes(bytes) + " of pages, " + Units.rate(bytes, System.nanoTime() - start));
                });
                framesBefore[0] += r.frames();
                List<String> outside = org.vmckpt.checkpoint.DiskReferences.problems(c, org.vmckpt.checkpoint.DiskReferences.imageBlocks(c));
                if (!outside.isEmpty()) {
                    List<String> all = new ArrayList<>(r.problems());
                    all.addAll(outside);
                    r = new VerifyReport(r.checkpointId(), r.packs(), r.frames(), r.storedBytes(), all);
                }
                o = new Outcome(id, c.info().label(), r, null);
            } catch (CheckpointFormatException e) {
                o = new Outcome(id, null, null, e.getMessage());
            } catch (IOException e) {
                o = new Outcome(id, null, null, "cannot read: " + CommandErrors.describe(e));
            }
            line.clear();
            outcomes.add(o);
            if (!json) printOutcome(io.out(), o);
        }
        return outcomes;
    }

    private static void printOutcome(PrintStream out, Outcome o) {
        String name = o.id() + (o.label() != null ? "  \"" + o.label() + "\"" : "");
        if (o.ok()) {
            VerifyReport r = o.report();
            out.println("ok       " + name + "  " + r.packs() + " pack" + (r.packs() == 1 ? "" : "s") + ", " + r.frames()
                    + " frames, " + Units.bytes(r.storedBytes()));
        } else {
            out.println("DAMAGED  " + name);
            for (String p : o.problems()) out.println("         " + p);
        }
    }

    private static void printSummary(PrintStream out, List<Outcome> outcomes, long elapsed) {
        long frames = 0;
        long bytes = 0;
        List<String> damaged = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o.report() != null) {
                frames += o.report().frames();
                bytes += o.report().storedBytes();
            }
            if (!o.ok()) damaged.add(Units.shortId(o.id()));
        }
        int n = outcomes.size();
        out.println(String.format(Locale.ROOT, "verified %d checkpoint%s in %s: %d ok, %d damaged%s; %d frames, %s read (%s)",
                n, n == 1 ? "" : "s", Units.seconds(elapsed), n - damaged.size(), damaged.size(),
                damaged.isEmpty() ? "" : " (" + String.join(", ", damaged) + ")", frames, Units.bytes(bytes),
                Units.rate(bytes, elapsed)));
    }

    private static Map<String, Object> json(List<Outcome> outcomes, long elapsed) {
        List<Object> list = new ArrayList<>();
        long ok = 0;
        long frames = 0;
        long bytes = 0;
        for (Outcome o : outcomes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", o.id());
            m.put("label", o.label());
            m.put("ok", o.ok());
            if (o.report() != null) {
                m.put("packs", (long) o.report().packs());
                m.put("frames", o.report().frames());
                m.put("stored-bytes", o.report().storedBytes());
                frames += o.report().frames();
                bytes += o.report().storedBytes();
            }
            m.put("problems", new ArrayList<Object>(o.problems()));
            if (o.ok()) ok++;
            list.add(m);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("checkpoints", list);
        out.put("ok", ok);
        out.put("damaged", (long) outcomes.size() - ok);
        out.put("frames", frames);
        out.put("stored-bytes", bytes);
        out.put("elapsed-ns", elapsed);
        return out;
    }
}
