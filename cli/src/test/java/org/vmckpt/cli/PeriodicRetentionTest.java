package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.VerifyReport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** `vmckpt run --checkpoint-every T --keep-checkpoints N`: the series is cut to its newest N, nothing else is touched. */
class PeriodicRetentionTest {
    @TempDir
    Path dir;

    private static final Path ELF = Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();

    @Test
    void keepsTheNewestOfTheSeriesAndFreesTheRest() throws Exception {
        Path repoDir = dir.resolve("repo");
        // A checkpoint of another run, before the series: retention must leave it alone.
        assertEquals(3, Main.dispatch(new String[]{"run", "--elf", ELF.toString(), "--mem", "32M", "--checkpoint-every", "50ms",
                "--max-instructions", "40000000", "--repo", repoDir.toString(), "--api-socket", dir.resolve("s0").toString(),
                "--console", dir.resolve("console0.txt").toString()}));
        Set<String> before = Repository.open(repoDir, false).list().stream().map(CheckpointInfo::id).collect(Collectors.toSet());
        assertFalse(before.isEmpty(), "the first run made a checkpoint");

        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int status;
        try {
            System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
            status = Main.dispatch(new String[]{"run", "--elf", ELF.toString(), "--mem", "32M", "--checkpoint-every", "50ms",
                    "--keep-checkpoints", "2", "--max-instructions", "100000000", "--repo", repoDir.toString(),
                    "--api-socket", dir.resolve("s1").toString(), "--console", dir.resolve("console1.txt").toString()});
        } finally {
            System.setErr(err);
        }
        assertEquals(3, status);
        String log = captured.toString(StandardCharsets.UTF_8);
        List<String> made = new ArrayList<>();
        Matcher m = Pattern.compile("periodic checkpoint ([0-9a-f]{12}):").matcher(log);
        while (m.find()) made.add(m.group(1));
        assertTrue(made.size() >= 3, "the series is longer than what it keeps (it made " + made.size() + "): " + log);

        Repository repo = Repository.open(repoDir, false);
        List<CheckpointInfo> now = repo.list();
        List<String> series = now.stream().map(CheckpointInfo::id).filter(id -> !before.contains(id)).toList();
        assertEquals(2, series.size(), "the series is cut to its newest 2 (of " + made.size() + " made)");
        Set<String> newest = Set.copyOf(made.subList(made.size() - 2, made.size()));
        for (String id : series) assertTrue(newest.contains(id.substring(0, 12)), id + " is one of the last two made: " + made);
        assertTrue(now.stream().map(CheckpointInfo::id).collect(Collectors.toSet()).containsAll(before),
                "the earlier run's checkpoints are untouched");

        // What is left restores: every frame of every pack the kept checkpoints use is there and intact...
        for (CheckpointInfo i : now) {
            try (var c = repo.open(i.id())) {
                VerifyReport r = c.verify(ProgressListener.NONE);
                assertTrue(r.ok(), i.id() + ": " + r.problems());
            }
        }
        // ...and the space of the deleted ones was freed: no pack is left that no checkpoint uses.
        int packsBefore;
        try (Stream<Path> s = Files.list(repoDir.resolve("packs"))) {
            packsBefore = (int) s.filter(p -> p.toString().endsWith(".pack")).count();
        }
        assertEquals(0, repo.gc().packsDeleted(), "retention already collected the deleted checkpoints' packs");
        assertTrue(packsBefore > 0);
    }

    @Test
    void keepWithoutASeriesIsAUsageError() throws Exception {
        Path repoDir = dir.resolve("repo");
        int status = Main.dispatch(new String[]{"run", "--elf", ELF.toString(), "--mem", "32M", "--keep-checkpoints", "2",
                "--max-instructions", "1000000", "--repo", repoDir.toString(), "--api-socket", dir.resolve("s").toString(),
                "--console", dir.resolve("console.txt").toString()});
        assertEquals(2, status, "--keep-checkpoints without --checkpoint-every is refused");
        assertEquals(2, Main.dispatch(new String[]{"run", "--elf", ELF.toString(), "--mem", "32M", "--checkpoint-every", "1s",
                "--keep-checkpoints", "0", "--max-instructions", "1000000", "--repo", repoDir.toString(),
                "--api-socket", dir.resolve("s").toString(), "--console", dir.resolve("console.txt").toString()}),
                "a count that is not positive is refused");
    }
}
