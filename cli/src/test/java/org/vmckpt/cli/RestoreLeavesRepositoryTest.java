package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CaptureMode;
import org.vmckpt.checkpoint.store.CheckpointMeta;
import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.ProgressListener;
import org.vmckpt.checkpoint.store.Repository;

/**
 * A restore by label that fails leaves every file of the repository as it was (round 80): the label index
 * ({@code LABELS}) a look-up finds missing or out of date is not written until the restored VM's session is set up
 * ({@code Repository.holdLabelIndex}). Before, {@code vmckpt restore LABEL} wrote it during the look-up, so a restore
 * refused ({@code --mem} of another size) or of a checkpoint that cannot be restored still rewrote it.
 */
class RestoreLeavesRepositoryTest {
    private static final int PAGES = 64;

    @TempDir
    Path dir;
    Repository repo;

    @BeforeEach
    void fillRepository() throws IOException {
        repo = Repository.open(dir.resolve("repo"), true);
        write("first", 1);
        write("second", 2);
    }

    /** A checkpoint written through the store API: sound files, but no machine's state (a restore of it fails). */
    private String write(String label, long seed) throws IOException {
        CheckpointMeta meta = new CheckpointMeta(label, CaptureMode.STOP, PAGES, Map.of("memory", String.valueOf(PAGES * 4096L), "harts", "1"));
        try (CheckpointWriter w = repo.begin(meta, Codec.ZSTD, 1, null)) {
            w.putRecord("hart0", 3, new byte[300]);
            Random r = new Random(seed);
            for (int i = 0; i < PAGES; i++) {
                byte[] p = new byte[4096];
                for (int k = 0; k < p.length; k += 2) p[k] = (byte) r.nextInt();
                w.putPage(i, p);
            }
            return w.commit(ProgressListener.NONE);
        }
    }

    /** Every file and directory below the repository: its contents (files) and modification time. */
    private Map<String, String> snapshot() throws IOException {
        Map<String, String> out = new TreeMap<>();
        Path root = repo.dir();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                String what = Files.getLastModifiedTime(p).toString();
                if (Files.isRegularFile(p)) what += " " + Arrays.hashCode(Files.readAllBytes(p)) + " " + Files.size(p);
                out.put(root.relativize(p).toString(), what);
            }
        }
        return out;
    }

    private record Result(int status, String err) {
    }

    /**
     * {@code vmckpt restore ARGS --repo REPO --console FILE --max-instructions 1} in this JVM (Main.dispatch), stderr
     * captured ({@code --max-instructions}: a guard; a restore that did not fail would stop at once, status 3).
     */
    private Result restore(String... args) {
        String[] argv = Stream.concat(Stream.concat(Stream.of("restore"), Arrays.stream(args)), Stream.of("--repo", repo.dir().toString(),
                "--console", dir.resolve("console.txt").toString(), "--max-instructions", "1")).toArray(String[]::new);
        PrintStream err = System.err;
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        synchronized (RestoreLeavesRepositoryTest.class) {
            try {
                System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
                int status = Main.dispatch(argv);
                return new Result(status, e.toString(StandardCharsets.UTF_8));
            } finally {
                System.setErr(err);
            }
        }
    }

    /** Pauses past the file system's timestamp granularity, so that a rewrite shows in a modification time too. */
    private static void tick() throws InterruptedException {
        Thread.sleep(20);
    }

    @Test
    void aRestoreByLabelThatFailsWritesNoLabelIndex() throws Exception {
        assertTrue(Files.notExists(repo.dir().resolve("LABELS")));
        Map<String, String> before = snapshot();
        tick();
        Result r = restore("second");
        assertNotEquals(0, r.status(), r.err());
        assertEquals(before, snapshot(), "the repository after a failed restore by label (" + r.err().strip() + ")");
    }

    @Test
    void aRefusedRestoreByLabelLeavesAnOutOfDateLabelIndexAsItWas() throws Exception {
        assertEquals(repo.resolve("first"), repo.resolve("first")); // writes LABELS (this Repository does not hold it)
        assertTrue(Files.isRegularFile(repo.dir().resolve("LABELS")));
        write("third", 3); // LABELS no longer lists every manifest: a look-up by label would rewrite it
        Map<String, String> before = snapshot();
        tick();
        Result refused = restore("third", "--mem", "1G");
        assertEquals(2, refused.status(), refused.err());
        assertTrue(refused.err().contains("not 1.0 GiB") || refused.err().contains("of memory"), refused.err());
        assertEquals(before, snapshot(), "the repository after a refused restore by label (" + refused.err().strip() + ")");
        Result failed = restore("third");
        assertNotEquals(0, failed.status(), failed.err());
        assertEquals(before, snapshot(), "the repository after a failed restore by label (" + failed.err().strip() + ")");
        Result unknown = restore("fourth");
        assertNotEquals(0, unknown.status(), unknown.err());
        assertEquals(before, snapshot(), "the repository after a restore of a label no checkpoint has (" + unknown.err().strip() + ")");
    }
}
