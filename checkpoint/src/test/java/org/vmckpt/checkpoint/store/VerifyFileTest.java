package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/** The generic check of any repository file (FileCodec's header and footers), and that it is the only checksum code. */
class VerifyFileTest {
    @TempDir
    Path dir;

    private List<Path> filesEndingWith(Path root, String suffix) throws Exception {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix)).toList();
        }
    }

    @Test
    void everyFileOfARepositoryVerifiesByItsHeaderAndAFlippedByteIsFound() throws Exception {
        Repository repo = Repository.open(dir.resolve("repo"), true);
        RoundTripTest.writeFull(repo, Codec.ZSTD);
        List<Path> files = new ArrayList<>();
        files.add(repo.dir().resolve("REPO"));
        files.addAll(filesEndingWith(repo.dir(), ".manifest"));
        files.addAll(filesEndingWith(repo.dir(), ".pack"));
        assertEquals(3, files.size(), "REPO, one manifest, one pack: " + files);
        for (Path f : files) {
            VerifyReport r = Repository.verifyFile(f);
            assertEquals(List.of(), r.problems(), f.toString());
            if (f.toString().endsWith(".pack")) {
                assertEquals(1, r.packs());
                assertTrue(r.frames() > 0);
            }
        }
        for (Path f : files) {
            byte[] b = Files.readAllBytes(f);
            Path copy = dir.resolve("damaged").resolve(f.getFileName());
            Files.createDirectories(copy.getParent());
            b[b.length - 5] ^= 0x40; // inside the last checked part, before its footer
            Files.write(copy, b);
            assertFalse(Repository.verifyFile(copy).problems().isEmpty(), "damage in " + f.getFileName() + " is found");
        }
    }

    @Test
    void aFileThatIsNotVmckptIsSaidToBeSo() throws Exception {
        Path f = dir.resolve("notes.txt");
        Files.writeString(f, "hello, not a checkpoint");
        List<String> problems = Repository.verifyFile(f).problems();
        assertEquals(1, problems.size());
        assertTrue(problems.get(0).contains("not a vmckpt file"), problems.get(0));
    }

    @Test
    void onlyFileCodecComputesTheFormatsChecksum() throws Exception {
        Path src = Path.of("src/main/java/org/vmckpt/checkpoint/store");
        assertTrue(Files.isDirectory(src), "run from the checkpoint module's directory");
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> s = Files.list(src)) {
            for (Path p : s.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (!p.getFileName().toString().equals("FileCodec.java") && Files.readString(p).contains("new CRC32C")) {
                    offenders.add(p.getFileName().toString());
                }
            }
        }
        assertEquals(List.of(), offenders);
    }
}
