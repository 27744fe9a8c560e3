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

    /**
     * Runs {@code body} of {@code vmckpt command}; with {@code --json} among {@code argv}, an error is also
     * printed on stdout as {"error": {"command", "message", "exit-status"}}, so a script reading stdout sees it.
     */
    static int run(String command, String[] argv, CommandOutput io, Body body) {
        try {
            return body.run();
        } catch (UsageException e) {
            String hint = e.getMessage().contains("--help") ? "" : " (see vmckpt " + command + " --help)";
            return fail(command, argv, io, e.getMessage() + hint, 2);
        } catch (Exception e) {
            int status = fail(command, argv, io, describe(e), 1);
            if (System.getenv("VMCKPT_DEBUG") != null) e.printStackTrace(io.err());
            return status;
        }
    }

    private static int fail(String command, String[] argv, CommandOutput io, String message, int status) {
        io.err().println("vmckpt " + command + ": " + message);
        if (java.util.Arrays.asList(argv).contains("--json")) {
            java.util.Map<String, Object> error = new java.util.LinkedHashMap<>();
            error.put("command", command);
            error.put("message", message);
            error.put("exit-status", (long) status);
            io.out().println(org.vmckpt.cli.qmp.Json.write(java.util.Map.of("error", error)));
        }
        return status;
    }

    /** One line saying what went wrong, naming the file when a file is the problem. */
    static String describe(Exception e) {
        if (e instanceof CommandFailedException) return e.getMessage();
        if (e instanceof java.io.UncheckedIOException u) return describe(u.getCause());
        // The store's message starts with the file's path and says what is wrong with it.
        if (e instanceof org.vmckpt.checkpoint.store.KeyRequiredException) return e.getMessage();
        if (e instanceof CheckpointFormatException) return "damaged repository file " + e.getMessage();
        if (e instanceof QmpException q) return "the VM refused: " + q.description();
        if (e instanceof org.vmckpt.checkpoint.store.CheckpointNotFoundException) return e.getMessage();
        if (e instanceof org.vmckpt.checkpoint.RestoreException) return "cannot restore: " + e.getMessage();
        if (e instanceof FileSystemException f) return describe(f);
        if (e instanceof IOException) {
            return e.getMessage() != null ? e.getMessage() : "input/output error";
        }
        return "internal error: " + e; // a bug: say what it was
    }

    private static String describe(FileSystemException e) {
        if (e.getReason() != null) return e.getMessage();
        String what;
        if (e instanceof NoSuchFileException) what = "no such file or directory";
        else if (e instanceof AccessDeniedException) what = "permission denied";
        else if (e instanceof NotDirectoryException) what = "not a directory";
        else what = "file system error";
        return e.getFile() + (e.getOtherFile() != null ? " -> " + e.getOtherFile() : "") + ": " + what;
    }
}
