package org.vmckpt.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.DefaultGuest;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * When an end-to-end test's VM does not print what it waits for in time, the failure carries two thread dumps of the
 * VM's process, 2 s apart, with each thread's CPU time: a stopped boot is then a hang (threads blocked, CPU unchanged),
 * a spin, or a starved boot (round 27 of docs/BENCHMARKS.md had three such stops and no dump to tell which).
 */
@Tag("slow") // boots Debian's kernel for a few seconds
class VmckptProcessStallTest {
    @TempDir
    Path temp;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aTimeoutCarriesThreadDumpsOfTheVm() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent(); // tests run in the module directory
        try (VmckptProcess vm = VmckptProcess.start(root, temp.resolve("console"), temp.resolve("log"),
                List.of("run", "--no-disk", "--repo", temp.resolve("repo").toString(), "--api-socket", temp.resolve("sock").toString()))) {
            AssertionError e = assertThrows(AssertionError.class, () -> vm.await("a line this guest never prints", 0, 3_000));
            String m = e.getMessage();
            assertTrue(m.contains("--- thread dump 1 of vmckpt") && m.contains("--- thread dump 2 of vmckpt"), m);
            assertTrue(m.contains("\"main\"") && m.contains("cpu="), "each dump lists the VM's threads with their CPU time:\n" + m);
        }
    }
}
