package org.vmckpt.checkpoint.store;

import java.nio.file.Path;

/** A file of an encrypted repository was read without the repository's key: nothing is wrong with the file. */
public final class KeyRequiredException extends CheckpointFormatException {
    private static final long serialVersionUID = 1L;

    public KeyRequiredException(Path file, String what) {
        super(file, what + " is encrypted: give the repository's key (" + RepositoryKey.ENV_FILE + "=FILE)");
    }
}
