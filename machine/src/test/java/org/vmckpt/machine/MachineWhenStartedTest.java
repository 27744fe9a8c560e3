package org.vmckpt.machine;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MachineWhenStartedTest {
    @Test
    void tasksRunOnceOnTheRunThreadAfterTheClockStartedInTheOrderGiven() throws Exception {
        Machine m = new Machine(DeterminismTest.elfConfig(), new ByteArrayOutputStream()::write);
        m.boot();
        List<String> seen = new ArrayList<>();
        Thread self = Thread.currentThread();
        m.whenStarted(() -> seen.add("first " + (Thread.currentThread() == self) + " " + m.runState()));
        m.whenStarted(() -> seen.add("second"));
        m.run(10_000);
        m.run(10_000);
        assertEquals(List.of("first true RUNNING", "second"), seen, "each task once, on the run thread, with the guest running");
    }

    @Test
    void aMachineStartedPausedRunsThemToo() throws Exception {
        Machine m = new Machine(DeterminismTest.elfConfig(), new ByteArrayOutputStream()::write);
        m.boot();
        m.requestPause();
        List<String> seen = new ArrayList<>();
        m.whenStarted(() -> {
            seen.add("ran " + m.runState());
            m.requestExit(0);
        });
        m.run(-1);
        assertEquals(List.of("ran PAUSED"), seen);
    }
}
