package org.vmckpt.cli;

import org.vmckpt.checkpoint.RestoreException;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.MachineConfig;

import java.util.Set;

/** {@code vmckpt restore CKPT}: continue a checkpointed VM in this process, with the terminal attached. */
final class RestoreCommand {
    static final String HELP = """
            Usage: vmckpt restore CHECKPOINT [OPTIONS]

            Continues the VM saved in CHECKPOINT (an id, a unique id prefix of 4+ digits, or a label) exactly where
            it was: its console continues on this terminal (Ctrl-A X quits), its timers fire, its disk holds what it
            wrote. The VM gets a control socket as `vmckpt run` does, so it can be checkpointed again.

              --lazy               start the guest at once and load pages on first touch (the rest in the background)
              --repo DIR           repository (default ~/.local/share/vmckpt/repo, or $VMCKPT_REPO)
              --mem SIZE           refuse to restore unless the checkpoint has this memory size
              --console stdio|FILE where the serial console goes
              --exit-on TEXT       end (status 0) when the console prints TEXT
              --max-instructions N stop after N more instructions (status 3)
              --name NAME / --api-socket PATH   control socket, as for vmckpt run
              --checkpoint-every T periodic live incremental checkpoints, as for vmckpt run
              --keep-for-reset     as for vmckpt run: fast resets to this VM's last checkpoint
              --stats              print restore time and run statistics on stderr
              --cpu jit|interp     as for vmckpt run: translate hot guest code (default) or only interpret
              --net SPEC           the network's host side for a VM that has one (default: what it was saved with,
                                   so its hostfwd ports are listened on again); same syntax as vmckpt run --net.
                                   The guest's TCP connections of the old process are reset (RST); new ones work.
            """;

    static final Set<String> VALUES = Set.of("repo", "mem", "console", "exit-on", "max-instructions", "name", "api-socket", "checkpoint-every", "cpu", "net");
    static final Set<String> FLAGS = Set.of("lazy", "stats", "help", "keep-for-reset");

    static int run(String[] argv) throws Exception {
        long t0 = System.nanoTime();
        Args a = Args.parse(argv, 1, VALUES, FLAGS);
        if (a.has("help")) {
            System.out.print(HELP);
            return 0;
        }
        if (a.positional().size() != 1) throw new UsageException("vmckpt restore takes one checkpoint (see vmckpt ls)");
        Repository repo = RepoLocation.openExisting(RepoLocation.resolve(a));
        ConsoleOutput console = VmSession.console(a);
        Restorer.Restored restored;
        Checkpoint ckpt = repo.open(a.positional().get(0));
        try {
            MachineConfig expected = null;
            if (a.has("mem")) {
                long mem = Args.parseSize(a.get("mem"), "mem");
                String saved = ckpt.config().get("memory");
                if (saved != null && !saved.equals(Long.toString(mem))) {
                    throw new UsageException("checkpoint " + Units.shortId(ckpt.id()) + " is of a machine with " + Units.bytes(Long.parseLong(saved))
                            + " of memory, not " + Units.bytes(mem) + "; a checkpoint restores only onto the machine it was taken on");
                }
            }
            if (a.has("net") && !ckpt.config().containsKey("net")) {
                throw new UsageException("checkpoint " + Units.shortId(ckpt.id()) + " is of a machine without a network: drop --net");
            }
            if (a.has("net")) {
                try {
                    org.vmckpt.machine.net.NetSpec.parse(a.get("net"));
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
            }
            restored = Restorer.restore(ckpt, expected, console, a.has("lazy"), null, a.get("net"));
        } catch (RestoreException e) {
            ckpt.close();
            throw new CommandFailedException("cannot restore: " + e.getMessage());
        }
        if (restored.lazy() != null) restored.lazy().startPrefetch(restored.machine());
        if (a.has("stats")) {
            System.err.printf("vmckpt: restored %s in %.1f ms (%.1f ms since the command started)%s%n", Units.shortId(restored.checkpointId()),
                    restored.loadNanos() / 1e6, (System.nanoTime() - t0) / 1e6,
                    restored.lazy() != null ? ", " + restored.lazy().totalPages() + " pages to load lazily" : "");
            StringBuilder sb = new StringBuilder("vmckpt: restore phases:");
            restored.phaseNanos().forEach((k, v) -> sb.append(String.format(" %s %.1f ms", k, v / 1e6)));
            System.err.println(sb);
        }
        try {
            // Clone safety: this guest is one of possibly many from the checkpoint; give it fresh entropy.
            restored.machine().newGeneration();
            return VmSession.run(restored.machine(), a, console, repo, restored.checkpointId());
        } finally {
            ckpt.close();
        }
    }
}
