package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FirstIdle}: the signal a migrated guest's session set-up waits for comes at the guest's first idle moment
 * (from the run thread, after the guest has run), and a guest that never idles leaves the waiter to its bound.
 */
class FirstIdleTest {
    private static Machine machine(String elf) throws Exception {
        Path path = Path.of(FirstIdleTest.class.getResource("/elf/" + elf).toURI());
        MachineConfig config = new MachineConfig(16 << 20, null, null, "", null, path, List.of(), false, false, true);
        Machine m = new Machine(config, new ByteArrayOutputStream()::write);
        m.boot();
        return m;
    }

    @Test
    void theSignalComesAtTheGuestsFirstIdleFromTheRunThread() throws Exception {
        // Arms a timer and waits for it in wfi every 2,048th turn of its loop (machine's src/test/baremetal/timerloop.S).
        Machine m = machine("timerloop.elf");
        try {
            FirstIdle idle = FirstIdle.register(m);
            CompletableFuture<long[]> seen = new CompletableFuture<>();
            // Queued after the signal: runs at the next idle moment, once the signal's has passed.
            m.whenIdle(() -> {
                seen.complete(new long[] {m.hart(0).instret});
                m.requestExit(0);
            });
            long before = System.nanoTime();
            assertEquals(0, m.run(-1), "the guest idled (the second idle task ends the run)");
            long at = idle.await(0);
            assertTrue(at >= before, "the signal came while the machine ran, from its first idle moment");
            assertTrue(seen.get()[0] > 0, "the guest ran instructions before it idled");
        } finally {
            m.virtio().close();
        }
    }

    @Test
    void aGuestThatNeverIdlesLeavesTheWaiterToItsBound() throws Exception {
        // machine's bare-metal self test never waits for an interrupt.
        Machine m = machine("selftest.elf");
        try {
            FirstIdle idle = FirstIdle.register(m);
            m.run(50_000);
            assertTrue(m.hart(0).instret >= 50_000, "the guest ran");
            long t0 = System.nanoTime();
            assertEquals(-1, idle.await(20_000_000L), "no signal from a guest that never idled: the bound ran out");
            assertTrue(System.nanoTime() - t0 >= 20_000_000L, "the waiter waited its bound");
        } finally {
            m.virtio().close();
        }
    }
}
