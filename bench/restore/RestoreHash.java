import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.HexFormat;

/**
 * A restored machine's state hash (a check, not a benchmark; round 84, restore84): restores checkpoint LABEL of
 * repository REPO eagerly or lazily in this JVM, through the engine's API as `vmckpt restore` does, and prints the
 * machine's state hash right after the restore and again after it ran N instructions (deterministically: no timer
 * from the host, `Machine.run(N)` on this thread; a lazy restore's prefetch started first, as the command does). Two
 * builds that restore a checkpoint to the same hashes restore it to the same machine. The JVM's options (-D...) are
 * the switches' (e.g. -Dvmckpt.restore.deltasInBatches=true with a build that still has it).
 *
 *     java [-D...] -cp JAR bench/restore/RestoreHash.java REPO LABEL eager|lazy [N=2000000]
 */
public final class RestoreHash {
    public static void main(String[] args) throws Exception {
        boolean lazy = args[2].equals("lazy");
        long n = args.length > 3 ? Long.parseLong(args[3]) : 2_000_000L;
        Repository repo = Repository.open(Path.of(args[0]), false);
        try (Checkpoint ckpt = repo.open(args[1])) {
            Restorer.Restored r = Restorer.restore(ckpt, null, b -> { }, lazy, null);
            Machine m = r.machine();
            String at0 = HexFormat.of().formatHex(m.stateHash());
            if (r.lazy() != null) r.lazy().startPrefetch(m, e -> { throw new IllegalStateException(e); });
            m.run(n);
            String atN = HexFormat.of().formatHex(m.stateHash());
            System.out.println((lazy ? "lazy" : "eager") + " " + args[1] + ": restored " + at0 + ", after " + n + " instructions " + atN);
            m.virtio().close();
        }
        System.exit(0);
    }
}
