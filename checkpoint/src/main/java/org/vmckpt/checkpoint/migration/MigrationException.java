package org.vmckpt.checkpoint.migration;

/** A migration failed or was refused; the message says why in words a user can act on. */
public class MigrationException extends Exception {
    public MigrationException(String message) {
        super(message);
    }

    public MigrationException(String message, Throwable cause) {
        super(message, cause);
    }
}
