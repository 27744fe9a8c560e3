package org.vmckpt.cli;

import org.vmckpt.checkpoint.RestoreException;
import org.vmckpt.checkpoint.Restorer;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.MachineConfig;


/** {@code vmckpt restore CKPT}: continue a checkpointed VM in this process, with the terminal attached. */
final class RestoreCommand {
    static final OptionTable OPTIONS = OptionTable.of(
            Option.flag("lazy", "start the guest at once and load pages on first touch (the rest in the background)"),
            SessionOptions.REPO,
            Option.value("mem", "SIZE", "refuse to restore unless the checkpoint has this memory size"),
            SessionOptions.PAUSED,
            SessionOptions.NAME,
            SessionOptions.API_SOCKET,
            SessionOptions.CONSOLE,
            SessionOptions.EXIT_ON,
            SessionOptions.MAX_INSTRUCTIONS,
            SessionOptions.CHECKPOINT_EVERY,
            SessionOptions.KEEP_CHECKPOINTS,
            SessionOptions.KEEP_FOR_RESET,
            Option.flag("stats", "print restore time and run statistics on stderr"),
            SessionOptions.CPU,
            SessionOptions.REALTIME,
            SessionOptions.NET_RESTORE);

    static final String HELP = """
            Usage: vmckpt restore CHECKPOINT [OPTIONS]

            Continues the VM saved in CHECKPOINT (an id, a unique id prefix of 4+ digits, or a label) exactly where
            it was: its console continues on this terminal (Ctrl-A X quits), its timers fire, its disk holds what it
            wrote. The VM gets a control socket as `vmckpt run` does, under the name it was checkpointed with
            (unless --name gives another), so it can be controlled and checkpointed again.

            """.concat(OPTIONS.help());

    /** The pages an eager restore of {@code ckpt} puts on the heap: each one with data, and each disk overlay block. */
    static long pagesToLoad(Checkpoint ckpt) {
        long n = 0;
        for (org.vmckpt.checkpoint.store.Extent e : ckpt.pageExtents()) {
            switch (e.kind()) {
                case DATA, SOURCE, SOURCE_DELTA, DISK_BLOCK -> n += e.length();
                default -> { }
            }
        }
        for (org.vmckpt.checkpoint.store.Extent e : ckpt.diskExtents()) n += e.length();
        return n;
    }

    static int run(String[] argv) throws Exception {
        long t0 = System.nanoTime();
        Args a = OPTIONS.parse(argv, 1);
        if (a.has("help")) {
            System.out.print(HELP);
            return 0;
        }
        if (a.positional().size() != 1) throw new UsageException("vmckpt restore takes one checkpoint (see vmckpt ls)");
        // The command's steps before the restore, for --stats: options, repository, console, checkpoint (its manifest).
        long tOptions = System.nanoTime();
        Repository repo;
        ConsoleOutput console;
        Checkpoint ckpt;
        long tRepo, tConsole;
        repo = RepoLocation.openExisting(RepoLocation.resolve(a));
        tRepo = System.nanoTime();
        console = VmSession.console(a);
        tConsole = System.nanoTime();
        // A restore that fails leaves the repository's files as they were (round 80): the label index a look-up by
        // label finds out of date is written only once the restored VM's session is set up (VmSession.run).
        repo.holdLabelIndex();
        ckpt = repo.open(a.positional().get(0));
        long tOpen = System.nanoTime();
        Restorer.Restored restored;
        try {
            MachineConfig expected = null;
            if (a.has("mem")) {
                long mem = Args.parseMemorySize(a.get("mem"), "mem");
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
            if (RestorePrefault.isRunning()) RestorePrefault.expect(pagesToLoad(ckpt));
            restored = Restorer.restore(ckpt, expected, console, a.has("lazy"), null, a.get("net"));
        } catch (RestoreException e) {
            ckpt.close();
            throw new CommandFailedException("cannot restore: " + e.getMessage());
        }
        String prefault = RestorePrefault.stop();
        if (restored.lazy() != null) {
            org.vmckpt.checkpoint.LazyPages lp = restored.lazy();
            if (a.has("stats")) lp.measureFirstOutput();
            lp.startPrefetch(restored.machine(), e -> System.err.println("vmckpt: loading pages in the background stopped: "
                    + e.getMessage() + "; the guest reads the remaining pages when it touches them"),
                    !a.has("stats") ? null : () -> System.err.printf(
                    "vmckpt: lazy restore: every page in %.0f ms after the guest started: %s%n", lp.allLoadedNanos() / 1e6, lp.summary()));
            if (a.has("stats")) {
                console.onFirstLine(() -> {
                    lp.guestFirstOutput();
                    System.err.println("vmckpt: lazy restore: " + lp.firstOutputSummary());
                });
            }
        }
        Report report = null;
        if (a.has("stats")) {
            long restoredNanos = System.nanoTime();
            StartupTimes.restoredNanos = restoredNanos;
            // Written without a Formatter, whose first use in this JVM would come before the line (Units.millisOneDecimal).
            System.err.println("vmckpt: restored " + Units.shortId(restored.checkpointId()) + " in " + Units.millisOneDecimal(restored.loadNanos())
                    + " ms (" + Units.millisOneDecimal(restoredNanos - t0) + " ms since the command started)"
                    + (restored.lazy() != null ? ", " + restored.lazy().totalPages() + " pages to load lazily" : ""));
            // The rest of the report: printed before the guest runs, or beside it (VmSession.RESTORE_SESSION_BESIDE).
            report = new Report(restored, prefault, t0, tOptions, tRepo, tConsole, tOpen, restoredNanos);
            if (!VmSession.besideRestored(a)) {
                report.run();
                report = null;
            }
        }
        try {
            // Clone safety: this guest is one of possibly many from the checkpoint; give it fresh entropy.
            restored.machine().newGeneration();
            if (StartupTimes.restoredNanos != 0) StartupTimes.generationNanos = System.nanoTime();
            String savedName = ckpt.config().get(org.vmckpt.checkpoint.CheckpointEngine.NAME_KEY);
            return VmSession.runRestored(restored.machine(), a, console, repo, restored.checkpointId(),
                    savedName != null ? savedName : VmSession.DEFAULT_NAME, report != null ? report : NO_REPORT);
        } finally {
            ckpt.close();
        }
    }

    /** Without {@code --stats}: nothing to report (a restored VM is told apart by a non-null report). */
    private static final Runnable NO_REPORT = new Report(null, null, 0, 0, 0, 0, 0, 0);

    /**
     * {@code --stats}' report of a restore after its "restored" line: the time axis, the steps before the restore, the
     * phases. A class rather than a lambda: in the default order it runs before the guest's first instruction, where a
     * cold JVM's first lambda linkage costs milliseconds. A record (round 80): what it reports, and run(); its equals,
     * hashCode and toString (bound through invokedynamic at their first call) are never called (a restored VM's report
     * is told apart by identity and null, VmSession).
     */
    private record Report(Restorer.Restored restored, String prefault, long t0, long tOptions, long tRepo, long tConsole,
                          long tOpen, long restoredNanos) implements Runnable {
        @Override
        public void run() {
            if (restored == null) return;
            // The restore's time axis from the JVM's start. Its age is asked only now, after "restored" is printed: the
            // management beans cost milliseconds to load in a cold JVM, which every restore paid at its start before.
            long restoredAt = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (System.nanoTime() - restoredNanos) / 1_000_000;
            long jvmMillisAtStart = restoredAt - (restoredNanos - t0) / 1_000_000;
            System.err.printf("vmckpt: restore time axis: the command began %d ms after the JVM's start, the restore %d ms, restored at %d ms%n",
                    jvmMillisAtStart, restoredAt - restored.loadNanos() / 1_000_000, restoredAt);
            System.err.printf("vmckpt: before the restore: options %.1f ms, repository %.1f ms, console %.1f ms, checkpoint %.1f ms%n",
                    (tOptions - t0) / 1e6, (tRepo - tOptions) / 1e6, (tConsole - tRepo) / 1e6, (tOpen - tConsole) / 1e6);
            StringBuilder sb = new StringBuilder("vmckpt: restore phases:");
            restored.phaseNanos().forEach((k, v) -> sb.append(k.endsWith("items") ? String.format(" %s %d", k, v) : String.format(" %s %.1f ms", k, v / 1e6)));
            if (prefault != null) System.err.println("vmckpt: restore: " + prefault);
            String grown = HeapGrow.summary(); // VMCKPT_HEAP=grow, round 75
            if (grown != null) System.err.println("vmckpt: restore: " + grown);
            String warm = NativeMemory.warmSummary(); // -Dvmckpt.restore.warmMiB (the launcher's agent), round 70
            if (warm != null) System.err.println("vmckpt: restore: " + warm);
            System.err.println(sb);
            StartupTimes.statsPrintedNanos = System.nanoTime();
        }
    }
}
