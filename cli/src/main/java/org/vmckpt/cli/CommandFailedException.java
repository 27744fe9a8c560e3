package org.vmckpt.cli;

/**
 * A command could not do what was asked, for a reason its message explains completely (no VM running, no
 * repository, a damaged checkpoint...). The message is printed as it is; exit status 1.
 */
public final class CommandFailedException extends Exception {
    public CommandFailedException(String message) {
        super(message);
    }
}
