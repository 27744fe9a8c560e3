import org.vmckpt.checkpoint.store.*;
import java.nio.file.Path;
/**
 * One line of tab-separated statistics per checkpoint of a repository, oldest first (a benchmark helper, round 66: one
 * JVM instead of a `vmckpt inspect` per checkpoint): id, created (epoch ms), then the value of each key given.
 *
 *     java -cp cli/target/vmckpt.jar bench/CheckpointStats.java REPO KEY...
 */
public class CheckpointStats {
    public static void main(String[] a) throws Exception {
        Repository repo = Repository.open(Path.of(a[0]), false);
        for (CheckpointInfo i : repo.list()) {
            StringBuilder sb = new StringBuilder(i.id()).append('\t').append(i.created().toEpochMilli());
            for (int k = 1; k < a.length; k++) sb.append('\t').append(i.stat(a[k], -1));
            System.out.println(sb);
        }
    }
}
