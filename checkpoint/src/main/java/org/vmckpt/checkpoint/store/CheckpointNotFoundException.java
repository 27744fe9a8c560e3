package org.vmckpt.checkpoint.store;

import java.io.IOException;

/** No checkpoint matches the id, id prefix or name given, or more than one does. */
public final class CheckpointNotFoundException extends IOException {
    public CheckpointNotFoundException(String message) {
        super(message);
    }
}
