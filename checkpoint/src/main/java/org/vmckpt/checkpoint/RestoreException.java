package org.vmckpt.checkpoint;

/** A checkpoint that cannot be restored here; the message says why and, where it can, what to do. */
public final class RestoreException extends Exception {
    public RestoreException(String message) {
        super(message);
    }

    public RestoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
