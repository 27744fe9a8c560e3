package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CheckpointFormatException;
import org.vmckpt.cli.qmp.QmpException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Runs a command body and turns whatever it throws into one line on stderr and an exit status: 2 for bad
 * usage, 1 for everything else. Never a stack trace (set {@code VMCKPT_DEBUG} to get one for a bug).
 */
final class CommandErrors {
    /** A command body: returns the exit status. */
    @FunctionalInterface
    interface Body {
        int run() throws Exception;
    }

    private CommandErrors() {
    }

    static int run(String command, CommandOutput io, Body body) {
        try {
            return body.run();
        } catch (UsageException e) {
            String hint = e.getMessage().contains("--help") ? "" : " (see vmckpt " + command + " --help)";
            io.err().println("vmckpt " + command + ": " + e.getMessage() + hint);
            return 2;
        } catch (Exception e) {
            io.err().println("vmckpt " + command + ": " + describe(e));
            if (System.getenv("VMCKPT_DEBUG") != null) e.printStackTrace(io.err());
            return 1;
        }
    }

    /** One line saying what went wrong, naming the file when a file is the problem. */
    static String describe(Exception e) {
        if (e instanceof CommandFailedException) return e.getMessage();
        // The store's message starts with the file's path and says what is wrong with it.
        if (e instanceof org.vmckpt.checkpoint.store.KeyRequiredException) return e.getMessage();
        if (e instanceof CheckpointFormatException) return "damaged repository file " + e.getMessage();
        if (e instanceof QmpException q) return "the VM refused: " + q.description();
        if (e instanceof FileSystemException f) return describe(f);
        if (e instanceof IOException) {
            return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        }
        return "internal error: " + e; // a bug: say what it was
    }

    private static String describe(FileSystemException e) {
        if (e.getReason() != null) return e.getMessage();
        String what;
        if (e instanceof NoSuchFileException) what = "no such file or directory";
        else if (e instanceof AccessDeniedException) what = "permission denied";
        else if (e instanceof NotDirectoryException) what = "not a directory";
        else what = e.getClass().getSimpleName();
        return e.getFile() + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": " + what;
    }
}
