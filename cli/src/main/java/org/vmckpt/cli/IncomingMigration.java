package org.vmckpt.cli;

import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.migration.MigrationConnection;
import org.vmckpt.checkpoint.migration.MigrationDestination;
import org.vmckpt.checkpoint.migration.MigrationEndpoint;
import org.vmckpt.checkpoint.migration.MigrationException;
import org.vmckpt.checkpoint.migration.MigrationListener;
import org.vmckpt.checkpoint.migration.MigrationStatus;
import org.vmckpt.checkpoint.migration.StandbyThread;
import org.vmckpt.checkpoint.migration.TlsCredentials;
import org.vmckpt.checkpoint.migration.MigrationWarmUp;
import org.vmckpt.checkpoint.migration.PageArrayPool;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.memory.GuestMemory;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code vmckpt run --incoming tcp:HOST:PORT}: the destination of a migration. It builds the machine from its own
 * options (as QEMU's -incoming does; the source's must match), waits for a source, and once the whole state has
 * arrived and checked out, runs the guest like any {@code vmckpt run}. A source that is refused or fails midway
 * leaves this process waiting for the next one, with a fresh machine.
 */
final class IncomingMigration {
    private IncomingMigration() { }

    /** How long the destination waits for its migration warm-up before it listens anyway. */
    static final long MIGRATION_WARM_UP_MILLIS = 15_000;

    static int run(Args a, MachineConfig config, ConsoleOutput console, Repository repo) throws Exception {
        MigrationEndpoint endpoint;
        try {
            endpoint = MigrationEndpoint.parse(a.get("incoming"));
        } catch (MigrationException e) {
            throw new UsageException(e.getMessage());
        }
        TlsCredentials tls = serverCredentials(a, System.err);
        // A cold JVM's first handshake takes seconds on a loaded host, and the receiving loop would run interpreted
        // and be compiled while the pages arrive: throwaway migrations to itself first (beside the emulator's warm-up).
        loadPageSources();
        Thread migrationWarmUp = MigrationWarmUp.startInBackground(tls != null ? tls.dir() : null, Thread.NORM_PRIORITY);
        System.err.println("vmckpt: warming up the emulator and the migration code before listening (" + EmulatorWarmUp.MILLIS / 1000 + " s or more)");
        EmulatorWarmUp.Done warm = EmulatorWarmUp.run(config);
        if (warm != null && warm.coldStarts() < EmulatorWarmUp.COLD_STARTS) {
            System.err.println("vmckpt: the emulator's warm-up made " + warm.coldStarts() + " of its " + EmulatorWarmUp.COLD_STARTS
                    + " cold starts in " + EmulatorWarmUp.MAX_WALL_MILLIS / 1000 + " s (a loaded host): the guest's first milliseconds here may run on cold code");
        }
        VmSession.prepareForMigration();
        if (migrationWarmUp != null) migrationWarmUp.join(MIGRATION_WARM_UP_MILLIS);
        MigrationWarmUp.stop(); // if it is still running, it ends after its current throwaway migration
        prefault(config);
        Arrived arrived;
        Thread.currentThread().setPriority(Thread.MAX_PRIORITY); // receiving is the guest's stall (and this thread runs it next)
        try (MigrationListener listener = listen(endpoint, tls)) {
            System.err.println("vmckpt: waiting for a migration on " + endpoint.uri() + (tls != null ? " (TLS, credentials in " + tls.dir() + ")" : " (plaintext)"));
            arrived = receive(listener, config, console, repo);
        }
        MigrationDestination.Incoming incoming = arrived.incoming();
        // Off the guest's path (the guest is stalled until it runs here; a cold JVM's first string formatting costs
        // milliseconds), on the session's thread once it has set up the control socket.
        if (arrived.forwards() != null) arrived.forwards().run(() -> openForwards(incoming.machine()));
        return VmSession.run(incoming.machine(), a, console, repo, null, VmSession.DEFAULT_NAME, incoming.postCopy(), incoming.peer(), arrived.engine(),
                new VmSession.Migrated(incoming, arrived.session()));
    }

    /**
     * The destination's credentials: {@code --tls-creds DIR} (the server's half of QEMU's tls-creds-x509 layout), or
     * null for {@code --insecure}, which prints a warning on {@code err}; neither, or both, is a usage error: a
     * destination never falls back to plaintext by itself.
     */
    static TlsCredentials serverCredentials(Args a, java.io.PrintStream err) throws UsageException {
        if (a.has("tls-creds") && a.has("insecure")) throw new UsageException("--tls-creds and --insecure exclude each other");
        if (a.has("tls-creds")) {
            try {
                return TlsCredentials.forServer(Path.of(a.get("tls-creds")));
            } catch (MigrationException e) {
                throw new UsageException(e.getMessage());
            }
        }
        if (!a.has("insecure")) {
            throw new UsageException("--incoming needs --tls-creds DIR (ca-cert.pem, server-cert.pem, server-key.pem: TLS 1.3, "
                    + "both ends authenticated) or --insecure (plaintext, on both ends)");
        }
        err.println("vmckpt: warning: accepting a migration in plaintext (--insecure): anyone on the path can read and change the guest's memory");
        return null;
    }

    /**
     * Loads every kind of page source guest memory can be given ({@code PostCopyPages}, {@code LazyPages}) before the
     * warm-ups compile guest memory's paths. C2 compiled {@code GuestMemory.pageForWrite} on the assumption that the
     * one page source loaded so far was the only one (a class-hierarchy dependency); the migration warm-up's first
     * post-copy then loaded {@code PostCopyPages}, which threw that code away, and nothing ran the method again until
     * the migrated guest did: its first writes ran on the JVM's interpreter and C1 until C2 had compiled it again,
     * 60-170 ms after the guest started (docs/BENCHMARKS.md, migration run 23).
     */
    static void loadPageSources() {
        try {
            for (String c : new String[] {"org.vmckpt.checkpoint.migration.PostCopyPages", "org.vmckpt.checkpoint.LazyPages"}) {
                Class.forName(c, false, IncomingMigration.class.getClassLoader());
            }
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e); // both are in this jar
        }
    }

    /**
     * A migration that arrived whole, with the checkpoint engine built for its machine while it was awaited, and the
     * threads (started then too, see {@link StandbyThread}) that set up its session and open its port forwards
     * ({@code forwards} null without a network).
     */
    private record Arrived(MigrationDestination.Incoming incoming, CheckpointEngine engine, StandbyThread session, StandbyThread forwards) { }

    private static MigrationListener listen(MigrationEndpoint endpoint, TlsCredentials tls) throws UsageException {
        try {
            return MigrationListener.listen(endpoint, tls);
        } catch (MigrationException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /**
     * Accepts sources until one migration arrives whole; each attempt gets a fresh machine, and the checkpoint
     * engine for it is built before a source connects: its start-up (warm-up captures, class loading; tens of
     * milliseconds on a cold JVM) would otherwise come between GO and the guest's first instruction.
     */
    private static Arrived receive(MigrationListener listener, MachineConfig config, ConsoleOutput console, Repository repo) throws IOException {
        while (true) {
            // The port forwards listen only once the guest is here: until GO they are the source's (on this host, it
            // holds the same ports), and a migration that fails must not have taken them.
            Machine machine = new Machine(config, console, false);
            MigrationDestination destination = new MigrationDestination(machine);
            destination.usePagePool(PAGE_POOL);
            destination.startReceiverWithGuest(); // VmSession runs the machine at once

            CheckpointEngine engine = new CheckpointEngine(machine, repo, null);
            engine.readPageSourcesNow(); // while no source is connected, not in the guest's first second here
            StandbyThread session = new StandbyThread("vmckpt-session-setup", Thread.NORM_PRIORITY);
            StandbyThread forwards = machine.virtio().net() != null ? new StandbyThread("vmckpt-hostfwd", Thread.NORM_PRIORITY) : null;
            try {
                MigrationConnection conn = listener.accept();
                return new Arrived(destination.receive(conn, IncomingMigration::report), engine, session, forwards);
            } catch (MigrationException e) {
                System.err.println("vmckpt: incoming migration failed: " + e.getMessage() + "; still waiting on the same address");
                session.release();
                if (forwards != null) forwards.release();
                machine.virtio().close();
                prefault(config); // the failed attempt's pages are garbage: make their memory the next attempt's
            }
        }
    }

    /**
     * Faults in as much heap as the guest has RAM, so that the pages which arrive are promoted into memory already
     * mapped ({@link HeapPrefault}; after the warm-ups, whose garbage the full collection also clears).
     */
    private static void prefault(MachineConfig config) {
        long t0 = System.nanoTime();
        long touched = HeapPrefault.touch(config.memoryBytes());
        long t1 = System.nanoTime();
        int pooled = PAGE_POOL.fill(poolPages(config.memoryBytes()));
        System.err.printf(java.util.Locale.ROOT, "vmckpt: %d MiB of heap faulted in for the guest's memory (%.0f ms), %d page arrays made ready (%.0f ms)%n",
                touched >> 20, (t1 - t0) / 1e6, pooled, (System.nanoTime() - t1) / 1e6);
    }

    /**
     * The arrays pages are received into ({@link PageArrayPool}), made while the destination waits: the young
     * collections that promote them run then, not while a source's guest shares the cores with this process. Refilled
     * after a failed attempt; emptied once a migration is in.
     */
    private static final PageArrayPool PAGE_POOL = new PageArrayPool();

    /** As many arrays as the guest has pages, within the free heap less {@link HeapPrefault#MARGIN}. */
    static int poolPages(long memoryBytes) {
        Runtime rt = Runtime.getRuntime();
        long free = rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
        long fits = Math.max(0, free - HeapPrefault.MARGIN) / (GuestMemory.PAGE_SIZE + 16);
        return (int) Math.min(Math.min(memoryBytes / GuestMemory.PAGE_SIZE, fits), Integer.MAX_VALUE - 8);
    }

    /** How long the destination tries to take over a forward's port that is still in use after GO. */
    static final long FORWARD_PATIENCE_MILLIS = 30_000;

    /**
     * Opens the guest's port forwards here, now that it runs here (GO received; on a thread of their own). On the same host the source frees
     * the ports right after it sent GO: until then each bind is retried every few milliseconds (a connection in
     * that gap is refused; one accepted by the source just before is reset). A port still taken after
     * {@link #FORWARD_PATIENCE_MILLIS} is reported; the guest runs on without that forward.
     */
    private static void openForwards(Machine machine) {
        try {
            machine.virtio().net().backend().bindForwards(FORWARD_PATIENCE_MILLIS);
        } catch (IOException e) {
            System.err.println("\r\nvmckpt: warning: the guest's port forward did not follow it here: " + e.getMessage() + "\r");
        }
    }

    private static void report(MigrationStatus s) {
        if (s == MigrationStatus.POSTCOPY_PAUSED) {
            System.err.println("\r\nvmckpt: post-copy lost its source; the guest waits at the first page it still needs. To resume: "
                    + "'vmckpt migrate THIS-VM tcp:HOST:PORT --recover' here, then 'vmckpt migrate SOURCE-VM tcp:HOST:PORT --resume' at the source "
                    + "(or quit with Ctrl-A X or 'vmckpt quit')\r");
        } else if (s == MigrationStatus.FAILED) {
            System.err.println("\r\nvmckpt: post-copy migration failed; the guest is paused\r");
        } else if (s == MigrationStatus.COMPLETED) {
            System.err.println("\r\nvmckpt: incoming migration completed: all of the guest's memory is here\r");
        }
    }
}
