package org.vmckpt.machine;

import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Two deterministic boots of the default guest that must agree: a reference machine and one under test, set up
 * differently (interpreter against translator, general loop against fast loop), run to the same instruction counts and
 * compared by {@link Machine#stateHash()} at each. Counts that are not multiples of the batch size, so each engine must
 * stop at exactly the requested count: early kernel init, while modules load, and after user processes have started.
 */
final class LinuxTwins {
    static final long[] POINTS = {123_456_789, 555_555_555, 1_100_000_001};

    private LinuxTwins() {}

    /**
     * Boots both machines and compares them at {@link #POINTS}; then hands the machine under test to {@code after} and
     * checks that the guest reached its /init marker.
     */
    static void bootAndCompare(String what, Consumer<Machine> setUpReference, Consumer<Machine> setUpTested,
                               Consumer<Machine> after) throws Exception {
        MachineConfig config = DeterminismTest.linuxConfig(DefaultGuest.ensureBuilt(System.err));
        StringBuilder console = new StringBuilder();
        Machine reference = new Machine(config, b -> { });
        Machine tested = new Machine(config, b -> console.append((char) b));
        setUpReference.accept(reference);
        setUpTested.accept(tested);
        try {
            reference.boot();
            tested.boot();
            long done = 0;
            for (long p : POINTS) {
                assertNull(reference.run(p - done), "the reference guest ended early");
                assertNull(tested.run(p - done), "the guest under test (" + what + ") ended early");
                done = p;
                assertEquals(p, tested.hart(0).instret, what + " stops at exactly the requested count");
                assertEquals(DeterminismTest.HEX.formatHex(reference.stateHash()), DeterminismTest.HEX.formatHex(tested.stateHash()),
                        "state after " + p + " instructions; console so far:\n" + console);
            }
            after.accept(tested);
            assertTrue(console.toString().contains("VMCKPT-READY"), "the boot reached the guest's /init marker (user space) by the last count:\n" + console);
        } finally {
            reference.virtio().close();
            tested.virtio().close();
        }
    }
}
