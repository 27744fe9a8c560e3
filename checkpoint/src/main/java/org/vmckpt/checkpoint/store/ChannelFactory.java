package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Opens the files the repository writes (packs, manifests, the REPO header). The one seam through which tests
 * make writes fail part-way, as a full disk does.
 */
@FunctionalInterface
interface ChannelFactory {
    /** Creates the file owner-only (0600). */
    ChannelFactory DEFAULT = PrivateFiles::createNew;

    /** Creates {@code path}, which must not exist yet, for writing. */
    FileChannel create(Path path) throws IOException;
}
