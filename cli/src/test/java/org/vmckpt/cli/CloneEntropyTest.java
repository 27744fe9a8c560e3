package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;

/**
 * Issue 8, clone safety: two restores of one checkpoint must not continue with the same guest entropy. The
 * restored machine gets a new VM generation ID (Linux's vmgenid driver reseeds its CRNG on it), so the two
 * clones read different bytes from /dev/urandom.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class CloneEntropyTest {
    private static final Pattern RANDOM = Pattern.compile("RND=([0-9a-f]{32})");
    private static final long BOOT_TIMEOUT_MS = 60_000;
    private static final long STEP_TIMEOUT_MS = 30_000;

    @TempDir
    Path temp;

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void twoRestoresOfOneCheckpointReadDifferentUrandomBytes() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent();
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        String id;
        String bound;
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--repo", repo.toString(), "--api-socket", socket.toString()))) {
            int at = run.await("VMCKPT-READY", 0, BOOT_TIMEOUT_MS);
            run.type("echo VMGEN''ID=$(ls /sys/bus/platform/drivers/vmgenid/ | grep -c vmgenid)");
            at = run.await("VMGENID=", at, STEP_TIMEOUT_MS);
            bound = run.consoleText().substring(at, Math.min(run.consoleText().length(), at + 2));
            assertTrue(bound.startsWith("1"), "the guest kernel's vmgenid driver did not bind to the device tree node: " + bound);
            // The shell waits for a line, then reads /dev/urandom at once: the clones read right after their restore,
            // before the guest's own reseed schedule (or interrupt timing) could set them apart.
            run.type("echo wait''ing-for-go; read go; echo RND=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \\n')");
            run.await("waiting-for-go", at, STEP_TIMEOUT_MS);
            try (QmpClient qmp = QmpClient.connect(socket)) {
                id = (String) qmp.execute("vmckpt-checkpoint", new java.util.LinkedHashMap<>(Map.of("name", "clone"))).get("id");
            }
        }
        List<String> seen = new ArrayList<>();
        for (int n = 1; n <= 2; n++) {
            try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("restore" + n + ".console"), temp.resolve("restore" + n + ".log"),
                    List.of("restore", id, "--repo", repo.toString(), "--api-socket", temp.resolve("r" + n + ".sock").toString()))) {
                restored.type("go");
                String last = null;
                long deadline = System.nanoTime() + STEP_TIMEOUT_MS * 1_000_000L;
                while (last == null && System.nanoTime() < deadline && restored.isAlive()) {
                    Matcher m = RANDOM.matcher(restored.consoleText());
                    while (m.find()) last = m.group(1);
                    if (last == null) Thread.sleep(50);
                }
                assertTrue(last != null, "restore " + n + " printed no random bytes\n" + restored.describe());
                seen.add(last);
            }
        }
        System.out.printf("CloneEntropyTest: vmgenid bound: %s; urandom after restore 1: %s, after restore 2: %s%n", bound.trim(), seen.get(0), seen.get(1));
        assertNotEquals(seen.get(0), seen.get(1), "two restores of checkpoint " + id + " read the same /dev/urandom bytes (vmgenid bound: " + bound.trim() + ")");
    }
}
