package org.vmckpt.checkpoint.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8: random and mutated manifests and packs fed to the readers, a fixed number of inputs from a fixed
 * seed. Every input must end in a result or in the project's own {@link CheckpointFormatException} (a clear
 * message naming the file), never in another exception, and never hang (10 s per input). Counts go to
 * docs/RELIABILITY.md; rerun with {@code mvn -q -B -pl checkpoint -am test -Dtest=FuzzTest -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class FuzzTest {
    static final int INPUTS = 400;
    private static final long SEED = 0x766d636b7074L;

    @TempDir
    Path dir;
    private final ExecutorService watchdog = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "fuzz-input");
        t.setDaemon(true);
        return t;
    });

    @AfterEach
    void stop() {
        watchdog.shutdownNow();
    }

    /** Outcome counts of one category. */
    static final class Tally {
        final String name;
        int accepted, refused;
        final List<String> failures = new ArrayList<>();

        Tally(String name) { this.name = name; }

        void report() {
            System.out.printf("FUZZ %s: %d inputs, %d refused with the project's exception, %d accepted, %d failures%n",
                    name, accepted + refused + failures.size(), refused, accepted, failures.size());
            assertTrue(failures.isEmpty(), name + ": " + failures.size() + " inputs ended otherwise, e.g. " + failures.subList(0, Math.min(5, failures.size())));
        }
    }

    interface Input {
        void run() throws Exception;
    }

    private void feed(Tally t, String what, Input input) {
        Future<?> f = watchdog.submit(() -> {
            input.run();
            return null;
        });
        try {
            f.get(10, TimeUnit.SECONDS);
            t.accepted++;
        } catch (TimeoutException e) {
            f.cancel(true);
            t.failures.add(what + ": no answer within 10 s");
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            boolean ours = c instanceof CheckpointFormatException || c instanceof CheckpointNotFoundException;
            if (ours && c.getMessage() != null && !c.getMessage().isBlank()) t.refused++;
            else t.failures.add(what + ": " + c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.failures.add(what + ": interrupted");
        }
    }

    /** One mutation of {@code b}: flips, overwrites with extreme values, truncation, extension, or splicing. */
    static byte[] mutate(byte[] b, Random r) {
        byte[] out = b.clone();
        switch (r.nextInt(7)) {
            case 0 -> { for (int i = 1 + r.nextInt(4); i > 0; i--) out[r.nextInt(out.length)] ^= (byte) (1 << r.nextInt(8)); }
            case 1 -> out[r.nextInt(out.length)] = (byte) r.nextInt(256);
            case 2 -> {
                int at = r.nextInt(Math.max(1, out.length - 8));
                long v = switch (r.nextInt(5)) { case 0 -> -1L; case 1 -> 0L; case 2 -> 1L << 40; case 3 -> Long.MAX_VALUE; default -> r.nextLong(); };
                for (int k = 0; k < 8 && at + k < out.length; k++) out[at + k] = (byte) (v >>> (8 * k));
            }
            case 3 -> out = Arrays.copyOf(out, r.nextInt(out.length));
            case 4 -> {
                out = Arrays.copyOf(out, out.length + 1 + r.nextInt(64));
                for (int i = b.length; i < out.length; i++) out[i] = (byte) r.nextInt(256);
            }
            case 5 -> {
                int from = r.nextInt(out.length), to = r.nextInt(out.length), n = Math.min(1 + r.nextInt(32), Math.min(out.length - from, out.length - to));
                System.arraycopy(b, from, out, to, n);
            }
            default -> { for (int i = r.nextInt(out.length), n = r.nextInt(16); n > 0 && i < out.length; n--, i++) out[i] = (byte) 0xff; }
        }
        return out;
    }

    /** A real repository with one full checkpoint of every page kind, its manifest bytes and its pack. */
    private record Sample(Repository repo, String id, Path manifest, Path pack, byte[] manifestBytes, byte[] packBytes) { }

    private Sample sample() throws IOException {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        String id = RoundTripTest.writeFull(repo, Codec.ZSTD);
        Path manifest = repo.manifestPath(id);
        Path pack;
        try (var s = Files.list(repo.dir().resolve("packs"))) {
            pack = s.findFirst().orElseThrow();
        }
        return new Sample(repo, id, manifest, pack, Files.readAllBytes(manifest), Files.readAllBytes(pack));
    }

    /** The manifest's body, decoded, so mutations can reach the section decoders behind the CRC and zstd. */
    private static byte[] body(byte[] manifest) {
        int codec = manifest[24];
        int declared = (manifest[25] & 0xff) | (manifest[26] & 0xff) << 8 | (manifest[27] & 0xff) << 16 | (manifest[28] & 0xff) << 24;
        byte[] stored = Arrays.copyOfRange(manifest, 33, manifest.length - 4);
        return codec == 1 ? Zstd.decompress(stored, declared) : stored;
    }

    @Test
    void mutatedManifestsAreDecodedOrRefusedClearly() throws Exception {
        Sample s = sample();
        Random r = new Random(SEED);
        byte[] body = body(s.manifestBytes());
        Tally raw = new Tally("manifest (file bytes mutated)");
        Tally crc = new Tally("manifest (file mutated, CRC fixed)");
        Tally inner = new Tally("manifest (body mutated, valid CRC)");
        for (int i = 0; i < INPUTS; i++) {
            byte[] a = mutate(s.manifestBytes(), r);
            feed(raw, "raw " + i, () -> ManifestCodec.decode(s.manifest(), a));
            byte[] b = a.length >= 8 ? CraftedFiles.fixTrailingCrc(a) : a;
            feed(crc, "crc " + i, () -> ManifestCodec.decode(s.manifest(), b));
            byte[] c = CraftedFiles.manifest(mutate(body, r));
            feed(inner, "body " + i, () -> ManifestCodec.decode(s.manifest(), c));
        }
        raw.report();
        crc.report();
        inner.report();
        assertTrue(inner.refused > 0 && inner.accepted + inner.refused == INPUTS);
    }

    @Test
    void mutatedPacksAreReadOrRefusedClearly() throws Exception {
        Sample s = sample();
        Random r = new Random(SEED + 1);
        String packId = s.pack().getFileName().toString().replace(".pack", "");
        Tally t = new Tally("pack (file bytes mutated, every frame read)");
        Path p = dir.resolve(packId + ".pack");
        for (int i = 0; i < INPUTS; i++) {
            byte[] m = mutate(s.packBytes(), r);
            feed(t, "pack " + i, () -> {
                Files.write(p, m);
                try (PackReader pr = PackReader.open(p, packId, -1); ZstdDecompressCtx z = new ZstdDecompressCtx()) {
                    for (int f = 0; f < pr.frameCount(); f++) pr.readFrame(f, z);
                }
            });
        }
        t.report();
    }

    @Test
    void randomFilesInTheRepositoryAreListedVerifiedOrRefusedClearly() throws Exception {
        Sample s = sample();
        Random r = new Random(SEED + 2);
        Tally t = new Tally("repository (manifest and pack replaced, then ls/open/verify/read)");
        for (int i = 0; i < INPUTS / 4; i++) {
            byte[] m = i % 2 == 0 ? mutate(s.manifestBytes(), r) : s.manifestBytes();
            byte[] p = i % 2 == 1 ? mutate(s.packBytes(), r) : s.packBytes();
            feed(t, "repo " + i, () -> {
                Files.write(s.manifest(), m);
                Files.write(s.pack(), p);
                s.repo().list();
                s.repo().listUnreadable();
                try (Checkpoint c = s.repo().open(s.id())) {
                    VerifyReport v = c.verify(ProgressListener.NONE);
                    if (!v.problems().isEmpty()) throw new CheckpointFormatException(s.pack(), String.join("; ", v.problems()));
                    byte[] page = new byte[4096];
                    for (int k = 0; k < c.pageCount(); k++) c.readPage(k, page);
                }
            });
        }
        Files.write(s.manifest(), s.manifestBytes());
        Files.write(s.pack(), s.packBytes());
        t.report();
        try (Checkpoint c = s.repo().open(s.id())) {
            assertEquals(List.of(), c.verify(ProgressListener.NONE).problems(), "the repaired repository verifies again");
        }
    }

    @Test
    void mutatedEncryptedFilesAreRefusedClearlyWithTheKey() throws Exception {
        byte[] k = new byte[32];
        new Random(SEED + 3).nextBytes(k);
        Path keyFile = dir.resolve("key");
        Files.write(keyFile, k);
        RepositoryKey key = RepositoryKey.fromFile(keyFile);
        Repository repo = Repository.openWithKey(dir.resolve("enc"), true, key);
        repo.enableEncryption(key);
        String id = RoundTripTest.writeFull(repo, Codec.ZSTD);
        Path manifest = repo.manifestPath(id);
        byte[] manifestBytes = Files.readAllBytes(manifest);
        String packId = repo.readManifest(id).packs().get(0).id();
        byte[] packBytes = Files.readAllBytes(repo.packPath(packId));
        Random r = new Random(SEED + 4);
        Tally m = new Tally("encrypted manifest (mutated, CRC fixed, read with the key)");
        Tally p = new Tally("encrypted pack (mutated, every frame read with the key)");
        Path pp = dir.resolve(packId + ".pack");
        for (int i = 0; i < INPUTS / 2; i++) {
            byte[] a = mutate(manifestBytes, r);
            byte[] fixed = a.length >= 8 ? CraftedFiles.fixTrailingCrc(a) : a;
            feed(m, "enc manifest " + i, () -> ManifestCodec.decode(manifest, fixed, key));
            byte[] b = mutate(packBytes, r);
            feed(p, "enc pack " + i, () -> {
                Files.write(pp, b);
                try (PackReader pr = PackReader.open(pp, packId, -1, key); ZstdDecompressCtx z = new ZstdDecompressCtx()) {
                    for (int f = 0; f < pr.frameCount(); f++) pr.readFrame(f, z);
                }
            });
        }
        m.report();
        p.report();
    }
}
