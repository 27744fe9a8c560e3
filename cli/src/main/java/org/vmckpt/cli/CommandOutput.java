package org.vmckpt.cli;

import java.io.PrintStream;

/**
 * Where a command writes: results to {@code out}, progress and errors to {@code err}. {@code terminal} says
 * whether {@code err} is a terminal, so a command may draw a progress line on it (never when output goes to a
 * file or a pipe, where it would only be noise).
 */
public record CommandOutput(PrintStream out, PrintStream err, boolean terminal) {
    /** Standard output and standard error; a terminal when the JVM has a console. */
    public static CommandOutput system() {
        return new CommandOutput(System.out, System.err, System.console() != null);
    }
}
