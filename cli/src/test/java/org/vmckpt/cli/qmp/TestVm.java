package org.vmckpt.cli.qmp;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the machine, written for the server tests: a small state machine (running / paused /
 * shutdown) that emits the run-state events a real controller must emit, and a checkpoint that takes as
 * long as the test says, reports progress, and can be held open or made to fail.
 */
final class TestVm implements VmController {
    private VmEventSink events;
    private String status = "running";
    private final CheckpointGate gate = new CheckpointGate();
    private final List<String> checkpointIds = new CopyOnWriteArrayList<>();

    final List<CheckpointRequest> requests = new CopyOnWriteArrayList<>();
    final AtomicInteger quitCalls = new AtomicInteger();
    final AtomicInteger powerdownCalls = new AtomicInteger();
    /** Counted down when a checkpoint has entered the gate. */
    volatile CountDownLatch checkpointStarted = new CountDownLatch(1);
    /** If set, a checkpoint waits for it (after reporting progress) before finishing. */
    volatile CountDownLatch checkpointRelease;
    /** How long a checkpoint keeps reporting progress. */
    volatile long progressMillis;
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
        if (status.equals("shutdown")) {
            throw new IOException("the VM has shut down; it cannot be resumed");
        }
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
    public synchronized void powerdown() {
        powerdownCalls.incrementAndGet();
        events.emit(VmEventSink.POWERDOWN, Map.of());
    }

    @Override
    public CheckpointResult checkpoint(CheckpointRequest request, ProgressSink progress) throws Exception {
        try (CheckpointGate.Pass pass = gate.enter(request.name())) {
            requests.add(request);
            long start = System.nanoTime();
            checkpointStarted.countDown();
            long totalPages = 262_144;
            long pages = 0;
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(progressMillis);
            do {
                pages = Math.min(totalPages, pages + 100);
                progress.progress("memory", pages * 4096, pages, totalPages);
                Thread.sleep(0, 200_000);
            } while (System.nanoTime() < deadline);
            CountDownLatch release = checkpointRelease;
            if (release != null && !release.await(10, TimeUnit.SECONDS)) {
                throw new IOException("test never released the checkpoint");
            }
            if (failWith != null) {
                throw new IOException(failWith);
            }
            if (request.stopAfter()) {
                pause();
            }
            String id = "ckpt-" + (checkpointIds.size() + 1);
            checkpointIds.add(id);
            Map<String, Long> pageCounts = new LinkedHashMap<>();
            pageCounts.put("written", pages);
            pageCounts.put("zero", totalPages - pages);
            return new CheckpointResult(id, pages * 4096, System.nanoTime() - start, 1_234_567, pageCounts);
        }
    }

    @Override
    public ResetResult reset(String checkpointId) throws IOException {
        if (!checkpointIds.contains(checkpointId)) {
            throw new IOException("no checkpoint with id '" + checkpointId + "'");
        }
        return new ResetResult(checkpointId, 42, 5_000);
    }

    @Override
    public Map<String, Object> queryCheckpointStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("active", gate.startedAt() != null);
        m.put("completed", (long) checkpointIds.size());
        m.put("last-id", checkpointIds.isEmpty() ? null : checkpointIds.get(checkpointIds.size() - 1));
        return m;
    }
}
