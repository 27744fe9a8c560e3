package org.vmckpt.checkpoint.store;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The store knows records as named, versioned bytes and pages as 4 KiB arrays: it names nothing of the machine, so
 * that the on-disk format can be read (inspect, verify, diff) without one. Reads the sources (tests run in the
 * module's directory).
 */
class StoreIndependenceTest {
    @Test
    void storeSourcesNameNothingFromTheMachineModule() throws Exception {
        Path dir = Path.of("src/main/java/org/vmckpt/checkpoint/store");
        assertTrue(Files.isDirectory(dir), "run from the checkpoint module's directory");
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (Files.readString(f).contains("org.vmckpt.machine")) offenders.add(f.getFileName().toString());
            }
        }
        assertEquals(List.of(), offenders, "store files that name org.vmckpt.machine");
    }
}
