package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The child process of {@link CheckpointKillTest}: a running memwalk machine checkpointed in a loop (live full,
 * live incremental, stop-and-copy), forever, until it is killed. It continues the newest checkpoint in the
 * repository if there is one (restored eagerly or lazily), as a VM restarted after a crash would, so the
 * incremental checkpoints of one run build on those of the runs before. It reports on stdout what it does.
 *
 * <p>Arguments: repository directory, random seed.
 */
public final class CheckpointLoopMain {
    private CheckpointLoopMain() { }

    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]), true);
        Random random = new Random(Long.parseLong(args[1]));
        List<CheckpointInfo> existing = repo.list();
        Machine machine;
        String parent = null;
        if (existing.isEmpty()) {
            machine = Machines.memwalk(new StringBuilder());
        } else {
            parent = existing.get(existing.size() - 1).id();
            boolean lazy = random.nextBoolean();
            // Left open: a lazy restore reads pages from it while the machine runs.
            Restorer.Restored r = Restorer.restore(repo.open(parent), null, b -> { }, lazy, null);
            machine = r.machine();
            if (r.lazy() != null) r.lazy().startPrefetch(machine, e -> { throw new IllegalStateException(e); });
        }
        Machine running = machine;
        Thread runThread = new Thread(() -> running.run(-1), "memwalk");
        runThread.setDaemon(true);
        runThread.start();
        CheckpointEngine engine = new CheckpointEngine(machine, repo, parent);
        say("ready " + (parent == null ? "booted" : "continuing " + parent));
        while (true) {
            int kind = random.nextInt(3);
            CheckpointOptions options = switch (kind) {
                case 0 -> CheckpointOptions.defaults();
                case 1 -> CheckpointOptions.defaults().withIncremental(true);
                default -> CheckpointOptions.defaults().withLive(false).withIncremental(random.nextBoolean());
            };
            say("checkpoint " + kind);
            String id = engine.checkpoint(options, null).info().id();
            say("committed " + id);
            Thread.sleep(random.nextInt(20));
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
