package org.vmckpt.checkpoint.store;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;

/**
 * The child process of {@link CrashSafetyTest}: commits full and incremental checkpoints, deletes old ones
 * and collects garbage in a loop, forever, until it is killed. It reports on stdout what it has done, so the
 * parent can check that everything reported committed survived.
 */
public final class CrashWriterMain {
    static final int PAGES = 192;

    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]), true);
        Random r = new Random(Long.parseLong(args[1]));
        say("ready");
        while (true) {
            List<CheckpointInfo> list = repo.list();
            int op = r.nextInt(12);
            if (op == 0 && list.size() > 3) {
                String id = list.get(r.nextInt(list.size())).id();
                say("deleting " + id);
                repo.delete(id);
                continue;
            }
            if (op == 1) {
                repo.gc();
                continue;
            }
            String parent = !list.isEmpty() && r.nextBoolean() ? list.get(list.size() - 1).id() : null;
            try (CheckpointWriter w = repo.begin(TestPages.meta(null, PAGES), r.nextBoolean() ? Codec.ZSTD : Codec.NONE, 1, parent)) {
                w.putRecord("hart0", 1, new byte[]{(byte) op});
                for (int i = 0; i < PAGES; i++) {
                    int k = r.nextInt(8);
                    if (parent != null && k < 4) continue; // INHERITED
                    if (k == 4) w.putPageKind(i, PageKind.ZERO);
                    else w.putPage(i, selfDescribingPage(i, r.nextLong()));
                }
                if (r.nextBoolean()) w.putDiskBlock(r.nextInt(1000), selfDescribingPage(-1, r.nextLong()));
                say("commit " + w.id());
                String id = w.commit(ProgressListener.NONE);
                say("committed " + id);
            }
        }
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }

    /** 4096 bytes that say which page they belong to and carry their own checksum. */
    static byte[] selfDescribingPage(int index, long nonce) {
        byte[] p = new byte[4096];
        new Random(nonce).nextBytes(p);
        for (int i = 0; i < 4; i++) p[i] = (byte) (index >>> (8 * i));
        for (int i = 0; i < 4; i++) p[12 + i] = (byte) (crc(p) >>> (8 * i));
        return p;
    }

    static long crc(byte[] p) {
        CRC32C c = new CRC32C();
        c.update(p, 0, 12);
        c.update(p, 16, p.length - 16);
        return c.getValue();
    }

    /** True if {@code p} is the self-describing page of {@code index}. */
    static boolean isPage(int index, byte[] p) {
        int idx = 0;
        long sum = 0;
        for (int i = 0; i < 4; i++) idx |= (p[i] & 0xFF) << (8 * i);
        for (int i = 0; i < 4; i++) sum |= (long) (p[12 + i] & 0xFF) << (8 * i);
        return idx == index && sum == crc(p);
    }
}
