package org.vmckpt.cli;

import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.migration.MigrationDestination;
import org.vmckpt.checkpoint.migration.PostCopyPages;
import org.vmckpt.checkpoint.migration.StandbyThread;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.cli.qmp.CheckpointResult;
import org.vmckpt.cli.qmp.QmpServer;
import org.vmckpt.machine.Machine;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * What `vmckpt run` and `vmckpt restore` share once they have a machine: the console, the terminal, the
 * control socket, periodic checkpoints, and the exit status.
 */
final class VmSession {
    private VmSession() { }

    /** The name a VM has when neither --name nor its checkpoint gives one. */
    static final String DEFAULT_NAME = "vm";

    /** The console output for the options (--console, --exit-on). */
    static ConsoleOutput console(Args a) throws IOException {
        String target = a.get("console", "stdio");
        OutputStream out = target.equals("stdio") ? new FileOutputStream(java.io.FileDescriptor.out)
                : Files.newOutputStream(Path.of(target));
        return new ConsoleOutput(out, a.get("exit-on"));
    }

    static Repository repository(Args a) throws IOException {
        return Repository.open(RepoLocation.resolve(a), true);
    }

    /** How long the end of a VM waits for a checkpoint in progress to be committed. */
    static final long CHECKPOINT_GRACE_MILLIS = 60_000;

    /**
     * Runs the machine until it ends; returns the process exit status. The VM is called --name if given, else
     * {@code defaultName} (a restored VM keeps the name it was checkpointed under).
     */
    static int run(Machine machine, Args a, ConsoleOutput console, Repository repo, String parentId, String defaultName) throws Exception {
        return run(machine, a, console, repo, parentId, defaultName, null, null, null, null);
    }

    /**
     * Copy-on-write spares a source fills at start: 16,384 (64 MiB, as many as guest memory's ring holds; at most the
     * guest's pages). Nothing is handed back before round 1 re-sends a page, so round 0's copies and the first re-sent
     * round's come from these: memdirty (256 MiB at 10%/s, 6,500 pages a second) copied 30-42 thousand pages in 5.6-8.3 s
     * migrations at load 14, of which 14-23 thousand were new arrays with 8,192 spares, and each young collection then
     * promoted 7-11 MiB of them into the old generation: the source's long collections during the rounds
     * (docs/BENCHMARKS.md run 30). {@code -Dvmckpt.migration.sparePages=N} sets another count (A/B measurements).
     */
    static final int MIGRATION_SPARE_PAGES = Integer.getInteger("vmckpt.migration.sparePages", 16384);

    /** Fills {@code memory}'s copy-on-write spares for a migration ({@link #MIGRATION_SPARE_PAGES}, at most its ring's capacity). */
    static void fillMigrationSpares(org.vmckpt.machine.memory.GuestMemory memory) {
        memory.spares().fill(MIGRATION_SPARE_PAGES);
    }

    /** A system property that turns the source's heap prefault off (A/B measurements: docs/BENCHMARKS.md run 21). */
    static final String NO_SOURCE_PREFAULT = "vmckpt.migration.noSourcePrefault";

    /**
     * As above, for a VM that arrived by migration, with the checkpoint engine the destination built for it while
     * it waited (its start-up is then not part of the guest's stall); {@code incoming} (post-copy): its pages still
     * arrive from {@code peer}; {@code migrated} (null if not migrated) says when GO arrived and on which thread to
     * set up the session beside the guest.
     */
    static int run(Machine machine, Args a, ConsoleOutput console, Repository repo, String parentId, String defaultName,
                   PostCopyPages incoming, String peer, CheckpointEngine builtEngine, Migrated migrated) throws Exception {
        return run(machine, a, console, repo, parentId, defaultName, incoming, peer, builtEngine, migrated, null);
    }

    /**
     * {@code -Dvmckpt.restore.sessionBeside=true|eager} (round 78; {@code =eager} by default since round 79, {@code =false}
     * turns it off): a restored guest runs as soon as it has its
     * new generation, and its session (the checkpoint engine with its warm-up captures, the control socket, console input,
     * periodic checkpoints, the old generation's prefault, and {@code --stats}' report of the restore) is set up on a
     * thread beside it, as a migration's destination does. Without it they all come between "restored" and the guest's
     * first instruction: 174-316 ms in a cold JVM at load 8-9 (round 78, docs/BENCHMARKS.md), through which a restored
     * guest cannot run. Not for {@code --paused} (nothing runs anyway) or a VM expected to migrate ({@code --tls-creds},
     * {@code --insecure}: their spares and prefault come before the guest). Round 79: what can refuse the command (the
     * control socket's path and bind, {@code --checkpoint-every}) still comes before the guest's first instruction, with
     * the same message and status ({@link #bindControl}); a failure of what is beside stops the guest and fails the
     * command naming the step ({@link RestoredSessionSetup#commandError}).
     * {@code =eager}: for eager restores only (a lazy one as without it). Measured (round 78's quiet slot, with
     * {@code -Dvmckpt.genid.urandom=true}): eager, "restored" to the first heartbeat lower than main's in 12 of 12 pairs
     * (medians 91 against 167 ms); lazy, the first heartbeat sooner (11 of 12) but the longest heartbeat gap in the next
     * 3 s longer (lower in 3 of 12, medians 147 against 105 ms, two over twice the period): the guest then runs while
     * more of its pages are still on their way.
     */
    static final String RESTORE_SESSION_BESIDE = System.getProperty("vmckpt.restore.sessionBeside", "eager");

    /** A test's fault injection for the session beside a restored guest (RestoredSessionSetup): the step that throws, or null. */
    static final String BESIDE_FAULT = System.getProperty("vmckpt.restore.besideFault");

    /**
     * A restored VM; {@code report}: what is left of {@code --stats}' report of the restore (a no-op if nothing), printed beside
     * the guest with {@link #RESTORE_SESSION_BESIDE} (the caller prints it before, without).
     */
    static int runRestored(Machine machine, Args a, ConsoleOutput console, Repository repo, String parentId, String defaultName,
                           Runnable report) throws Exception {
        return run(machine, a, console, repo, parentId, defaultName, null, null, null, null, report);
    }

    /** Whether a restored VM started with {@code a} gets its session beside the running guest ({@link #RESTORE_SESSION_BESIDE}). */
    static boolean besideRestored(Args a) {
        return besideRestored(a.has("lazy"), a.has("paused"), a.has("tls-creds") || a.has("insecure"));
    }

    /**
     * As {@link #besideRestored(Args)}, from the restore command's words (Main's preload, before the options are parsed:
     * a wrong guess only warms classes or not).
     */
    static boolean besideRestored(java.util.List<String> argv) {
        return besideRestored(word(argv, "--lazy"), word(argv, "--paused"), word(argv, "--tls-creds") || word(argv, "--insecure"));
    }

    private static boolean word(java.util.List<String> argv, String option) {
        for (String w : argv) {
            if (w.equals(option) || w.startsWith(option + "=")) return true;
        }
        return false;
    }

    private static boolean besideRestored(boolean lazy, boolean paused, boolean migrates) {
        // -Dvmckpt.restore.lazyAhead (round 80, on by default): a lazy restore's guest waits for its reference pages before its
        // first instruction, so =eager's beside form serves it too (=false still turns the form off for both).
        boolean on = RESTORE_SESSION_BESIDE.equalsIgnoreCase("true")
                || (RESTORE_SESSION_BESIDE.equalsIgnoreCase("eager") && (!lazy || org.vmckpt.checkpoint.LazyPages.loadsReferencesAhead()));
        return on && !paused && !migrates;
    }

    /** {@code restoredReport}: non-null for a restored VM only (a no-op when there is nothing to report). */
    private static int run(Machine machine, Args a, ConsoleOutput console, Repository repo, String parentId, String defaultName,
                           PostCopyPages incoming, String peer, CheckpointEngine builtEngine, Migrated migrated,
                           Runnable restoredReport) throws Exception {
        String cpu = a.get("cpu", "jit");
        if (!cpu.equals("jit") && !cpu.equals("interp")) {
            throw new UsageException("--cpu takes jit (translate hot code, the default) or interp (interpreter only), not '" + cpu + "'");
        }
        machine.hart(0).setTranslation(cpu.equals("jit"));
        String name = a.get("name", defaultName);
        boolean beside = restoredReport != null && migrated == null && incoming == null && builtEngine == null && besideRestored(a);
        CheckpointEngine engine = beside ? null : builtEngine != null ? builtEngine : new CheckpointEngine(machine, repo, parentId);
        if (engine != null) configure(engine, a, name);
        if (a.has("exit-on")) console.onMarker(() -> machine.requestExit(0));
        // (-Dvmckpt.stats.markPrefix: the guest's instruction count at its marker lines, a diagnostic for per-phase counts)
        // (round 78: with times since the guest's first instruction here, MarkTimes)
        MarkTimes marks = ConsoleOutput.MARK_PREFIX != null ? new MarkTimes(machine) : null;
        if (marks != null) console.watchMarkLines(l -> System.err.println(marks.describe(l)));
        if (a.has("paused")) machine.requestPause(); // the run loop starts paused; QMP cont (vmckpt resume) starts it
        long maxInstructions = a.has("max-instructions") ? parseCount(a.get("max-instructions"), "max-instructions") : -1;
        if (a.has("keep-checkpoints")) {
            if (!a.has("checkpoint-every")) {
                throw new UsageException("--keep-checkpoints limits the series --checkpoint-every takes: give --checkpoint-every T too");
            }
            if (parseCount(a.get("keep-checkpoints"), "keep-checkpoints") > Integer.MAX_VALUE) {
                throw new UsageException("--keep-checkpoints: '" + a.get("keep-checkpoints") + "' is too large");
            }
        }
        // A migrated guest is stalled until it runs here: it starts at once, and its control socket, periodic
        // checkpoints and console input are set up beside it (cold, before the guest ran, they took 30-40 ms after GO:
        // docs/MIGRATION.md). Any other VM gets them first, so that a socket it cannot open stops it before it runs.
        CompletableFuture<Control> control;
        CompletableFuture<Long> started = new CompletableFuture<>();
        RestoredSessionSetup besideSetup = null;
        if (beside) {
            // The restored guest first; its session on a thread of its own once it runs (RESTORE_SESSION_BESIDE). What
            // can refuse the command on the user's input comes first, before the guest's first instruction, with the
            // error it gives without the switch (round 79): the control socket's path, its directory, its bind (the
            // kernel queues clients until the session serves it), --checkpoint-every's duration.
            if (a.has("checkpoint-every")) Args.parseDurationMillis(a.get("checkpoint-every"), "checkpoint-every");
            QmpServer.Bound bound = bindControl(a, name);
            if (StartupTimes.restoredNanos != 0) StartupTimes.socketBoundNanos = System.nanoTime();
            control = new CompletableFuture<>();
            besideSetup = new RestoredSessionSetup(machine, a, console, repo, parentId, name, restoredReport, control, started, bound);
            Thread t = new Thread(besideSetup, "vmckpt-session");
            t.setDaemon(true);
            t.start();
        } else if (migrated == null) {
            // A VM started with migration credentials (or --insecure) is expected to migrate: copy-on-write spares for
            // its migration's rounds, allocated now so that the collector promotes them while it boots (SparePages).
            // And heap faulted in, so that its young collections during a migration promote into mapped memory (HeapPrefault).
            if (a.has("tls-creds") || a.has("insecure")) {
                fillMigrationSpares(machine.memory());
                if (!Boolean.getBoolean(NO_SOURCE_PREFAULT)) HeapPrefault.forSource(machine.config().memoryBytes());
            }
            // The old generation's memory above its top faulted in ahead of the young collections that promote into it,
            // on a thread beside the guest, from the guest's first idle (OldGenPrefault;
            // -Dvmckpt.prefault.aheadMiB=0 turns it off).
            OldGenPrefault.startIfEnabled(machine);
            control = CompletableFuture.completedFuture(openControl(machine, a, console, repo, engine, name, incoming, peer, null));
            // What its migration would allocate as it starts (frame encoders, digest, table of copies sent), made now for
            // the same reason as the spares (SourceParts).
            if (a.has("tls-creds") || a.has("insecure")) control.join().controller().migration().prepareSource();
            StartupTimes.mark(StartupTimes.CONTROL);
        } else {
            control = new CompletableFuture<>();
            // Handed over once the guest's clock runs: waking the thread before, and linking a lambda here on a cold
            // JVM, put the guest's first instruction 3-8 ms later at load 12 (run 11, docs/MIGRATION.md).
            migrated.sessionThread().runWhenStarted(machine, new MigratedSessionSetup(machine, a, console, repo, engine, name, incoming,
                    peer, migrated, control, started));
        }
        // Past everything that can refuse the command: a restore's label index, held since its look-up, is written
        // (Repository.holdLabelIndex; beside the guest, by its session once set up). A no-op for any other VM.
        if (besideSetup == null && repo != null) repo.writeHeldLabelIndex();
        long t0 = System.nanoTime();
        // The run thread's CPU time, for --stats only (the management beans cost milliseconds to load, cold).
        // (Beside a restored guest, the session's thread reads them once the guest runs: RestoredSessionSetup.readStatsBase.)
        java.lang.management.ThreadMXBean threads = a.has("stats") && !beside ? java.lang.management.ManagementFactory.getThreadMXBean() : null;
        long cpu0 = threads != null ? threads.getCurrentThreadCpuTime() : 0;
        // The JVM's start (milliseconds) to here, the guest's first instruction: the start-up a boot's wall time includes.
        long startMillis = threads != null ? java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() : 0;
        if (threads != null) StartupTimes.beansNanos = System.nanoTime();
        long runCpu = 0;
        Integer status;
        try {
            Thread.currentThread().setPriority(Thread.MAX_PRIORITY); // the guest's CPU comes first (see FrameCompressor)
            // ... but for a booting guest, the JIT's compiles come before it until it first idles (CompilerPriority).
            if (parentId == null && migrated == null && incoming == null && cpu.equals("jit")) CompilerPriority.startIfEnabled(machine::hasIdled);
            // --realtime: no thread of normal policy delays the guest's once it is runnable (RealtimeThread).
            if (a.has("realtime")) {
                String refused = RealtimeThread.enter();
                if (refused != null) System.err.println("vmckpt: warning: --realtime: the guest's CPU thread keeps the normal policy: " + refused);
            }
            org.vmckpt.machine.cpu.JitCounts.startIfEnabled(machine.hart(0)); // (-Dvmckpt.jit.counts: a tuning aid, off)
            StartupTimes.mark(StartupTimes.FIRST_INSTRUCTION);
            if (marks != null) marks.firstInstruction();
            started.complete(System.nanoTime());
            status = machine.run(maxInstructions);
            if (threads != null) runCpu = threads.getCurrentThreadCpuTime() - cpu0;
            if (besideSetup != null && a.has("stats")) {
                control.join(); // (the base is read before the session completes it)
                if (besideSetup.threads != null) {
                    runCpu = besideSetup.threads.getCurrentThreadCpuTime() - besideSetup.cpu0;
                    startMillis = besideSetup.startMillis;
                }
            }
        } finally {
            if (!started.isDone()) started.complete(System.nanoTime()); // (the guest never ran: a session beside it ends at once)
            Control c = control.join();
            if (c != null) c.terminal().close();
            // No new periodic checkpoint; one being written is not interrupted (that would lose it): it is awaited below.
            if (c != null && c.periodic() != null) c.periodic().shutdown();
            console.close();
            if (c != null) {
                c.qmp().unlinkSocketFile(); // before SHUTDOWN: whoever waits for it may start a VM of this name at once
                c.controller().guestShutdown(0);
                // A checkpoint still being written (quit arrived meanwhile) finishes from the frozen state, and its
                // requester gets the real reply; past the bound it gets an error as the socket closes (QmpServer.close).
                if (!c.controller().awaitCheckpointEnd(CHECKPOINT_GRACE_MILLIS)) {
                    System.err.println("vmckpt: a checkpoint was still being written when the VM stopped; it is abandoned (nothing was committed)");
                }
                c.qmp().close();
            }
            machine.virtio().close();
        }
        long wall = System.nanoTime() - t0;
        // A session beside the guest that could not be set up stopped the VM: the command fails as it would have before.
        if (besideSetup != null && besideSetup.failure != null) throw besideSetup.commandError(machine.hart(0).instret);
        if (a.has("stats")) {
            long n = machine.hart(0).instret;
            System.err.printf("vmckpt: %,d instructions in %.2f s (%.1f MIPS, %.2f s idle)%s%n", n, wall / 1e9,
                    n / Math.max(1, (wall - machine.idleNanos()) / 1e3), machine.idleNanos() / 1e9,
                    console.markerSeenNanos() > 0 ? String.format("; marker after %.2f s", (console.markerSeenNanos() - t0) / 1e9) : "");
            // When host work that waits for the guest's first idle could start (the page sources, by default), and
            // how long the guest waited for interrupts in all (Machine.waitedNanos).
            System.err.printf("vmckpt: the guest %s; it waited for interrupts %.3f s in all%n", machine.firstIdleNanos() == 0
                    ? "never idled" : String.format("first idled %.2f s after the run started", (machine.firstIdleNanos() - t0) / 1e9),
                    machine.waitedNanos() / 1e9);
            // CPU time of the guest's thread alone: steadier than wall time on a shared machine (no JIT compiler threads).
            System.err.printf("vmckpt: run thread CPU %.2f s (%.1f MIPS per CPU second); the first instruction %.2f s after the JVM started%n",
                    runCpu / 1e9, n / Math.max(1, runCpu / 1e3), startMillis / 1e3);
            double mainToFirst = StartupTimes.mainToFirstInstructionMillis();
            if (mainToFirst > 0) System.err.println("vmckpt: start-up: " + StartupTimes.describe(startMillis - mainToFirst));
            org.vmckpt.machine.cpu.CodeCache.Stats t = machine.hart(0).translationStats();
            if (t != null) {
                System.err.printf("vmckpt: translator: %.1f%% of instructions run translated; %,d units built (%,d across two pages; %,d live, %,d guest"
                                + " instructions, %,d KiB bytecode; %.2f s translating on the run thread, %.2f s on the translator thread, %,d built stale and dropped, %,d not queued),"
                                + " %,d unit runs (%,d chained), %,d code pages invalidated, %,d flushes, %,d device/code-write deferrals;"
                                + " hot tier (C2): %,d units promoted, %,d builds dropped, %,d built, %,d waiting (%,d with compiled code), %,d instructions run in live hot units, %,d queued for tier 3 after looks found no code%n",
                        100.0 * t.translatedInstructionsRun() / Math.max(1, n), t.unitsTranslated(), t.crossPageUnits(), t.liveUnits(), t.liveInstructions(),
                        t.bytecodeBytes() >> 10, t.translationNanos() / 1e9, t.backgroundNanos() / 1e9, t.staleDropped(), t.queueFull(),
                        t.unitRuns(), t.chainedRuns(), t.invalidations(), t.flushes(), t.deferrals(), t.promotions(), t.promotionsDropped(),
                        t.hotBuilds(), t.hotWaiting(), t.hotWaitingCompiled(), t.hotInstructionsRun(), t.hotRequested());
                System.err.printf("vmckpt: translator: %s%s; %,d batches ended before a unit that did not fit%n", org.vmckpt.machine.cpu.HotSpotCompiler.describe(),
                        t.compileRefused() > 0 ? String.format("; C1 refused %,d units (left to the interpreter)", t.compileRefused()) : "",
                        t.batchesEndedBeforeUnit());
                String leaves = machine.hart(0).missLeaveSummary();
                if (leaves != null) System.err.print("vmckpt: translator: " + leaves);
                String profile = machine.hart(0).translationProfile();
                if (profile != null) System.err.print("vmckpt: translator profile: " + profile);
            } else {
                System.err.println("vmckpt: translator off (--cpu interp)");
            }
            System.err.print("vmckpt: TLB: " + machine.hart(0).tlbSummary());
            String stops = machine.hart(0).interpreterStops();
            if (stops != null) System.err.print("vmckpt: interpreter's fast loop stops: " + stops);
        }
        if (status == null) {
            System.err.println("vmckpt: stopped after --max-instructions " + maxInstructions);
            return 3;
        }
        if (status == Machine.REBOOT_EXIT) {
            System.err.println("vmckpt: the guest asked for a reboot; exiting (run again to boot anew)");
            return 4;
        }
        if (status != 0) System.err.println("vmckpt: the guest powered off with failure status " + status);
        return status;
    }

    /**
     * A guest that arrived by migration (its switch-over's times: GO's arrival, System.nanoTime, is the reference for
     * the guest's first instruction), and the thread (started before GO) that sets up its session beside it.
     */
    record Migrated(MigrationDestination.Incoming incoming, StandbyThread sessionThread) {
        long goNanos() {
            return incoming.times().goNanos();
        }

        /** The log's note, made on the session's thread (a cold JVM's first string formatting costs milliseconds). */
        String note() {
            return "vmckpt: migration from " + incoming.peer() + " received (" + incoming.mode().label() + "); the guest runs here now"
                    + (incoming.postCopy() != null ? ", its remaining memory streams in" : "") + " (switch-over here: " + incoming.times().describe() + ")";
        }
    }

    /**
     * A migrated guest's session, set up on its own thread beside the guest: the control socket, periodic checkpoints,
     * console input, then the log's notes. A class of its own, loaded while the destination waits
     * ({@link #prepareForMigration}), rather than a lambda linked on its first use after GO.
     */
    private record MigratedSessionSetup(Machine machine, Args a, ConsoleOutput console, Repository repo, CheckpointEngine engine,
                                        String name, PostCopyPages incoming, String peer, Migrated migrated,
                                        CompletableFuture<Control> control, CompletableFuture<Long> started) implements Runnable {
        @Override
        public void run() {
            try {
                control.complete(openControl(machine, a, console, repo, engine, name, incoming, peer, null));
            } catch (Exception | Error e) {
                System.err.println("\r\nvmckpt: " + CommandErrors.describe(e instanceof Exception x ? x : new RuntimeException(e))
                        + "; the migrated guest runs on without it (quit with Ctrl-A X)\r");
                control.complete(null);
            }
            System.err.println(migrated.note());
            long first = started.join();
            // The stamps on the host's monotonic clock (System.nanoTime, shared by every process on the host), for
            // a benchmark to lay beside the source's pause and the guest's output.
            System.err.printf("vmckpt: the guest starts here %.1f ms after GO (monotonic ns: GO received %d, guest started %d)%n",
                    (first - migrated.goNanos()) / 1e6, migrated.goNanos(), first);
            // Past the memory HeapPrefault touched before the stream came, the migrated VM's collections promote into
            // fresh memory like any VM's: the same prefault as a started VM's, from its first idle.
            OldGenPrefault.startIfEnabled(machine);
        }
    }

    private static void configure(CheckpointEngine engine, Args a, String name) {
        StartupTimes.mark(StartupTimes.ENGINE);
        engine.setRetainForReset(a.has("keep-for-reset"));
        engine.setVmName(name);
        // The guest's thread under SCHED_FIFO for each capture only (CaptureRealtime, on by default since round 68; as
        // root); a --realtime VM is real-time already.
        if (!a.has("realtime")) engine.setCapturePriority(CaptureRealtime.ifEnabled());
    }

    /**
     * A restored guest's session, set up beside it once it runs ({@link #RESTORE_SESSION_BESIDE}): {@code --stats}' report,
     * the checkpoint engine, the control socket's service (bound before the guest ran: {@link #bindControl}), console input
     * and periodic checkpoints, then the old generation's prefault. If any of it fails the guest is stopped at an
     * instruction boundary, the bound socket closed and removed, and {@link #failure} says which step failed and why; no
     * checkpoint is taken (periodic ones are scheduled by the last step only).
     * {@code -Dvmckpt.restore.besideFault=report|engine|control} (a test's fault injection, round 79): that step throws.
     */
    private static final class RestoredSessionSetup implements Runnable {
        private final Machine machine;
        private final Args a;
        private final ConsoleOutput console;
        private final Repository repo;
        private final String parentId, name;
        private final Runnable report;
        private final CompletableFuture<Control> control;
        private final CompletableFuture<Long> started;
        /** Why the session could not be set up (the VM was stopped), or null; read after the run loop ended. */
        volatile Exception failure;
        /** The step that failed ({@link #failure}): "--stats' report", "checkpoint engine" or "control socket". */
        volatile String failedStep;
        /** The socket bound before the guest ran; served by the last step, closed if an earlier one fails. */
        private final QmpServer.Bound bound;
        /**
         * {@code --stats}: the run thread's CPU time and the JVM's uptime at the guest's first instruction, read here after it
         * (the management beans' first load cost 31 ms on the guest's way at load 7): the CPU base a few ms late, so the
         * report's run thread CPU leaves out the guest's first moments. Written before {@link #control} is completed.
         */
        java.lang.management.ThreadMXBean threads;
        long cpu0, startMillis;
        private final long runThreadId = Thread.currentThread().getId();

        RestoredSessionSetup(Machine machine, Args a, ConsoleOutput console, Repository repo, String parentId, String name,
                             Runnable report, CompletableFuture<Control> control, CompletableFuture<Long> started, QmpServer.Bound bound) {
            this.bound = bound;
            this.machine = machine;
            this.a = a;
            this.console = console;
            this.repo = repo;
            this.parentId = parentId;
            this.name = name;
            this.report = report;
            this.control = control;
            this.started = started;
        }

        @Override
        public void run() {
            long first = started.join();
            String step = "--stats' report";
            try {
                if (a.has("stats")) readStatsBase(first);
                fault("report");
                report.run();
                step = "checkpoint engine";
                fault("engine");
                // (its warm-up captures pause the running guest briefly, each at an instruction boundary)
                CheckpointEngine engine = new CheckpointEngine(machine, repo, parentId);
                configure(engine, a, name);
                step = "control socket";
                fault("control");
                Control opened = openControl(machine, a, console, repo, engine, name, null, null, bound);
                // The session is set up: the label index the restore's look-up held (Repository.holdLabelIndex), written
                // before the control is handed over, so the run thread's end (which joins it) comes after the write.
                repo.writeHeldLabelIndex();
                control.complete(opened);
                StartupTimes.mark(StartupTimes.CONTROL);
            } catch (Exception | Error e) {
                failedStep = step;
                failure = e instanceof Exception x ? x : new RuntimeException(e);
                machine.requestExit(1);
                bound.close(); // (a no-op once served: the session's end closes the server)
                control.complete(null);
                return;
            }
            OldGenPrefault.startIfEnabled(machine);
        }

        /** Whether this JVM runs as a test's injected failure at {@code step} ({@code -Dvmckpt.restore.besideFault}). */
        private static void fault(String step) {
            if (step.equals(BESIDE_FAULT)) throw new IllegalStateException("injected failure at the " + step + " step (-Dvmckpt.restore.besideFault)");
        }

        /** The command's error for {@link #failure}: which step failed, why, and that the guest ran and was stopped. */
        Exception commandError(long instructions) {
            if (failure instanceof UsageException) return failure; // (as without the switch: a usage error's status 2)
            return new CommandFailedException("the restored VM's session could not be set up beside its guest (" + failedStep + "): "
                    + CommandErrors.describe(failure) + "; the guest ran " + instructions + " instructions and was stopped"
                    + " (nothing was checkpointed; the checkpoint and the repository are as they were)");
        }

        private void readStatsBase(long firstNanos) {
            java.lang.management.ThreadMXBean t = java.lang.management.ManagementFactory.getThreadMXBean();
            cpu0 = t.getThreadCpuTime(runThreadId);
            startMillis = java.lang.management.ManagementFactory.getRuntimeMXBean().getUptime() - (System.nanoTime() - firstNanos) / 1_000_000;
            threads = t;
        }
    }

    /**
     * Loads and initializes, while a destination waits for a migration, the classes its session goes through between
     * GO and the guest's first instruction (each took milliseconds on a cold JVM at its first use there).
     */
    static void prepareForMigration() throws ClassNotFoundException {
        for (Class<?> c : new Class<?>[] {Migrated.class, MigratedSessionSetup.class, Control.class}) Class.forName(c.getName());
    }

    /** What a session serves beside the guest: the control socket, periodic checkpoints, the console's input. */
    private record Control(MachineController controller, QmpServer qmp, ScheduledExecutorService periodic, Terminal terminal) { }

    /**
     * The control socket's path (--api-socket, or the name's), its directory prepared and the socket bound and listening,
     * not yet served: everything of the control socket that can refuse the command, with its error.
     */
    private static QmpServer.Bound bindControl(Args a, String name) throws UsageException {
        Path socket;
        try {
            socket = a.has("api-socket") ? Path.of(a.get("api-socket")) : VmSockets.socketFor(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--name: " + e.getMessage());
        }
        try {
            VmSockets.prepareFor(socket);
            return QmpServer.bind(socket);
        } catch (IOException e) {
            throw new UsageException("cannot open the control socket " + socket + ": " + e.getMessage()
                    + (a.has("api-socket") ? "" : " (another VM with this --name may be running; pick another --name)"));
        }
    }

    /**
     * Opens the control socket (QMP), schedules periodic checkpoints and attaches the console's input; {@code bound}: the
     * socket {@link #bindControl} bound already (a restored VM's session beside its guest), or null to bind it here.
     */
    private static Control openControl(Machine machine, Args a, ConsoleOutput console, Repository repo, CheckpointEngine engine, String name,
                                       PostCopyPages incoming, String peer, QmpServer.Bound bound) throws Exception {
        MachineController controller = new MachineController(machine, engine, name);
        controller.migration().setDefaults(a.has("tls-creds") ? Path.of(a.get("tls-creds")) : null, a.has("insecure"));
        if (incoming != null) controller.migration().setIncoming(incoming, peer);
        QmpServer qmp = QmpServer.start(bound != null ? bound : bindControl(a, name), controller);
        ScheduledExecutorService periodic = null;
        if (a.has("checkpoint-every")) {
            long ms = Args.parseDurationMillis(a.get("checkpoint-every"), "checkpoint-every");
            PeriodicRetention retention = a.has("keep-checkpoints")
                    ? new PeriodicRetention(repo, (int) parseCount(a.get("keep-checkpoints"), "keep-checkpoints")) : null;
            periodic = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "periodic-checkpoint");
                t.setDaemon(true);
                return t;
            });
            periodic.scheduleWithFixedDelay(() -> {
                try {
                    // Periodic checkpoints are live and incremental: the first one is full (it has no parent).
                    org.vmckpt.checkpoint.RepositorySettings rs = org.vmckpt.checkpoint.RepositorySettings.load(repo);
                    CheckpointResult r = controller.checkpoint(CheckpointOptions.defaults().withIncremental(true)
                            .withCompression(rs.codec(), rs.level()), null);
                    if (!"stdio".equals(a.get("console", "stdio")) || a.has("stats")) {
                        System.err.printf("vmckpt: periodic checkpoint %s: %s, downtime %.2f ms%n", r.id().substring(0, 12),
                                Units.bytes(r.sizeBytes()), r.downtimeNanos() / 1e6);
                    }
                    if (r.notice() != null) System.err.println("\r\nvmckpt: periodic checkpoint " + r.id().substring(0, 12) + ": " + r.notice() + "\r");
                    if (retention != null) prune(retention, r.id(), a);
                } catch (Exception e) {
                    System.err.println("vmckpt: periodic checkpoint failed: " + CommandErrors.describe(e));
                    if (System.getenv("VMCKPT_DEBUG") != null) e.printStackTrace();
                }
            }, ms, ms, TimeUnit.MILLISECONDS);
        }
        Terminal terminal = Terminal.attach(machine::consoleInput, () -> machine.requestExit(0));
        return new Control(controller, qmp, periodic, terminal);
    }

    /** {@code --keep-checkpoints}: the series' oldest beyond N deleted and collected; a failure is reported, the VM runs on. */
    private static void prune(PeriodicRetention retention, String id, Args a) {
        try {
            PeriodicRetention.Pruned p = retention.committed(id);
            if (p.deleted() > 0 && (!"stdio".equals(a.get("console", "stdio")) || a.has("stats"))) {
                System.err.printf("vmckpt: periodic checkpoints: deleted %d older (--keep-checkpoints), freed %s%n", p.deleted(),
                        Units.bytes(p.bytesFreed()));
                if (p.compacted() != null && p.compacted().packsCompacted() > 0) {
                    System.err.printf("vmckpt: periodic checkpoints: compacted %d pack%s (%d units copied, %d frames read, %s written, %d"
                                    + " manifests rewritten, %d packs left under the threshold), freed %s in %.1f ms (CPU %.1f ms)%n",
                            p.compacted().packsCompacted(), p.compacted().packsCompacted() == 1 ? "" : "s", p.compacted().unitsCopied(),
                            p.compacted().framesRead(), Units.bytes(p.compacted().bytesWritten()), p.compacted().manifestsRewritten(),
                            p.compacted().packsLeft(), Units.bytes(p.compacted().bytesFreed()), p.compactWallNanos() / 1e6,
                            p.compactCpuNanos() / 1e6);
                }
            }
        } catch (Exception e) {
            System.err.println("\r\nvmckpt: could not delete older periodic checkpoints (--keep-checkpoints): " + CommandErrors.describe(e)
                    + "; the VM runs on and the next checkpoint tries again; 'vmckpt ls' and 'vmckpt gc' show the repository\r");
            if (System.getenv("VMCKPT_DEBUG") != null) e.printStackTrace();
        }
    }

    private static long parseCount(String s, String option) throws UsageException {
        try {
            long v = Long.parseLong(s.replace("_", "").replace(",", ""));
            if (v <= 0) throw new NumberFormatException();
            return v;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + ": '" + s + "' is not a positive number");
        }
    }
}
