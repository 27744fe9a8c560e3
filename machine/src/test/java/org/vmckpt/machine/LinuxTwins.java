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
     * The reference boots' state hashes at {@link #POINTS}, by reference (round 78): a deterministic boot of one setup
     * reaches the same state at the same counts in every run (DeterminismTest), so the classes whose methods compare
     * several setups against one reference boot it once per test JVM, not once per method. Only setups named by a
     * {@code referenceKey} are kept; a reference whose boot failed (ended early) is not.
     */
    private static final java.util.Map<String, String[]> REFERENCE_HASHES = new java.util.concurrent.ConcurrentHashMap<>();

    /** Reference boots run by {@link #bootAndCompare} in this JVM (for the tests of the cache). */
    static final java.util.concurrent.atomic.AtomicInteger referenceBoots = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * Boots both machines and compares them at {@link #POINTS}; then hands the machine under test to {@code after} and
     * checks that the guest reached its /init marker.
     */
    static void bootAndCompare(String what, Consumer<Machine> setUpReference, Consumer<Machine> setUpTested,
                               Consumer<Machine> after) throws Exception {
        bootAndCompare(what, null, setUpReference, setUpTested, after);
    }

    /**
     * As above; with a non-null {@code referenceKey} the reference's hashes at the points are those of the first boot of
     * that key in this JVM ({@link #REFERENCE_HASHES}), booted here if there is none yet. Callers give one key to one
     * setup of the reference: the same {@code setUpReference} on the same configuration, with nothing the key's other
     * callers change (switches of the machine under test only) able to reach it.
     */
    static void bootAndCompare(String what, String referenceKey, Consumer<Machine> setUpReference, Consumer<Machine> setUpTested,
                               Consumer<Machine> after) throws Exception {
        MachineConfig config = DeterminismTest.linuxConfig(DefaultGuest.ensureBuilt(System.err));
        String[] known = referenceKey == null ? null : REFERENCE_HASHES.get(referenceKey);
        String[] hashes = known != null ? known : referenceHashes(config, setUpReference);
        System.out.printf("LinuxTwins %s: the reference's hashes %s (%d reference boots in this JVM)%n", what,
                known != null ? "from this JVM's first boot of " + referenceKey : "from its own boot", referenceBoots.get());
        if (known == null && referenceKey != null) REFERENCE_HASHES.putIfAbsent(referenceKey, hashes);
        StringBuilder console = new StringBuilder();
        Machine tested = new Machine(config, b -> console.append((char) b));
        setUpTested.accept(tested);
        try {
            tested.boot();
            long done = 0;
            for (int k = 0; k < POINTS.length; k++) {
                long p = POINTS[k];
                assertNull(tested.run(p - done), "the guest under test (" + what + ") ended early");
                done = p;
                assertEquals(p, tested.hart(0).instret, what + " stops at exactly the requested count");
                assertEquals(hashes[k], DeterminismTest.HEX.formatHex(tested.stateHash()),
                        "state after " + p + " instructions" + (known != null ? " (the reference's hash from this JVM's first boot of " + referenceKey + ")" : "")
                                + "; console so far:\n" + console);
            }
            after.accept(tested);
            assertTrue(console.toString().contains("VMCKPT-READY"), "the boot reached the guest's /init marker (user space) by the last count:\n" + console);
        } finally {
            tested.virtio().close();
        }
    }

    /** Boots the reference and returns its state hashes at {@link #POINTS}. */
    private static String[] referenceHashes(MachineConfig config, Consumer<Machine> setUpReference) throws Exception {
        referenceBoots.incrementAndGet();
        Machine reference = new Machine(config, b -> { });
        setUpReference.accept(reference);
        try {
            reference.boot();
            String[] hashes = new String[POINTS.length];
            long done = 0;
            for (int k = 0; k < POINTS.length; k++) {
                assertNull(reference.run(POINTS[k] - done), "the reference guest ended early");
                done = POINTS[k];
                assertEquals(POINTS[k], reference.hart(0).instret, "the reference stops at exactly the requested count");
                hashes[k] = DeterminismTest.HEX.formatHex(reference.stateHash());
            }
            return hashes;
        } finally {
            reference.virtio().close();
        }
    }
}
