package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Damages every file of a small repository, one mutation at a time (truncations at many lengths, single-bit
 * and whole-byte flips at many offsets), and checks that reading the repository then always fails with a
 * {@link CheckpointFormatException} whose message names the damaged file: never silently wrong data, never
 * another exception, never an OutOfMemoryError.
 */
class CorruptionTest {
    @TempDir
    Path dir;
    private List<Path> files;

    @BeforeEach
    void createRepository() throws IOException {
        Repository repo = Repository.open(dir, true);
        String parent;
        try (CheckpointWriter w = repo.begin(TestPages.meta("p", 140), Codec.ZSTD, 1, null)) {
            w.putRecord("hart0", 1, new byte[]{9, 8, 7});
            for (int i = 0; i < 140; i++) {
                if (i % 7 == 0) w.putPageKind(i, PageKind.ZERO);
                else if (i % 7 == 1) w.putPageKind(i, PageKind.DISK_BLOCK, i);
                else w.putPage(i, TestPages.page(i));
            }
            w.putDiskBlock(3, TestPages.page(-3));
            parent = w.commit(ProgressListener.NONE);
        }
        try (CheckpointWriter w = repo.begin(TestPages.meta("c", 140), Codec.NONE, 0, parent)) {
            for (int i = 0; i < 70; i++) w.putPage(i, TestPages.page(1000 + i));
            w.putDiskBlock(4, TestPages.page(-4));
            w.commit(ProgressListener.NONE);
        }
        assertEquals(2, RepoReader.readEverything(dir));
        try (Stream<Path> s = Files.walk(dir)) {
            // Not the lock, nor LARGEST-RAM: the launcher's hint, which nothing in vmckpt reads (docs/FORMAT.md section 1).
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().equals("lock"))
                    .filter(p -> !p.getFileName().toString().equals(Repository.LARGEST_RAM_FILE)).sorted().toList();
        }
        assertEquals(1 + 2 + 2, files.size(), files.toString());
    }

    /** Offsets to damage: all of the first and last 64 bytes, and about 120 spread over the rest. */
    private static TreeSet<Integer> offsets(int size) {
        TreeSet<Integer> out = new TreeSet<>();
        for (int i = 0; i < Math.min(64, size); i++) {
            out.add(i);
            out.add(size - 1 - i);
        }
        int step = Math.max(1, size / 120);
        for (int i = 0; i < size; i += step) out.add(i);
        return out;
    }

    @Test
    void everyTruncationIsDetectedAndNamesTheFile() throws IOException {
        int checked = 0;
        for (Path f : files) {
            byte[] original = Files.readAllBytes(f);
            for (int len : offsets(original.length)) {
                Files.write(f, java.util.Arrays.copyOf(original, len));
                expectFailureNaming(f, "truncated to " + len);
                checked++;
            }
            Files.write(f, original);
        }
        assertTrue(checked > 500, "checked " + checked);
        assertEquals(2, RepoReader.readEverything(dir));
    }

    @Test
    void everyByteFlipIsDetectedAndNamesTheFile() throws IOException {
        int checked = 0;
        for (Path f : files) {
            byte[] original = Files.readAllBytes(f);
            for (int off : offsets(original.length)) {
                for (int mask : new int[]{0x01, 0xFF}) {
                    byte[] damaged = original.clone();
                    damaged[off] ^= (byte) mask;
                    Files.write(f, damaged);
                    expectFailureNaming(f, "byte " + off + " xor " + mask);
                    checked++;
                }
            }
            Files.write(f, original);
        }
        assertTrue(checked > 1000, "checked " + checked);
        assertEquals(2, RepoReader.readEverything(dir));
    }

    @Test
    void aMissingPackIsReportedByName() throws IOException {
        Path pack = files.stream().filter(p -> p.toString().endsWith(".pack")).findFirst().orElseThrow();
        Files.move(pack, dir.resolve("elsewhere"));
        expectFailureNaming(pack, "missing pack");
    }

    private void expectFailureNaming(Path damaged, String what) {
        try {
            RepoReader.readEverything(dir);
            fail(what + " of " + damaged.getFileName() + " was not detected");
        } catch (CheckpointFormatException e) {
            assertTrue(e.getMessage().contains(damaged.getFileName().toString()),
                    what + ": message does not name " + damaged.getFileName() + ": " + e.getMessage());
        } catch (AssertionError e) {
            throw e;
        } catch (Throwable e) {
            throw new AssertionError(what + " of " + damaged.getFileName() + " gave " + e, e);
        }
    }

    @Test
    void damagedManifestDoesNotHideTheOthersButStopsGc() throws IOException {
        Repository repo = Repository.open(dir, false);
        List<String> ids = new ArrayList<>(repo.manifestIds());
        Path m = repo.manifestPath(ids.get(0));
        byte[] b = Files.readAllBytes(m);
        b[b.length / 2] ^= 0x40;
        Files.write(m, b);
        assertEquals(1, repo.list().size());
        assertEquals(List.of(ids.get(0)), List.copyOf(repo.listUnreadable().keySet()));
        assertThrows(CheckpointFormatException.class, repo::gc);
        assertEquals(2, repo.packIds().size());
        assertEquals(ids.get(0), repo.delete(ids.get(0)));
        assertTrue(repo.listUnreadable().isEmpty());
        repo.gc();
        RoundTripTest.assertExactlyReferencedPacks(repo);
        assertEquals(1, RepoReader.readEverything(dir));
    }
}
