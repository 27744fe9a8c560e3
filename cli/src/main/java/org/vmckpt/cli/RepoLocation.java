package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Repository;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where the checkpoint repository is: {@code --repo DIR} if given, else the environment variable
 * {@code VMCKPT_REPO}, else {@link Repository#defaultLocation()} ({@code ~/.local/share/vmckpt/repo}).
 */
public final class RepoLocation {
    /** The command-line option (without dashes) that names the repository. */
    public static final String OPTION = "repo";
    /** The environment variable that overrides the default location. */
    public static final String ENV = "VMCKPT_REPO";

    private RepoLocation() {
    }

    /** The repository directory the options and the environment name. */
    public static Path resolve(Args args) {
        return resolve(args, System.getenv());
    }

    static Path resolve(Args args, Map<String, String> env) {
        String option = args.get(OPTION);
        if (option != null && !option.isEmpty()) return Path.of(option);
        String fromEnv = env.get(ENV);
        if (fromEnv != null && !fromEnv.isEmpty()) return Path.of(fromEnv);
        return Repository.defaultLocation();
    }

    /**
     * Opens the repository at {@code dir} for reading and deleting, never creating one: a missing repository
     * is a {@link CommandFailedException} that says where vmckpt looked and how to point it elsewhere.
     */
    public static Repository openExisting(Path dir) throws IOException, CommandFailedException {
        try {
            return Repository.open(dir, false);
        } catch (NoSuchFileException e) {
            if (!Files.exists(dir)) {
                throw new CommandFailedException("no checkpoint repository at " + dir
                        + " (the directory does not exist; the first checkpoint creates it; use --repo DIR or "
                        + ENV + " to use another)");
            }
            throw new CommandFailedException(dir + " is not a checkpoint repository (it has no REPO file); use --repo DIR or "
                    + ENV + " to name the right one");
        }
    }
}
