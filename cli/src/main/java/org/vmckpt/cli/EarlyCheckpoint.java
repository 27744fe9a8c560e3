package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;

import java.util.Arrays;

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

    private static volatile Open pending;

    private EarlyCheckpoint() { }

    /** For {@code vmckpt restore ARGS} (eager): starts the side thread if the switch is on. */
    static void startIfEnabled(String[] argv) {
        if (ENABLED) start(argv);
    }

    /** Starts opening the repository and checkpoint {@code argv} names on a daemon thread. */
    static void start(String[] argv) {
        Open t = new Open(argv.clone());
        pending = t;
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
        Open t = pending;
        pending = null;
        if (t == null) return null;
        t.join(); // its result is visible after the join
        Opened o = t.opened;
        if (o == null || Arrays.equals(o.argv(), argv)) return o;
        o.checkpoint().close();
        return null;
    }

    /**
     * The side thread: what RestoreCommand does for its "repository" and "checkpoint" steps. (A thread of its own, not a
     * FutureTask: the class-data archive does not hold FutureTask, which would be loaded and linked on main's way.)
     */
    private static final class Open extends Thread {
        private final String[] argv;
        private Opened opened;

        Open(String[] argv) {
            super("preload-checkpoint");
            setDaemon(true);
            this.argv = argv;
        }

        @Override
        public void run() {
            try {
                Args a = RestoreCommand.OPTIONS.parse(argv, 1);
                if (a.has("help") || a.positional().size() != 1) return;
                Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
                repo.holdLabelIndex(); // (as RestoreCommand: written once the session is set up)
                opened = new Opened(argv, repo, repo.open(a.positional().get(0)));
            } catch (Exception e) {
                // The command opens them again and reports the error as without this thread.
            }
        }
    }
}
