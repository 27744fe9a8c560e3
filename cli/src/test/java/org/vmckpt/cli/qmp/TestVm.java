package org.vmckpt.cli.qmp;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.vmckpt.checkpoint.store.Stats;

/**
 * A stand-in for the machine behind the control socket, for the server tests and the CLI's control command tests
 * (one fixture for both): a small state machine (running / paused / shutdown) that emits the run-state events a
 * real controller must emit; a checkpoint that takes as long as the test says, reports progress in the engine's
 * phase, can be held open or made to fail, and returns fixed page counts under the engine's {@link Stats} keys and
 * ids shaped as real ones ({@link #id}); resets to the checkpoints it took; a checkpoint status with the real keys.
 */
public final class TestVm implements VmController {
    /** Pages a checkpoint reports progress over. */
    public static final long TOTAL_PAGES = 262_144;
    private VmEventSink events;
    private String status = "running";
    private final CheckpointGate gate = new CheckpointGate();
    private final List<String> checkpointIds = new CopyOnWriteArrayList<>();

    public final List<CheckpointRequest> requests = new CopyOnWriteArrayList<>();
    public final AtomicInteger quitCalls = new AtomicInteger();
    public final AtomicInteger powerdownCalls = new AtomicInteger();
    /** Counted down when a checkpoint has entered the gate. */
    public volatile CountDownLatch checkpointStarted = new CountDownLatch(1);
    /** If set, a checkpoint waits for it (after reporting progress) before finishing. */
    public volatile CountDownLatch checkpointRelease;
    /** How long a checkpoint keeps reporting progress. */
    public volatile long progressMillis;
    /** If set, a checkpoint fails with this message. */
    public volatile String failWith;

    /** The id of the {@code n}th checkpoint (from 1): 16 hex digits, as the repository's. */
    public static String id(int n) {
        return String.format("%016x", 0xabcdef0000L + n);
    }

    @Override
    public String name() {
        return "test-vm";
    }

    @Override
    public int cpuCount() {
        return 1;
    }

    /** The thread-id TestVm reports for its CPU (query-cpus-fast passes it on). */
    static final long CPU_THREAD_ID = 4242;

    @Override
    public long cpuThreadId(int cpu) {
        return CPU_THREAD_ID;
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
        try (CheckpointGate.Pass pass = gate.enter(request.label())) {
            requests.add(request);
            long start = System.nanoTime();
            checkpointStarted.countDown();
            long totalPages = TOTAL_PAGES;
            long pages = 0;
            long deadline = start + TimeUnit.MILLISECONDS.toNanos(progressMillis);
            do {
                pages = Math.min(totalPages, pages + 100);
                progress.progress("pages", pages * 4096, pages, totalPages);
                Thread.sleep(0, 200_000);
            } while (System.nanoTime() < deadline);
            CountDownLatch release = checkpointRelease;
            if (release != null && !release.await(10, TimeUnit.SECONDS)) {
                throw new IOException("test never released the checkpoint");
            }
            if (failWith != null) {
                throw new IOException(failWith);
            }
            if (request.leavePaused()) {
                pause();
            }
            String id = id(checkpointIds.size() + 1);
            checkpointIds.add(id);
            Map<String, Long> pageCounts = new LinkedHashMap<>();
            pageCounts.put(Stats.PAGES_SAVED, 100L);
            pageCounts.put(Stats.EVICT_ZERO, 200L);
            pageCounts.put(Stats.EVICT_FREE, 30L);
            pageCounts.put(Stats.EVICT_DISK, 4L);
            pageCounts.put(Stats.PAGES_UNCHANGED, 0L);
            return new CheckpointResult(id, 409_600, 250_000_000, 1_234_567, pageCounts);
        }
    }

    @Override
    public ResetResult reset(String checkpointId) throws IOException {
        if (!checkpointIds.contains(checkpointId)) {
            throw new IOException("no checkpoint with id '" + checkpointId + "'");
        }
        return new ResetResult(checkpointId, 42, 5_000_000);
    }

    @Override
    public Map<String, Object> queryCheckpointStatus() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("in-progress", gate.startedAt() != null);
        m.put("last-id", checkpointIds.isEmpty() ? null : checkpointIds.get(checkpointIds.size() - 1));
        return m;
    }
}
