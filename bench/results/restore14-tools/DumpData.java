package org.vmckpt.checkpoint;

import java.io.DataOutputStream;
import java.io.FileOutputStream;
import java.io.BufferedOutputStream;
import java.nio.file.Path;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;

/** Dumps a checkpoint's DATA pages (index, 4 KiB) for an analysis of what the idle image holds (restore14). */
public class DumpData {
    public static void main(String[] a) throws Exception {
        Repository repo = Repository.open(Path.of(a[0]), false);
        String id = repo.list().get(0).id();
        try (Checkpoint c = repo.open(id); DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(a[1]), 1 << 20))) {
            byte[] p = new byte[4096];
            int n = 0;
            for (int i = 0; i < c.pageCount(); i++) {
                if (c.pageKind(i) != PageKind.DATA) continue;
                c.readPage(i, p);
                out.writeInt(i);
                out.write(p);
                n++;
            }
            System.out.println(id + ": " + n + " data pages of " + c.pageCount());
        }
    }
}
