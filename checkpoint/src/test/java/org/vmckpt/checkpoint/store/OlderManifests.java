package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** For tests outside this package: turns a stored checkpoint into what an older vmckpt would have written. */
public final class OlderManifests {
    private OlderManifests() {
    }

    /**
     * Rewrites checkpoint {@code id}'s manifest (plain repository) as a valid file (header, CRC) whose write order lists
     * its first page twice, or (with {@code workingSet}) whose working set reaches past the last page: a damage only
     * decoding them finds.
     */
    public static void damageFirstTouches(Repository repo, String id, boolean workingSet) throws IOException {
        Path file = repo.manifestPath(id);
        Manifest m = ManifestCodec.read(file);
        int[] order = m.writeOrder();
        java.util.BitSet ws = m.workingSet();
        if (workingSet) {
            ws = (java.util.BitSet) ws.clone();
            ws.set(m.info().pageCount(), m.info().pageCount() + 3);
        } else if (order.length == 0) {
            order = new int[] {0, 0};
        } else {
            order = java.util.Arrays.copyOf(order, order.length + 1);
            order[order.length - 1] = order[0];
        }
        Files.write(file, ManifestCodec.encode(new Manifest(m.info(), m.config(), m.records(), m.packs(), m.pages(), m.disk(), ws, order, m.deltas())));
    }

    /** Whether checkpoint {@code c}'s working set and write order are still undecoded ({@link FirstTouches}). */
    public static boolean firstTouchesUndecoded(Checkpoint c) {
        return c.manifestForTests().firstTouches().undecoded();
    }

    /**
     * Rewrites checkpoint {@code id}'s manifest (plain repository) without its working set, as a vmckpt before
     * manifest version 4 wrote it; returns the version the rewritten file carries.
     */
    public static int dropWorkingSet(Repository repo, String id) throws IOException {
        Path file = repo.manifestPath(id);
        Manifest m = ManifestCodec.read(file);
        Manifest old = new Manifest(m.info(), m.config(), m.records(), m.packs(), m.pages(), m.disk());
        byte[] b = ManifestCodec.encode(old);
        Files.write(file, b);
        return CraftedFiles.manifestVersion(b);
    }
}
