package org.vmckpt.cli;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.vmckpt.cli.qmp.CheckpointRequest;
import org.vmckpt.cli.qmp.CheckpointResult;
import org.vmckpt.cli.qmp.ProgressSink;
import org.vmckpt.cli.qmp.ResetResult;
import org.vmckpt.cli.qmp.VmController;
import org.vmckpt.cli.qmp.VmEventSink;

/**
 * A stand-in for the machine behind the control socket, for the control command tests: a running/paused/shutdown
 * state machine, checkpoints that report progress for a while and return fixed numbers under the engine's
 * page-count keys, and resets to the checkpoints it took.
 */
final class ControlTestVm implements VmController {
    private VmEventSink events;
    private String status = "running";
    private final List<String> checkpointIds = new CopyOnWriteArrayList<>();

    final List<CheckpointRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger quitCalls = new AtomicInteger();
    /** How long a checkpoint keeps reporting progress. */
    volatile long progressMillis = 0;
    /** If set, a checkpoint fails with this message. */
    volatile String failWith;

    @Override
    public String name() {
        return "test-vm";
    }

    @Override
    public int cpuCount() {
        return 1;
    }

    @Override
    public synchronized void setEventSink(VmEventSink sink) {
        this.events = sink;
    }

    @Override
    public synchronized String status() {
        return status;
    }

    @Override
    public synchronized boolean running() {
        return status.equals("running");
    }

    @Override
    public synchronized void pause() {
        if (status.equals("running")) {
            status = "paused";
            events.emit(VmEventSink.STOP, Map.of());
        }
    }

    @Override
    public synchronized void resume() throws IOException {
        if (status.equals("shutdown")) throw new IOException("the VM has shut down; it cannot be resumed");
        if (!status.equals("running")) {
            status = "running";
            events.emit(VmEventSink.RESUME, Map.of());
        }
    }

    @Override
    public synchronized void quit() {
        quitCalls.incrementAndGet();
        status = "shutdown";
        events.emit(VmEventSink.SHUTDOWN, Map.of("guest", false, "reason", "host-qmp-quit"));
    }

    @Override
    public void powerdown() {
    }

    @Override
    public CheckpointResult checkpoint(CheckpointRequest request, ProgressSink progress) throws Exception {
        requests.add(request);
        long deadline = System.nanoTime() + progressMillis * 1_000_000;
        long pages = 0;
        do {
            pages = Math.min(1000, pages + 10);
            progress.progress("pages", pages * 4096, pages, 1000);
            Thread.sleep(5);
        } while (System.nanoTime() < deadline);
        if (failWith != null) throw new IOException(failWith);
        if (request.stopAfter()) pause();
        String id = String.format("%016x", 0xabcdef0000L + checkpointIds.size() + 1);
        checkpointIds.add(id);
        Map<String, Long> counts = new LinkedHashMap<>();
        counts.put("pages.saved", 100L);
        counts.put("evict.zero", 200L);
        counts.put("evict.free", 30L);
        counts.put("evict.disk", 4L);
        counts.put("pages.unchanged", 0L);
        return new CheckpointResult(id, 409_600, 250_000_000, 1_234_567, counts);
    }

    @Override
    public ResetResult reset(String checkpointId) throws IOException {
        if (!checkpointIds.contains(checkpointId)) throw new IOException("no checkpoint with id '" + checkpointId + "'");
        return new ResetResult(checkpointId, 42, 5_000_000);
    }

    @Override
    public Map<String, Object> queryCheckpointStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("in-progress", false);
        m.put("last-id", checkpointIds.isEmpty() ? null : checkpointIds.get(checkpointIds.size() - 1));
        return m;
    }
}
