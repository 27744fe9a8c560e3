// Round 81 (memdirty81): which frames a checkpoint's boot-file deltas take (untimed count). java -cp JAR DeltaFrames.java REPO LABEL
import org.vmckpt.checkpoint.store.*;
import java.nio.file.Path;
public class DeltaFrames {
    public static void main(String[] a) throws Exception {
        Repository repo = Repository.open(Path.of(a[0]), false);
        String id = null;
        for (var c : repo.list()) if (a[1].equals(c.label()) || c.id().startsWith(a[1])) id = c.id();
        try (Checkpoint ck = repo.open(id)) {
            int without = ck.dataBatches(1, false).size(), with = ck.dataBatches(1, true).size();
            int deltas = 0; byte[] b = new byte[4096];
            for (Extent e : ck.pageExtents()) if (e.kind() == PageKind.SOURCE_DELTA) for (long i = e.start(); i < e.end(); i++) { ck.readPage((int) i, b); deltas++; }
            var m = Checkpoint.class.getDeclaredMethod("framesDecoded"); m.setAccessible(true);
            long f = (long) m.invoke(ck);
            System.out.printf("delta pages %d; frames their readPage decoded %d; one-frame DATA batches without the deltas %d, with %d: frames holding only deltas %d, so %d frames decoded twice without the switch%n",
                deltas, f, without, with, with - without, f - (with - without));
        }
    }
}
