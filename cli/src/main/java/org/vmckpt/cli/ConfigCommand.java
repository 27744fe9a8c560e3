package org.vmckpt.cli;

import org.vmckpt.checkpoint.RepositorySettings;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.RepositoryKey;


/** {@code vmckpt config}: show or set a repository's settings (compression of checkpoint pages). */
final class ConfigCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.value("compression", "zstd|none", "codec for page data (default zstd): zstd is smaller, none restores\n"
                    + "without decoding (see above)"),
            Option.value("level", "N", "zstd level, -7 (fastest) .. 22 (smallest); default 3"),
            Option.flag("encrypt", "encrypt every checkpoint taken from now on (AES-256-GCM) with the key in\n"
                    + "--key-file FILE (32 bytes, or 64 hex digits; make one with\n"
                    + "head -c 32 /dev/urandom > FILE). The key is never stored in the repository;\n"
                    + "give it to later commands as VMCKPT_KEY_FILE=FILE. Checkpoints already\n"
                    + "there stay readable. There is no way back, and no way in without the key."),
            Option.value("key-file", "FILE", "the key for --encrypt"),
            Option.flag("json", "print {\"repository\", \"compression\", \"level\", \"encrypted\"}"));

    static final String HELP = """
            Usage: vmckpt config [--repo DIR] [--compression zstd|none] [--level N] [--encrypt --key-file FILE]

            Shows the repository's settings, or changes them. Checkpoints taken into the repository compress
            their pages this way unless the checkpoint request says otherwise (vmckpt checkpoint --baseline is
            always uncompressed). Creates the repository if it does not exist yet.

            Compression trades size against restore speed. zstd (the default) stores compressible memory
            several times smaller, and a restore spends CPU decoding it: about 1 GB/s a core for memory that
            compresses finely (arrays of counters, words in small steps). none stores pages as they are:
            checkpoints as large as the memory they hold, restores that decode nothing. Example, a 1 GiB
            guest with 326 MB of such pages: 54 MB and 755 ms to restore with zstd, 326 MB and 613 ms with
            none (medians; memory that does not compress costs the same either way).

            """.concat(OPTIONS.help());

    static int run(String[] argv) throws Exception {
        Args a = OPTIONS.parse(argv, 1);
        if (a.has("help")) {
            System.out.print(HELP);
            return 0;
        }
        if (!a.positional().isEmpty()) throw new UsageException("vmckpt config takes no positional arguments");
        if (a.has("encrypt") != a.has("key-file")) throw new UsageException("--encrypt needs --key-file FILE (and --key-file is only for --encrypt)");
        Repository repo;
        if (a.has("encrypt")) {
            RepositoryKey key;
            try {
                key = RepositoryKey.fromFile(java.nio.file.Path.of(a.get("key-file")));
            } catch (java.io.IOException e) {
                throw new UsageException("--key-file: " + e.getMessage());
            }
            repo = Repository.openWithKey(RepoLocation.resolve(a), true, key);
            repo.enableEncryption(key);
        } else {
            repo = Repository.open(RepoLocation.resolve(a), true);
        }
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
                    + "\", \"compression\": \"" + s.codec().name().toLowerCase() + "\", \"level\": " + s.level()
                    + ", \"encrypted\": " + repo.encrypted() + "}");
        } else {
            System.out.println("repository  " + repo.dir());
            System.out.println("compression " + s.codec().name().toLowerCase() + (s.codec() == Codec.ZSTD ? " level " + s.level() : ""));
            System.out.println("encryption  " + (repo.encrypted() ? "AES-256-GCM (key given: " + (repo.hasKey() ? "yes" : "no, VMCKPT_KEY_FILE is not set") + ")" : "none"));
        }
        return 0;
    }
}
