package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Machine#whenIdle}: host work that runs on the run thread only while the guest waits for an interrupt (or
 * the machine is paused), never between two batches of a busy guest, each task once, in the order given.
 */
class MachineWhenIdleTest {
    /**
     * A guest that arms a CLINT timer every ~100 µs and waits for it in wfi every 2,048th turn of its loop
     * (src/test/baremetal/timerloop.S), deterministic: its idle moments are shorter than the 250 µs host time
     * asks for, and in deterministic mode every idle moment takes a task.
     */
    private static Machine timerLoop() throws Exception {
        MachineConfig config = new MachineConfig(16 << 20, null, null, "", null, EngineRun.elf("timerloop.elf"), List.of(), false, false, true);
        Machine m = new Machine(config, new ByteArrayOutputStream()::write);
        m.boot();
        return m;
    }

    @Test
    void tasksRunWhileTheGuestWaitsForAnInterruptEachOnceInOrder() throws Exception {
        Machine m = timerLoop();
        Thread self = Thread.currentThread();
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            int n = i;
            m.whenIdle(() -> seen.add(n + " " + (Thread.currentThread() == self) + " " + m.hart(0).isWaitingForInterrupt()));
        }
        m.whenIdle(() -> m.requestExit(0));
        Integer exit = m.run(-1);
        try {
            assertEquals(0, exit, "the last idle task ends the run: the guest idled");
            assertEquals(List.of("0 true true", "1 true true", "2 true true"), seen,
                    "each task once, on the run thread, while the hart waited for an interrupt");
        } finally {
            m.virtio().close();
        }
    }

    @Test
    void aBusyGuestDoesNotRunThemButAPausedMachineDoes() throws Exception {
        // DeterminismTest's bare-metal self test never waits for an interrupt.
        Machine busy = new Machine(DeterminismTest.elfConfig(), new ByteArrayOutputStream()::write);
        busy.boot();
        List<Long> ranAt = new ArrayList<>();
        busy.whenIdle(() -> ranAt.add(busy.hart(0).instret));
        try {
            busy.run(50_000);
            assertTrue(busy.hart(0).instret >= 50_000, "the guest ran");
            assertEquals(List.of(), ranAt, "no idle task between batches of a guest that never idled");
            busy.requestPause();
            busy.whenIdle(() -> busy.requestExit(0));
            assertEquals(0, busy.run(-1), "a paused machine takes idle tasks (the second one ends the run)");
            assertEquals(1, ranAt.size(), "the first task ran once, before the second");
        } finally {
            busy.virtio().close();
        }
    }
}
