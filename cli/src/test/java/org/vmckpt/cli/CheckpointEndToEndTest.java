package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import org.vmckpt.checkpoint.store.Stats;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.cli.qmp.QmpClient;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 3's acceptance test, end to end with the real default guest and the real command: `vmckpt run` in one
 * process, checkpoints over its QMP socket (live full, live incremental, stop-and-copy), the process killed,
 * then every checkpoint restored eagerly and lazily, each in a new `vmckpt restore` process. Every restored
 * guest must continue: its heartbeat counter picks up where the checkpoint froze it and keeps counting (QEMU 7.2
 * restores this guest with its timer lost, and it hangs), and a file it wrote to its disk before the
 * checkpoint reads back.
 *
 * <p>One boot serves both checks: the guest runs its shell (driven through the console, which `vmckpt run`
 * reads from stdin when stdin is not a terminal) and memdirty in the background. A `--workload` run would own
 * the console and leave no shell to write and read the disk.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class CheckpointEndToEndTest {
    private static final String PROOF = "hello-from-42";
    private static final long BOOT_TIMEOUT_MS = 60_000;
    private static final long STEP_TIMEOUT_MS = 20_000;

    @TempDir
    Path temp;

    /** One checkpoint taken of the running guest, with the last complete heartbeats before and after it. */
    record Taken(String kind, String id, long before, long after) { }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void everyCheckpointRestoresInANewProcessAndTheGuestContinues() throws Exception {
        long t0 = System.nanoTime();
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent(); // tests run in the module directory
        Path repo = temp.resolve("repo");
        Path socket = temp.resolve("run.sock");
        List<Taken> taken = new ArrayList<>();

        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"),
                List.of("run", "--repo", repo.toString(), "--api-socket", socket.toString()))) {
            int at = run.await("VMCKPT-READY", 0, BOOT_TIMEOUT_MS);
            long booted = System.nanoTime();
            // Write a file to the disk, flush it to the device and drop the page cache, so a restored guest can
            // only read it back through the restored disk overlay. (The quotes keep the typed command, which the
            // terminal echoes, from containing the text we wait for.)
            run.type("echo hello-from-$((6*7)) > /mnt/proof.txt; sync; echo 3 > /proc/sys/vm/drop_caches; echo proof-wr''itten");
            at = run.await("proof-written", at, STEP_TIMEOUT_MS);
            run.type("memdirty 32 10 &");
            run.awaitHeartbeat(5, STEP_TIMEOUT_MS);

            try (QmpClient qmp = QmpClient.connect(socket)) {
                taken.add(checkpoint(run, qmp, "live full", Map.of("name", "e2e-full")));
                run.awaitHeartbeat(run.lastHeartbeat() + 3, STEP_TIMEOUT_MS);
                Taken inc = checkpoint(run, qmp, "live incremental", Map.of("incremental", true));
                taken.add(inc);
                run.awaitHeartbeat(run.lastHeartbeat() + 3, STEP_TIMEOUT_MS);
                taken.add(checkpoint(run, qmp, "stop-and-copy", Map.of("live", false)));
                // The checkpointed guest itself runs on.
                run.awaitHeartbeat(run.lastHeartbeat() + 3, STEP_TIMEOUT_MS);
            }
            System.out.printf("CheckpointEndToEndTest: booted in %.1f s, checkpoints %s%n", (booted - t0) / 1e9, taken);
        } // killed here: SIGKILL, nothing is cleaned up

        int restores = 0;
        int continued = 0;
        for (Taken t : taken) {
            for (boolean lazy : new boolean[]{false, true}) {
                restores++;
                long r0 = System.nanoTime();
                restoreAndCheck(root, repo, t, lazy, restores);
                continued++;
                System.out.printf("CheckpointEndToEndTest: restore %d (%s, %s) continued; %.1f s%n", restores, t.kind(),
                        lazy ? "lazy" : "eager", (System.nanoTime() - r0) / 1e9);
            }
        }
        assertEquals(restores, continued, "every restore must continue");
        System.out.printf("CheckpointEndToEndTest: %d of %d restores continued; whole test %.1f s%n", continued, restores,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Takes a checkpoint over QMP and notes the last complete heartbeat just before the request and after the reply. */
    private static Taken checkpoint(VmckptProcess run, QmpClient qmp, String kind, Map<String, Object> args) throws Exception {
        long before = run.lastHeartbeat();
        Map<String, Object> result = qmp.execute("vmckpt-checkpoint", new LinkedHashMap<>(args));
        long after = run.lastHeartbeat();
        String id = (String) result.get("id");
        assertTrue(id != null && !id.isEmpty(), "checkpoint result has no id: " + result);
        if (Boolean.TRUE.equals(args.get("incremental"))) {
            Map<?, ?> pages = (Map<?, ?>) result.get("pages");
            long unchanged = ((Number) pages.get(Stats.PAGES_UNCHANGED)).longValue();
            assertTrue(unchanged > 0, "an incremental checkpoint must leave unchanged pages to its parent: " + result);
        }
        return new Taken(kind, id, before, after);
    }

    /** Restores {@code t} in a new process and checks that the guest continues from where it was frozen. */
    private void restoreAndCheck(Path root, Path repo, Taken t, boolean lazy, int n) throws Exception {
        Path socket = temp.resolve("restore" + n + ".sock");
        List<String> args = new ArrayList<>(List.of("restore", t.id(), "--repo", repo.toString(), "--api-socket", socket.toString()));
        if (lazy) args.add("--lazy");
        String what = t.kind() + " checkpoint " + t.id() + (lazy ? " restored lazily" : " restored eagerly");
        try (VmckptProcess restored = VmckptProcess.start(root, temp.resolve("restore" + n + ".console"),
                temp.resolve("restore" + n + ".log"), args)) {
            restored.awaitHeartbeat(0, STEP_TIMEOUT_MS);
            long first = restored.heartbeats().get(0);
            // The guest was frozen after heartbeat `before` was printed and before the reply (by then `after` was
            // printed): it continues with the next one. A guest that restarted, or lost time, prints another number.
            assertTrue(first >= t.before() + 1 && first <= t.after() + 2, what + ": first heartbeat " + first
                    + ", expected " + (t.before() + 1) + ".." + (t.after() + 2) + "\n" + restored.describe());
            restored.awaitHeartbeat(t.after() + 11, STEP_TIMEOUT_MS);
            List<Long> beats = restored.heartbeats();
            for (int i = 1; i < beats.size(); i++) {
                assertEquals(beats.get(i - 1) + 1, beats.get(i), what + ": heartbeats must count on one by one: " + beats);
            }
            // The file written before the checkpoint is on the restored disk (the page cache was dropped before).
            restored.type("cat /mnt/proof.txt");
            restored.await(PROOF, 0, STEP_TIMEOUT_MS);
            // The restored VM has a working control socket of its own.
            try (QmpClient qmp = QmpClient.connect(socket)) {
                assertEquals(Boolean.TRUE, qmp.execute("query-status", null).get("running"), what);
            }
            assertTrue(restored.isAlive(), what + ": the restored VM exited\n" + restored.describe());
        }
    }
}
