package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** For tests outside this package: turns a stored checkpoint into what an older vmckpt would have written. */
public final class OlderManifests {
    private OlderManifests() {
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
