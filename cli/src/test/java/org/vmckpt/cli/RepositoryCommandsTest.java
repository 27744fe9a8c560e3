package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.cli.qmp.Json;

/**
 * The repository commands against a real repository filled through the store API: a full checkpoint with
 * pages of every kind, an incremental child, and an unrelated full checkpoint with its own pack.
 */
class RepositoryCommandsTest {
    private static final int PAGES = 200;

    @TempDir
    Path dir;
    Repository repo;
    String base;
    String child;
    String other;
    Path basePack;
    Path otherPack;

    @BeforeEach
    void fillRepository() throws IOException {
        repo = Repository.open(dir.resolve("repo"), true);
        base = write("base", CaptureMode.LIVE, null, 0);
        basePack = onlyNewPack(Set.of());
        child = write("after-boot", CaptureMode.LIVE, base, 1);
        Set<Path> before = packs();
        other = write(null, CaptureMode.STOP, null, 2);
        otherPack = onlyNewPack(before);
    }

    /** A checkpoint: a full one has pages of every kind; an incremental one changes 50 pages of its parent. */
    private String write(String label, CaptureMode mode, String parent, long seed) throws IOException {
        CheckpointMeta meta = new CheckpointMeta(label, mode, PAGES, Map.of("memory", String.valueOf(PAGES * 4096L), "harts", "1"));
        try (CheckpointWriter w = repo.begin(meta, Codec.ZSTD, 1, parent)) {
            w.putRecord("hart0", 3, new byte[300]);
            w.putRecord("uart", 1, new byte[]{1, 2, 3});
            for (int i = 0; i < PAGES; i++) {
                if (parent != null) {
                    if (i % 4 == 0) w.putPage(i, page(seed * 1000 + i));
                } else if (i % 10 == 0) {
                    w.putPageKind(i, PageKind.ZERO);
                } else if (i % 10 == 1) {
                    w.putPageKind(i, PageKind.FREE);
                } else if (i % 10 == 2) {
                    w.putPageKind(i, PageKind.DISK_BLOCK, i);
                } else {
                    w.putPage(i, page(seed * 1000 + i));
                }
            }
            w.setStat(Stats.PAUSE_NS, 1_500_000);
            w.setStat(Stats.TOTAL_NS, 40_000_000);
            w.setStat(Stats.EVICT_ZERO, 20);
            w.setStat(Stats.EVICT_FREE, 20);
            w.setStat(Stats.EVICT_DISK, 20);
            w.setStat("custom.thing", 7);
            return w.commit(ProgressListener.NONE);
        }
    }

    private static byte[] page(long seed) {
        byte[] p = new byte[4096];
        Random r = new Random(seed);
        for (int i = 0; i < p.length; i += 2) p[i] = (byte) r.nextInt(); // half random: compressible, not trivially
        return p;
    }

    private Set<Path> packs() throws IOException {
        try (Stream<Path> s = Files.list(repo.dir().resolve("packs"))) {
            return Set.copyOf(s.toList());
        }
    }

    private Path onlyNewPack(Set<Path> before) throws IOException {
        List<Path> added = new ArrayList<>(packs());
        added.removeAll(before);
        assertEquals(1, added.size(), added.toString());
        return added.get(0);
    }

    private Path manifest(String id) {
        return repo.dir().resolve("checkpoints").resolve(id + ".manifest");
    }

    private interface Command {
        int run(String[] argv, CommandOutput io);
    }

    /** Runs a command with --repo pointing at the test repository; returns its output. */
    private Result run(Command command, String... argv) {
        CapturedOutput c = new CapturedOutput();
        String[] full = Stream.concat(Arrays.stream(argv), Stream.of("--repo", repo.dir().toString())).toArray(String[]::new);
        int status = command.run(full, c.io());
        Result r = new Result(status, c.out(), c.err());
        assertFalse(r.err().contains("\tat "), "no stack traces: " + r.err());
        return r;
    }

    private record Result(int status, String out, String err) {
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(String text) throws Exception {
        return (Map<String, Object>) Json.parse(text.trim());
    }

    private static void flipByte(Path file, long offset) throws IOException {
        byte[] b = Files.readAllBytes(file);
        b[(int) offset] ^= 0x5a;
        Files.write(file, b);
    }

    private static void truncate(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(b, b.length / 2));
    }

    // ------------------------------------------------------------------------------------------- ls

    @Test
    void lsListsCheckpointsOldestFirstWithTheirColumns() {
        Result r = run(LsCommand::run, "ls");
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).startsWith("ID "), lines.get(0));
        for (String column : List.of("LABEL", "CREATED", "KIND", "MODE", "PARENT", "PAGES SAVED", "SIZE", "DOWNTIME")) {
            assertTrue(lines.get(0).contains(column), column);
        }
        assertEquals(4, lines.size(), r.out());
        assertTrue(lines.get(1).startsWith(base.substring(0, 12) + "  base"), lines.get(1));
        assertTrue(lines.get(1).contains(" full  live  -  "), lines.get(1));
        // 140 of 200 pages are data in the full checkpoint; the child stored 50 new ones.
        assertTrue(lines.get(1).contains(" 140 "), lines.get(1));
        assertTrue(lines.get(1).contains("1.50 ms"), lines.get(1));
        assertTrue(lines.get(2).startsWith(child.substring(0, 12) + "  after-boot"), lines.get(2));
        assertTrue(lines.get(2).contains(" incr  live  " + base.substring(0, 12) + " "), lines.get(2));
        assertTrue(lines.get(2).contains(" 50 "), lines.get(2));
        assertTrue(lines.get(3).startsWith(other.substring(0, 12) + "  -  "), lines.get(3));
        assertTrue(lines.get(3).contains(" stop "), lines.get(3));
        assertFalse(r.out().contains("unreadable"));
    }

    @Test
    void lsJsonParsesAndCarriesFullIdsAndSizes() throws Exception {
        Result r = run(LsCommand::run, "ls", "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> m = json(r.out());
        assertEquals(repo.dir().toString(), m.get("repository"));
        List<?> list = (List<?>) m.get("checkpoints");
        assertEquals(3, list.size());
        Map<?, ?> first = (Map<?, ?>) list.get(0);
        assertEquals(base, first.get("id"));
        assertEquals("base", first.get("label"));
        assertEquals("full", first.get("kind"));
        assertEquals("live", first.get("mode"));
        assertEquals(140L, first.get("pages-saved"));
        assertEquals(1_500_000L, first.get("downtime-ns"));
        long expectedSize = Files.size(basePack) + Files.size(manifest(base));
        assertEquals(expectedSize, first.get("size-bytes"));
        Map<?, ?> second = (Map<?, ?>) list.get(1);
        assertEquals(base, second.get("parent"));
        assertEquals("incremental", second.get("kind"));
        assertEquals(List.of(), m.get("unreadable"));
    }

    @Test
    void aTruncatedManifestIsListedAsUnreadableAndInspectSaysWhichFileIsDamaged() throws Exception {
        truncate(manifest(child));
        Result ls = run(LsCommand::run, "ls");
        assertEquals(0, ls.status(), ls.err());
        assertEquals(3, ls.out().lines().takeWhile(l -> !l.isEmpty()).count(), "header and two readable rows:\n" + ls.out());
        assertTrue(ls.out().contains("1 unreadable checkpoint"), ls.out());
        String row = ls.out().lines().filter(l -> l.contains(child)).findFirst().orElseThrow();
        assertTrue(row.contains(manifest(child).getFileName().toString()), row);

        Map<String, Object> json = json(run(LsCommand::run, "ls", "--json").out());
        assertEquals(2, ((List<?>) json.get("checkpoints")).size());
        Map<?, ?> bad = (Map<?, ?>) ((List<?>) json.get("unreadable")).get(0);
        assertEquals(child, bad.get("id"));
        assertTrue(((String) bad.get("problem")).contains(child + ".manifest"));

        Result inspect = run(InspectCommand::run, "inspect", child.substring(0, 8));
        assertEquals(1, inspect.status());
        assertEquals("", inspect.out());
        assertTrue(inspect.err().startsWith("vmckpt inspect: damaged repository file " + manifest(child) + ": "), inspect.err());
        assertEquals(1, inspect.err().lines().count(), inspect.err());

        Result verify = run(VerifyCommand::run, "verify", "--all");
        assertEquals(1, verify.status());
        assertTrue(verify.out().contains("DAMAGED  " + child), verify.out());
        assertTrue(verify.out().contains("1 damaged (" + child.substring(0, 12) + ")"), verify.out());

        Result gc = run(GcCommand::run, "gc");
        assertEquals(1, gc.status());
        assertTrue(gc.err().contains("refusing to collect garbage") && gc.err().contains(child), gc.err());
        assertTrue(Files.exists(basePack), "gc deleted nothing");

        assertEquals(0, run(RmCommand::run, "rm", child).status(), "an unreadable checkpoint can be deleted by id");
        assertEquals(0, run(GcCommand::run, "gc").status());
    }

    // ------------------------------------------------------------------------------------------- inspect

    @Test
    void inspectShowsConfigSizesPagesStatsAndRecords() {
        Result r = run(InspectCommand::run, "inspect", "base");
        assertEquals(0, r.status(), r.err());
        String out = r.out();
        assertTrue(out.startsWith("checkpoint " + base + "  \"base\"\n"), out);
        for (String expected : List.of("kind                      full", "mode                      live",
                "memory                    200 pages of 4 KiB  (800.0 KiB)", "compression ", "machine\n",
                "  harts                     1\n", "  memory                    819200\n",
                "pages by kind\n", "  zero                      20  (10.0%)", "  free (balloon)            20  (10.0%)",
                "  disk-block                20  (10.0%)", "  data                      140  (70.0%)",
                "pages by eviction policy\n", "  evicted as zero           20", "  evicted as disk block     20",
                "timings\n", "  downtime (guest paused)   1.50 ms", "  total                     40.0 ms",
                "other\n", "  custom.thing              7",
                "state records (2)\n", "hart0", "v3", "300 B", "uart")) {
            assertTrue(out.contains(expected), "missing '" + expected + "' in:\n" + out);
        }
        assertFalse(out.contains("\n  parent "), "a full checkpoint has no parent");
    }

    @Test
    void inspectOfAChildNamesItsParentAndSaysWhenItWasDeleted() throws Exception {
        Result r = run(InspectCommand::run, "inspect", child);
        assertTrue(r.out().contains("parent                    " + base + "\n"), r.out());
        assertTrue(r.out().contains("inherited from parent     150"), r.out());
        run(RmCommand::run, "rm", base);
        r = run(InspectCommand::run, "inspect", child);
        assertTrue(r.out().contains(base + "  (deleted; this checkpoint does not need it)"), r.out());
        assertEquals(Boolean.FALSE, json(run(InspectCommand::run, "inspect", child, "--json").out()).get("parent-present"));
    }

    @Test
    void inspectJsonParsesWithEveryStatAndRecord() throws Exception {
        Result r = run(InspectCommand::run, "inspect", base, "--json");
        assertEquals(0, r.status(), r.err());
        Map<String, Object> m = json(r.out());
        assertEquals(base, m.get("id"));
        assertEquals(200L, m.get("page-count"));
        assertEquals(Map.of("harts", "1", "memory", "819200"), m.get("config"));
        Map<?, ?> stats = (Map<?, ?>) m.get("stats");
        assertEquals(repo.open(base).info().stats().size(), stats.size());
        assertEquals(7L, stats.get("custom.thing"));
        assertEquals(20L, stats.get(Stats.PAGES_FREE));
        assertEquals(Files.size(basePack), m.get("pack-bytes"));
        assertEquals(140L * 4096, m.get("raw-bytes"));
        List<?> records = (List<?>) m.get("records");
        assertEquals(Map.of("name", "hart0", "version", 3L, "bytes", 300L), records.get(0));
    }

    @Test
    void inspectErrorsAreOneClearLine() throws Exception {
        Result r = run(InspectCommand::run, "inspect", "no-such-label");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("vmckpt inspect: no checkpoint with id, id prefix"), r.err());
        r = run(InspectCommand::run, "inspect");
        assertEquals(2, r.status());
        assertTrue(r.err().contains("which checkpoint?"), r.err());
        CapturedOutput c = new CapturedOutput();
        assertEquals(1, InspectCommand.run(new String[]{"inspect", "x", "--repo", dir.resolve("none").toString()}, c.io()));
        assertTrue(c.err().startsWith("vmckpt inspect: no checkpoint repository at " + dir.resolve("none")), c.err());
    }

    // ------------------------------------------------------------------------------------------- verify

    @Test
    void verifyOfASoundRepositoryPassesAndSaysWhatItRead() {
        Result r = run(VerifyCommand::run, "verify", "--all");
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("ok       " + base + "  \"base\"  1 pack, 3 frames"), r.out());
        assertTrue(r.out().contains("ok       " + child + "  \"after-boot\"  2 packs"), r.out());
        assertTrue(r.out().contains("verified 3 checkpoints in "), r.out());
        assertTrue(r.out().contains(": 3 ok, 0 damaged; "), r.out());
        assertEquals("", r.err(), "no progress line when stderr is not a terminal");
    }

    @Test
    void aFlippedByteInAPackFailsVerifyNamingThePackAndEveryCheckpointUsingIt() throws Exception {
        flipByte(basePack, Files.size(basePack) / 2);
        Result r = run(VerifyCommand::run, "verify", "--all");
        assertEquals(1, r.status(), r.out());
        String packName = basePack.getFileName().toString();
        assertTrue(r.out().contains("DAMAGED  " + base), r.out());
        assertTrue(r.out().contains("DAMAGED  " + child), "the child reads the parent's pack:\n" + r.out());
        assertTrue(r.out().contains("ok       " + other), r.out());
        List<String> problems = r.out().lines().filter(l -> l.startsWith("         ")).toList();
        assertFalse(problems.isEmpty());
        for (String p : problems) assertTrue(p.contains(packName), p);
        assertTrue(r.out().contains("1 ok, 2 damaged (" + base.substring(0, 12) + ", " + child.substring(0, 12) + ")"), r.out());

        assertEquals(0, run(VerifyCommand::run, "verify", other).status(), "verifying only the sound one passes");

        Map<String, Object> json = json(run(VerifyCommand::run, "verify", base, "--json").out());
        assertEquals(1L, json.get("damaged"));
        Map<?, ?> one = (Map<?, ?>) ((List<?>) json.get("checkpoints")).get(0);
        assertEquals(false, one.get("ok"));
        assertTrue(((List<?>) one.get("problems")).get(0).toString().contains(packName));
    }

    @Test
    void aMissingPackIsDamageToo() throws Exception {
        Files.delete(otherPack);
        Result r = run(VerifyCommand::run, "verify", other);
        assertEquals(1, r.status());
        assertTrue(r.out().contains(otherPack.getFileName().toString()), r.out());
    }

    @Test
    void verifyDrawsAProgressLineOnlyOnATerminal() {
        CapturedOutput c = new CapturedOutput(true);
        assertEquals(0, VerifyCommand.run(new String[]{"verify", base, "--repo", repo.dir().toString()}, c.io()));
        assertTrue(c.err().contains("\r\033[Kverify " + base.substring(0, 12) + ": "), c.err());
        assertTrue(c.err().contains("/3 frames"), c.err());
        assertTrue(c.err().endsWith("\r\033[K"), "the line is erased at the end");
    }

    @Test
    void verifyUsage() {
        assertEquals(2, run(VerifyCommand::run, "verify").status());
        assertEquals(2, run(VerifyCommand::run, "verify", base, "--all").status());
        Result r = run(VerifyCommand::run, "verify", "feedfeed");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("feedfeed"), r.err());
    }

    // ------------------------------------------------------------------------------------------- rm and gc

    @Test
    void rmThenGcFreesTheDeletedCheckpointsPack() throws Exception {
        long packSize = Files.size(otherPack);
        Result rm = run(RmCommand::run, "rm", other.substring(0, 6));
        assertEquals(0, rm.status(), rm.err());
        assertTrue(rm.out().startsWith("deleted " + other + "\n"), rm.out());
        assertFalse(run(LsCommand::run, "ls").out().contains(other.substring(0, 12)));

        Map<String, Object> gc = json(run(GcCommand::run, "gc", "--json").out());
        assertEquals(1L, gc.get("packs-deleted"));
        assertEquals(packSize, gc.get("bytes-freed"));
        assertEquals(2L, gc.get("packs-kept"));
        assertFalse(Files.exists(otherPack));

        Result again = run(GcCommand::run, "gc");
        assertEquals(0, again.status());
        assertTrue(again.out().startsWith("gc: freed 0 B (0 unused packs deleted, 2 kept"), again.out());
    }

    @Test
    void gcCompactMergesThePacksAndEveryCheckpointReadsTheSame() throws Exception {
        assertEquals(0, run(RmCommand::run, "rm", "base").status());
        Map<String, byte[]> before = new java.util.HashMap<>();
        for (String id : List.of(child, other)) before.put(id, contents(id));
        assertEquals(2, run(GcCommand::run, "gc", "--compact-below", "50").status(), "--compact-below needs --compact");
        assertEquals(2, run(GcCommand::run, "gc", "--compact", "--compact-below", "0").status(), "a share in (0, 100]");
        assertTrue(run(GcCommand::run, "gc", "--help").out().contains("--compact"));

        Map<String, Object> gc = json(run(GcCommand::run, "gc", "--compact", "--json").out());
        assertEquals(0L, gc.get("packs-deleted"), "base's pack is still used by the child: " + gc);
        assertTrue((Long) gc.get("packs-compacted") >= 2, "the small packs are merged: " + gc);
        assertEquals(1, packs().size(), "one pack left: " + packs());
        for (String id : List.of(child, other)) {
            assertArrayEquals(before.get(id), contents(id), id + " reads the same");
            assertEquals(0, run(VerifyCommand::run, "verify", id).status());
        }
        Result again = run(GcCommand::run, "gc", "--compact");
        assertEquals(0, again.status());
        assertTrue(again.out().contains("gc: compacted 0 packs"), again.out());
    }

    /** Every page's kind and bytes and every record, as one array. */
    private byte[] contents(String id) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (org.vmckpt.checkpoint.store.Checkpoint c = repo.open(id)) {
            for (var r : c.records().values()) out.write(r.payload());
            byte[] b = new byte[4096];
            for (int i = 0; i < c.pageCount(); i++) {
                out.write(c.readPage(i, b).ordinal());
                out.write(b);
            }
        }
        return out.toByteArray();
    }

    @Test
    void deletingAParentLeavesTheChildSound() {
        assertEquals(0, run(RmCommand::run, "rm", "base").status());
        assertEquals(0, run(GcCommand::run, "gc").status());
        assertTrue(Files.exists(basePack), "still used by the child");
        assertEquals(0, run(VerifyCommand::run, "verify", child).status());
    }

    @Test
    void rmDeletesNothingIfOneNameIsWrong() throws Exception {
        Result r = run(RmCommand::run, "rm", base, "no-such-checkpoint");
        assertEquals(1, r.status());
        assertTrue(r.err().contains("no-such-checkpoint"), r.err());
        assertEquals(3, repo.list().size());
        Map<String, Object> json = json(run(RmCommand::run, "rm", base, child, "--json").out());
        assertEquals(List.of(base, child), json.get("deleted"));
        assertEquals(1, repo.list().size());
    }

    @Test
    void everyCommandExplainsItselfWithHelp() {
        for (Command c : List.<Command>of(LsCommand::run, InspectCommand::run, VerifyCommand::run, RmCommand::run, GcCommand::run)) {
            CapturedOutput o = new CapturedOutput();
            assertEquals(0, c.run(new String[]{"x", "--help"}, o.io()));
            assertTrue(o.out().startsWith("Usage: vmckpt "), o.out());
            assertTrue(o.out().contains("--repo DIR"), o.out());
        }
        Result r = run(LsCommand::run, "ls", "--bogus");
        assertEquals(2, r.status());
        assertEquals("vmckpt ls: unknown option --bogus (see --help)\n", r.err());
    }
}
