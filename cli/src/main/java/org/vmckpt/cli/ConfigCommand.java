package org.vmckpt.cli;

import org.vmckpt.checkpoint.RepositorySettings;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Repository;

import java.util.Set;

/** {@code vmckpt config}: show or set a repository's settings (compression of checkpoint pages). */
final class ConfigCommand {
    static final String HELP = """
            Usage: vmckpt config [--repo DIR] [--compression zstd|none] [--level N]

            Shows the repository's settings, or changes them. Checkpoints taken into the repository compress
            their pages this way unless the checkpoint request says otherwise (the --baseline checkpoint is
            always uncompressed). Creates the repository if it does not exist yet.

              --compression zstd|none   codec for page data (default zstd)
              --level N                 zstd level, -7 (fastest) .. 22 (smallest); default 1
            """;

    static int run(String[] argv) throws Exception {
        Args a = Args.parse(argv, 1, Set.of("repo", "compression", "level"), Set.of("help", "json"));
        if (a.has("help")) {
            System.out.print(HELP);
            return 0;
        }
        if (!a.positional().isEmpty()) throw new UsageException("vmckpt config takes no positional arguments");
        Repository repo = Repository.open(RepoLocation.resolve(a), true);
        RepositorySettings s = RepositorySettings.load(repo);
        if (a.has("compression") || a.has("level")) {
            Codec codec = s.codec();
            if (a.has("compression")) {
                String c = a.get("compression").toLowerCase();
                if (c.equals("zstd")) codec = Codec.ZSTD;
                else if (c.equals("none")) codec = Codec.NONE;
                else throw new UsageException("--compression: '" + a.get("compression") + "' is not zstd or none");
            }
            int level = s.level();
            if (a.has("level")) {
                try {
                    level = Integer.parseInt(a.get("level"));
                } catch (NumberFormatException e) {
                    throw new UsageException("--level: '" + a.get("level") + "' is not a number");
                }
            }
            try {
                s = new RepositorySettings(codec, level);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            s.save(repo);
        }
        if (a.has("json")) {
            System.out.println("{\"repository\": \"" + repo.dir().toString().replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\", \"compression\": \"" + s.codec().name().toLowerCase() + "\", \"level\": " + s.level() + "}");
        } else {
            System.out.println("repository  " + repo.dir());
            System.out.println("compression " + s.codec().name().toLowerCase() + (s.codec() == Codec.ZSTD ? " level " + s.level() : ""));
        }
        return 0;
    }
}
