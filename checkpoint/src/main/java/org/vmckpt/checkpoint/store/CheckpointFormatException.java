package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A repository file is truncated, corrupted, hostile, or of a format version this vmckpt cannot read.
 * The message always starts with the file's path and then says what is wrong with it.
 *
 * <p>It is an {@link IOException} so callers can treat it like any other storage failure, and a distinct
 * type so they can tell "the data is bad" from "the disk failed".
 */
public class CheckpointFormatException extends IOException {
    private final transient Path file;

    public CheckpointFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public CheckpointFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that is bad. */
    public Path file() {
        return file;
    }
}
