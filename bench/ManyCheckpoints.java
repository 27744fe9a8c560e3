import org.vmckpt.checkpoint.store.*;
import java.nio.file.Path;
/**
 * A repository of many checkpoints (a benchmark helper, not a test): adds N incremental checkpoints of PARENT to REPO,
 * labelled extra-0.., with no new pages and the parent's records, working set and write order, so each manifest is
 * as large as a live checkpoint's (45 KB for the signed guest's memdirty). Round 56 measured a restore's label look-up
 * with it (restore --stats: before.checkpoint).
 *
 *     java -cp cli/target/vmckpt.jar bench/ManyCheckpoints.java REPO PARENT N
 */
public class ManyCheckpoints {
    public static void main(String[] a) throws Exception {
        Repository repo = Repository.open(Path.of(a[0]), false);
        String parent = repo.resolve(a[1]);
        int n = Integer.parseInt(a[2]);
        try (Checkpoint p = repo.open(parent)) {
            for (int i = 0; i < n; i++) {
                try (CheckpointWriter w = repo.begin(new CheckpointMeta("extra-" + i, p.info().mode(), p.pageCount(), p.config()), parent)) {
                    for (StateRecord r : p.records().values()) w.putRecord(r);
                    w.setWorkingSet(p.workingSet());
                    if (p.writeOrder().length > 0) w.setWriteOrder(p.writeOrder());
                    w.commit(ProgressListener.NONE);
                }
            }
        }
        System.out.println(repo.list().size() + " checkpoints");
    }
}
