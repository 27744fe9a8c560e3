package org.vmckpt.cli;

import org.vmckpt.checkpoint.CheckpointEngine;
import org.vmckpt.checkpoint.CheckpointOptions;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Codec;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.cli.qmp.CheckpointGate;
import org.vmckpt.cli.qmp.CheckpointRequest;
import org.vmckpt.cli.qmp.CheckpointResult;
import org.vmckpt.cli.qmp.ProgressSink;
import org.vmckpt.cli.qmp.ResetResult;
import org.vmckpt.cli.qmp.VmController;
import org.vmckpt.cli.qmp.VmEventSink;
import org.vmckpt.machine.Machine;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The running VM as the control socket sees it: run state, pause/resume, and checkpoints through the
 * engine. Emits the run-state events (STOP, RESUME, SHUTDOWN, POWERDOWN) itself, whatever caused them.
 */
public final class MachineController implements VmController {
    private final Machine machine;
    private final CheckpointEngine engine;
    private final CheckpointGate gate = new CheckpointGate();
    /** The engine's progress phase that counts guest pages (then "commit" counts pack frames). */
    static final String PAGES_PHASE = "pages";
    private volatile VmEventSink events = (e, d) -> { };
    private volatile String lastError;
    private final MigrationControl migration;

    private final String name;

    public MachineController(Machine machine, CheckpointEngine engine, String name) {
        this.machine = machine;
        this.engine = engine;
        this.name = name;
        this.migration = new MigrationControl(machine, engine, () -> events);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int cpuCount() {
        return machine.hartCount();
    }

    @Override
    public long cpuThreadId(int cpu) {
        long tid = machine.runThreadHostId(); // one thread runs every hart
        return tid >= 0 ? tid : ProcessHandle.current().pid();
    }

    /** Migration as the source (QMP migrate, query-migrate, migrate_cancel). */
    MigrationControl migration() {
        return migration;
    }

    @Override
    public void migrate(String uri, Map<String, Object> options) throws Exception {
        migration.migrate(uri, options);
    }

    @Override
    public Map<String, Object> queryMigrate() {
        return migration.query();
    }

    @Override
    public void migrateCancel() throws Exception {
        migration.cancel();
    }

    @Override
    public void migrateRecover(String uri) throws Exception {
        migration.recover(uri);
    }

    public CheckpointEngine engine() {
        return engine;
    }

    @Override
    public void setEventSink(VmEventSink sink) {
        this.events = sink;
    }

    @Override
    public String status() {
        String migrating = migration.runState();
        if (migrating != null && machine.runState() != Machine.RunState.SHUTDOWN) return migrating;
        switch (machine.runState()) {
            case RUNNING: return "running";
            case SHUTDOWN: return "shutdown";
            // A VM started with --paused opens its control socket just before its run loop starts (paused): it is
            // "paused" from the first answer on, not "prelaunch" for the few milliseconds in between.
            default: return machine.isRunLoopActive() || machine.isPauseRequested() ? "paused" : "prelaunch";
        }
    }

    @Override
    public boolean running() {
        return machine.runState() == Machine.RunState.RUNNING;
    }

    @Override
    public void pause() throws Exception {
        machine.requestPause();
        waitFor(Machine.RunState.PAUSED);
        events.emit(VmEventSink.STOP, Map.of());
    }

    @Override
    public void resume() throws Exception {
        if (migration.guestLeft()) {
            throw new org.vmckpt.cli.qmp.QmpException(org.vmckpt.cli.qmp.QmpException.GENERIC_ERROR,
                    "this VM is migrating or has migrated (" + migration.runState() + "): the destination runs, or may run, the guest, so this copy must not");
        }
        migration.beforeResume();
        machine.requestResume();
        waitFor(Machine.RunState.RUNNING);
        events.emit(VmEventSink.RESUME, Map.of());
    }

    private void waitFor(Machine.RunState state) throws InterruptedException {
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (machine.runState() != state && machine.runState() != Machine.RunState.SHUTDOWN && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    @Override
    public void quit() {
        events.emit(VmEventSink.SHUTDOWN, Map.of("guest", false, "reason", "host-qmp-quit"));
        machine.requestExit(0);
    }

    /**
     * Waits (at most {@code millis}) for a checkpoint in progress to end, so that its requester gets the real
     * reply before the control socket closes. Returns whether none is running any more.
     */
    public boolean awaitCheckpointEnd(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (gate.startedAt() != null || engine.busy()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(5);
        }
        return true;
    }

    /** The guest powered off or the run ended: tell the clients. */
    public void guestShutdown(int status) {
        events.emit(VmEventSink.SHUTDOWN, Map.of("guest", true, "reason", status == 0 ? "guest-shutdown" : "guest-panic"));
    }

    @Override
    public void powerdown() {
        // Like QEMU's riscv virt board, this machine has no power button the guest listens to: the event is
        // sent, the guest is not told. Use quit, or ask the guest to power off.
        events.emit(VmEventSink.POWERDOWN, Map.of());
    }

    /** Builds the engine's options from a QMP request. */
    static CheckpointOptions optionsOf(CheckpointRequest req, org.vmckpt.checkpoint.RepositorySettings settings) {
        Map<String, Object> o = req.options();
        CheckpointOptions opt = Boolean.TRUE.equals(o.get("baseline")) ? CheckpointOptions.baseline()
                : CheckpointOptions.defaults().withCompression(settings.codec(), settings.level());
        if (!Boolean.TRUE.equals(o.get("baseline"))) opt = opt.withLive(req.live());
        opt = opt.withLabel(req.label()).withIncremental(req.incremental()).withLeavePaused(req.leavePaused());
        if (o.containsKey("evict-zero") || o.containsKey("evict-free") || o.containsKey("evict-disk")) {
            opt = opt.withEviction(!Boolean.FALSE.equals(o.get("evict-zero")), !Boolean.FALSE.equals(o.get("evict-free")),
                    !Boolean.FALSE.equals(o.get("evict-disk")));
        }
        if (Boolean.TRUE.equals(o.get("hint-free"))) opt = opt.withHintFree(true);
        if (o.get("compression") instanceof String c) {
            Codec codec = c.equalsIgnoreCase("none") ? Codec.NONE : Codec.ZSTD;
            int level = o.get("level") instanceof Number n ? n.intValue() : Codec.DEFAULT_ZSTD_LEVEL;
            opt = opt.withCompression(codec, level);
        } else if (o.get("level") instanceof Number n) {
            opt = opt.withCompression(Codec.ZSTD, n.intValue()); // a level alone means zstd at that level
        }
        return opt;
    }

    @Override
    public CheckpointResult checkpoint(CheckpointRequest req, ProgressSink progress) throws Exception {
        try (CheckpointGate.Pass pass = gate.enter(req.label())) {
            CheckpointOptions opt = optionsOf(req, org.vmckpt.checkpoint.RepositorySettings.load(engine.repository()));
            if (req.options().get("keep-for-reset") instanceof Boolean keep) engine.setRetainForReset(keep);
            return checkpoint(opt, progress);
        }
    }

    /** Takes a checkpoint (also used for periodic checkpoints). */
    public CheckpointResult checkpoint(CheckpointOptions opt, ProgressSink progress) throws Exception {
        if (opt.label() != null) requireUnusedLabel(opt.label());
        boolean stops = !opt.live() || opt.leavePaused();
        if (stops && machine.isRunLoopActive()) events.emit(VmEventSink.STOP, Map.of());
        try {
            CheckpointEngine.Outcome out = engine.checkpoint(opt, (phase, done, total) -> {
                // Phase "pages" counts guest pages (4 KiB each); phase "commit" counts pack frames flushed, which have no byte size here.
                if (progress != null) progress.progress(phase, PAGES_PHASE.equals(phase) ? done * 4096 : 0, done, total);
            });
            CheckpointInfo info = out.info();
            Map<String, Long> counts = new LinkedHashMap<>();
            for (String k : new String[]{Stats.PAGES_SAVED, Stats.EVICT_ZERO, Stats.EVICT_FREE, Stats.EVICT_DISK, Stats.EVICT_BOOT, Stats.EVICT_BOOT_DELTA, Stats.PAGES_UNCHANGED, Stats.PAGES_DATA}) {
                counts.put(k, info.stat(k, 0));
            }
            lastError = null;
            return new CheckpointResult(info.id(), CheckpointFiles.sizeOnDisk(engine.repository(), info),
                    out.totalNanos(), out.pauseNanos(), counts, out.notice());
        } catch (Exception e) {
            lastError = e.getMessage();
            throw e;
        } finally {
            if (stops && !opt.leavePaused() && machine.isRunLoopActive()) events.emit(VmEventSink.RESUME, Map.of());
        }
    }

    /**
     * Labels are unique in a repository, so that a label always names one checkpoint: a label already in use
     * is refused before anything is captured. (Two VMs sharing a repository and racing for one new label may
     * both get it; the commands that take a label then say it is ambiguous and ask for an id.)
     */
    private void requireUnusedLabel(String label) throws Exception {
        for (CheckpointInfo i : engine.repository().list()) {
            if (label.equals(i.label())) {
                throw new org.vmckpt.cli.qmp.QmpException(org.vmckpt.cli.qmp.QmpException.GENERIC_ERROR, "the label '" + label
                        + "' is already used by checkpoint " + i.id().substring(0, 12) + " in this repository (labels are unique);"
                        + " choose another label, or delete that checkpoint first (vmckpt rm " + label + ")");
            }
        }
    }

    @Override
    public void setBalloonTarget(long bytes) throws Exception {
        org.vmckpt.machine.device.virtio.VirtioBalloon b = machine.virtio().balloon();
        long mem = machine.config().memoryBytes();
        if (b == null) throw new org.vmckpt.cli.qmp.QmpException(org.vmckpt.cli.qmp.QmpException.GENERIC_ERROR, "No balloon device has been activated");
        if (bytes <= 0 || bytes > mem) {
            throw new org.vmckpt.cli.qmp.QmpException(org.vmckpt.cli.qmp.QmpException.GENERIC_ERROR,
                    "Parameter 'value' expects a size between 1 and " + mem + " bytes (the VM's memory)");
        }
        int pages = (int) ((mem - bytes) >>> 12);
        machine.callAtInstructionBoundary(() -> { b.setTargetPages(pages); return null; });
    }

    @Override
    public long balloonActual() throws Exception {
        org.vmckpt.machine.device.virtio.VirtioBalloon b = machine.virtio().balloon();
        if (b == null) throw new org.vmckpt.cli.qmp.QmpException(org.vmckpt.cli.qmp.QmpException.GENERIC_ERROR, "No balloon device has been activated");
        int actual = machine.callAtInstructionBoundary(b::actualPages);
        return machine.config().memoryBytes() - ((long) actual << 12);
    }

    @Override
    public Map<String, Object> queryNet() throws Exception {
        org.vmckpt.machine.device.virtio.VirtioNet net = machine.virtio().net();
        if (net == null) return Map.of("attached", false);
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("attached", true);
        m.put("backend", net.backend().kind());
        m.put("spec", machine.config().net());
        byte[] mac = net.mac();
        m.put("mac", String.format("%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]));
        long[] counts = machine.callAtInstructionBoundary(() -> new long[] {net.framesSent(), net.framesReceived(), net.droppedFrames(), net.droppedForGuest()});
        m.put("tx-frames", counts[0]);
        m.put("rx-frames", counts[1]);
        m.put("tx-dropped-malformed", counts[2]);
        m.put("rx-dropped-too-long", counts[3]);
        m.putAll(net.backend().describe());
        return m;
    }

    @Override
    public ResetResult reset(String ref) throws Exception {
        // A source whose guest left (or may have: post-copy past switch-over) must keep the state it switched over with:
        // a resumed post-copy sends the pages still owed from this memory, and nothing would tell a rolled-back page
        // from the guest's own (the pages' digest covers what is sent).
        if (migration.guestLeft()) {
            throw new org.vmckpt.cli.qmp.QmpException(org.vmckpt.cli.qmp.QmpException.GENERIC_ERROR,
                    "this VM is migrating or has migrated (" + migration.runState() + "): its state is the one the destination continues from, so it cannot be reset"
                    + " (checkpoint it, and restore that checkpoint elsewhere)");
        }
        CheckpointEngine.ResetOutcome r = engine.reset(ref);
        // Clone safety: the guest is back at a state it has been in; it must not replay the same randomness.
        machine.callAtInstructionBoundary(machine::newGeneration);
        return new ResetResult(r.checkpointId(), r.pagesRestored(), r.nanos());
    }

    @Override
    public Map<String, Object> queryCheckpointStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("in-progress", engine.busy());
        m.put("repository", engine.repository().dir().toString());
        m.put("parent", engine.parentId());
        CheckpointInfo last = engine.lastCheckpoint();
        if (last != null) {
            m.put("last-id", last.id());
            m.put("last-downtime-ns", last.stat(Stats.PAUSE_NS, 0));
            m.put("last-total-ns", last.stat(Stats.TOTAL_NS, 0));
        }
        if (lastError != null) m.put("last-error", lastError);
        return m;
    }
}
