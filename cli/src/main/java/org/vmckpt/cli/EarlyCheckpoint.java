package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;

import java.util.Arrays;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * An eager restore's repository and checkpoint opened on a side thread from {@code main} (round 62,
 * {@code -Dvmckpt.restore.openEarly=true}, off by default): opening them (the repository's files, the manifest read,
 * checked and decoded, in cold code: 40-60 ms) is the last step before the DATA loaders can start, and the main thread
 * spends the same time getting from {@code main} to the command (the class-data archive's classes linked, the lambda
 * machinery set up, the command's dispatch) while the second core is partly idle.
 *
 * <p>Nothing here reports an error: if the side thread fails (no repository, no such checkpoint, a damaged manifest),
 * {@link #take} returns null and the command opens them again itself, on the path every error message comes from, so a
 * failure reads as it always did and only costs the open twice.
 */
final class EarlyCheckpoint {
    static final String PROPERTY = "vmckpt.restore.openEarly";
    static final boolean ENABLED = Boolean.getBoolean(PROPERTY);

    /** What the side thread opened, for exactly {@code argv}. */
    record Opened(String[] argv, Repository repository, Checkpoint checkpoint) { }

    private static volatile FutureTask<Opened> pending;

    private EarlyCheckpoint() { }

    /** For {@code vmckpt restore ARGS} (eager): starts the side thread if the switch is on. */
    static void startIfEnabled(String[] argv) {
        if (ENABLED) start(argv);
    }

    /** Starts opening the repository and checkpoint {@code argv} names on a daemon thread. */
    static void start(String[] argv) {
        FutureTask<Opened> task = new FutureTask<>(new Open(argv.clone()));
        pending = task;
        Thread t = new Thread(task, "preload-checkpoint");
        t.setDaemon(true);
        t.start();
    }

    /** Whether a side thread was started and not taken yet. */
    static boolean pending() {
        return pending != null;
    }

    /**
     * Waits for the side thread and returns what it opened for exactly {@code argv}, or null: none started, other
     * arguments (its checkpoint is closed), or it failed (the caller opens them itself and reports the error).
     */
    static Opened take(String[] argv) throws InterruptedException {
        FutureTask<Opened> task = pending;
        pending = null;
        if (task == null) return null;
        try {
            Opened o = task.get();
            if (Arrays.equals(o.argv(), argv)) return o;
            o.checkpoint().close();
            return null;
        } catch (ExecutionException e) {
            return null;
        }
    }

    /** The side thread's work: what RestoreCommand does for its "repository" and "checkpoint" steps. */
    private static final class Open implements java.util.concurrent.Callable<Opened> {
        private final String[] argv;

        Open(String[] argv) {
            this.argv = argv;
        }

        @Override
        public Opened call() throws Exception {
            Args a = RestoreCommand.OPTIONS.parse(argv, 1);
            if (a.has("help") || a.positional().size() != 1) throw new UsageException("not a restore of one checkpoint");
            Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
            return new Opened(argv, repo, repo.open(a.positional().get(0)));
        }
    }
}
