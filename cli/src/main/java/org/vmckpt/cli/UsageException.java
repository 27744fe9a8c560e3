package org.vmckpt.cli;

/** Bad command-line usage: the message says what is wrong and what to type instead. Exit status 2. */
public final class UsageException extends Exception {
    public UsageException(String message) {
        super(message);
    }
}
