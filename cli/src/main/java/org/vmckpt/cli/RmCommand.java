package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.Json;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code vmckpt rm CKPT...}: deletes checkpoints (their space is freed by {@code vmckpt gc}). */
public final class RmCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            SessionOptions.REPO,
            Option.flag("json", "print {\"deleted\": [ids]}"));
    static final String HELP = """
            Usage: vmckpt rm CKPT... [--repo DIR] [--json]

            Deletes checkpoints. Deleting one never harms another: an incremental checkpoint restores without
            its parent. The page data they alone used stays on disk until 'vmckpt gc'.
            Every CKPT is checked first; if one does not name a checkpoint, nothing is deleted.

            CKPT is a checkpoint id (also of an unreadable one, as 'vmckpt ls' shows it), a unique id prefix
            of 4 or more hex digits, or a label.

            Options:
            """.concat(OPTIONS.help());

    private RmCommand() {
    }

    public static int run(String[] argv, CommandOutput io) {
        return CommandErrors.run("rm", argv, io, () -> {
            Args a = OPTIONS.parse(argv, 1);
            if (a.has("help")) {
                io.out().print(HELP);
                return 0;
            }
            if (a.positional().isEmpty()) throw new UsageException("which checkpoints? give ids, prefixes or labels");
            Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
            Set<String> ids = new LinkedHashSet<>();
            for (String ref : a.positional()) ids.add(repo.resolve(ref));
            Map<String, String> labels = new HashMap<>();
            for (CheckpointInfo i : repo.list()) if (i.label() != null) labels.put(i.id(), i.label());
            List<Object> deleted = new ArrayList<>();
            for (String id : ids) {
                repo.delete(id);
                deleted.add(id);
                if (!a.has("json")) {
                    io.out().println("deleted " + id + (labels.containsKey(id) ? "  \"" + labels.get(id) + "\"" : ""));
                }
            }
            if (a.has("json")) {
                Map<String, Object> out = new LinkedHashMap<>();
                out.put("deleted", deleted);
                io.out().println(Json.write(out));
            } else {
                io.out().println("run 'vmckpt gc' to free the space they alone used");
            }
            return 0;
        });
    }
}
