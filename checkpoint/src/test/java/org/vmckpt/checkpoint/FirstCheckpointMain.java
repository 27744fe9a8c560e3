package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;

/**
 * The child process of {@link FirstCheckpointTest}: in a fresh JVM, boots the memwalk machine, lets it run, and
 * takes live checkpoints, the very first one included; prints for each the CPU time of its pause (the capturing
 * thread's) and the pause's wall time, in nanoseconds, one line each.
 *
 * <p>Arguments: repository directory, number of checkpoints.
 */
public final class FirstCheckpointMain {
    private FirstCheckpointMain() { }

    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]), true);
        int count = Integer.parseInt(args[1]);
        Machine machine = Machines.memwalk(new StringBuilder());
        CheckpointEngine engine = new CheckpointEngine(machine, repo, null);
        Thread runThread = new Thread(() -> machine.run(-1), "memwalk");
        runThread.setDaemon(true);
        runThread.start();
        Thread.sleep(300); // the guest runs and writes memory
        for (int i = 0; i < count; i++) {
            CheckpointEngine.Outcome out = engine.checkpoint(CheckpointOptions.defaults(), null);
            System.out.println(out.info().stat(Stats.FREEZE_CPU_NS, -1) + " " + out.pauseNanos());
            System.out.flush();
            Thread.sleep(50);
        }
        machine.requestExit(0);
        runThread.join(10_000);
    }
}
