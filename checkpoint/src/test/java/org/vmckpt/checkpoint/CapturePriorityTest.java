package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.CheckpointInfo;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.checkpoint.store.Stats;
import org.vmckpt.machine.HostThreadId;
import org.vmckpt.machine.Machine;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The engine's {@link CapturePriority} (round 68): for each checkpoint of a running machine the guest's thread is raised
 * once, off that thread, before its capture, and lowered once, by itself, right after the capture and before the guest
 * ran on (the instructions retired at the lowering are the capture's); a raise the host refused is never lowered, and
 * the checkpoint is taken all the same; with no run loop, or none set, nothing is asked.
 */
class CapturePriorityTest {
    @TempDir
    Path dir;

    /** What the engine asked for, in order: "raise TID ON instret" / "lower TID ON instret frozen". */
    static final class Recording implements CapturePriority {
        final Machine m;
        final boolean grant;
        final List<long[]> calls = new ArrayList<>(); // {0 raise / 1 lower, tid, the calling thread's host id, instret}

        Recording(Machine m, boolean grant) {
            this.m = m;
            this.grant = grant;
        }

        @Override
        public synchronized boolean raise(long tid) {
            calls.add(new long[] {0, tid, HostThreadId.current(), -1});
            return grant;
        }

        @Override
        public synchronized void lower(long tid) {
            // On the run thread, inside the boundary's task: the hart's count is the capture's if the guest has not run on.
            calls.add(new long[] {1, tid, HostThreadId.current(), m.hart(0).instret});
        }
    }

    @Test
    void theGuestsThreadIsRaisedBeforeEachCaptureAndLowersItselfBeforeTheGuestRunsOn() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        CheckpointEngine engine = new CheckpointEngine(m, Repository.open(dir.resolve("repo"), true), null);
        Recording rec = new Recording(m, true);
        engine.setCapturePriority(rec);
        Thread run = new Thread(() -> m.run(-1));
        run.start();
        try {
            while (m.runThreadHostId() <= 0 || m.hart(0).instret < 100_000) Thread.sleep(5);
            long guest = m.runThreadHostId();
            long me = HostThreadId.current();
            for (int i = 0; i < 3; i++) {
                CheckpointInfo info = engine.checkpoint(CheckpointOptions.defaults(), null).info();
                List<long[]> calls;
                synchronized (rec) {
                    calls = new ArrayList<>(rec.calls);
                    rec.calls.clear();
                }
                assertEquals(2, calls.size(), "one raise and one lower a checkpoint");
                long[] raise = calls.get(0), lower = calls.get(1);
                assertEquals(0, raise[0], "the raise first");
                assertEquals(guest, raise[1], "the guest's thread raised");
                assertEquals(me, raise[2], "by the checkpoint's thread, before it asked for the boundary");
                assertEquals(1, lower[0]);
                assertEquals(guest, lower[1], "the same thread lowered");
                assertEquals(guest, lower[2], "by itself");
                assertEquals(info.stat(Stats.GUEST_INSTRET, -1), lower[3],
                        "lowered at the capture's instruction: before the guest ran on at the raised priority");
            }
        } finally {
            m.requestExit(0);
            run.join(10_000);
            m.virtio().close();
        }
    }

    @Test
    void aRefusedRaiseIsNotLoweredAndTheCheckpointIsTakenAllTheSame() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        CheckpointEngine engine = new CheckpointEngine(m, Repository.open(dir.resolve("repo"), true), null);
        Recording rec = new Recording(m, false);
        engine.setCapturePriority(rec);
        Thread run = new Thread(() -> m.run(-1));
        run.start();
        try {
            while (m.runThreadHostId() <= 0) Thread.sleep(5);
            assertNotNull(engine.checkpoint(CheckpointOptions.defaults(), null).info().id());
            synchronized (rec) {
                assertEquals(1, rec.calls.size(), "asked once, refused, never lowered");
                assertEquals(0, rec.calls.get(0)[0]);
            }
        } finally {
            m.requestExit(0);
            run.join(10_000);
            m.virtio().close();
        }
    }

    @Test
    void withNoRunLoopNothingIsAsked() throws Exception {
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(200_000);
        CheckpointEngine engine = new CheckpointEngine(m, Repository.open(dir.resolve("repo"), true), null);
        Recording rec = new Recording(m, true);
        engine.setCapturePriority(rec);
        engine.checkpoint(CheckpointOptions.defaults(), null);
        assertTrue(rec.calls.isEmpty(), "the capture runs on the caller's thread: nothing to raise");
        m.virtio().close();
    }
}
