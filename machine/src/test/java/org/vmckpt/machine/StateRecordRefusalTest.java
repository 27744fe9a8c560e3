package org.vmckpt.machine;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Every state record of a booted Linux machine (the default guest at its ready marker, so the virtio queues
 * are live) round-trips into a fresh machine, and is refused clearly when it cannot be read: a record of
 * another version (a newer vmckpt's, or version 0) gives a {@link StateFormatException} naming the record,
 * and so does every truncation of it. Never another exception. The virtio devices' own records, nested in
 * their transports' records, are checked the same way.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class StateRecordRefusalTest {
    /** One saved record: the part it came from, its version and its bytes. */
    private record Saved(String name, int version, byte[] bytes) { }

    @Test
    @Timeout(value = 200, unit = TimeUnit.SECONDS)
    void everyRecordOfABootedMachineRoundTripsAndRefusesOtherVersionsAndTruncation() throws Exception {
        long t0 = System.nanoTime();
        DefaultGuest.Paths guest = DefaultGuest.ensureBuilt(System.err);
        MachineConfig config = new MachineConfig(512L << 20, guest.kernel(), guest.initrd(), guest.cmdline(), null, null,
                List.of(new MachineConfig.DiskConfig(guest.disk(), false)), true, true, false);
        ConsoleBuffer console = new ConsoleBuffer();
        Machine booted = new Machine(config, console);
        Machine fresh = new Machine(config, b -> { });
        try {
            booted.boot();
            FutureTask<Integer> run = new FutureTask<>(() -> booted.run(-1));
            Thread runThread = new Thread(run, "state-record-test-vm");
            runThread.setDaemon(true);
            runThread.start();
            console.await(LinuxBootTest.MARKER, 0, LinuxBootTest.BOOT_TIMEOUT_MS, () -> !run.isDone());
            // Saved at an instruction boundary on the run thread, as a checkpoint does; then the machine stops.
            List<Saved> saved = booted.callAtInstructionBoundary(() -> saveAll(parts(booted)));
            booted.requestExit(0);
            runThread.join(10_000);

            List<Snapshottable> targets = parts(fresh);
            assertEquals(saved.size(), targets.size());
            // Round trip, in load order (the clock's record reads the hart's instret): identical bytes again. The
            // fresh machine's clock is stopped, as a paused machine's is: a running host clock would move on.
            fresh.clock().pause();
            for (int i = 0; i < saved.size(); i++) {
                Saved s = saved.get(i);
                Snapshottable t = targets.get(i);
                assertEquals(s.name(), t.stateName());
                t.loadState(new StateReader(s.name(), s.bytes()), s.version());
            }
            List<Saved> again = saveAll(targets);
            for (int i = 0; i < saved.size(); i++) {
                assertArrayEquals(saved.get(i).bytes(), again.get(i).bytes(), "record '" + saved.get(i).name() + "' changed in a round trip");
            }

            int truncations = 0;
            for (int i = 0; i < saved.size(); i++) {
                Saved s = saved.get(i);
                Snapshottable t = targets.get(i);
                for (int version : new int[]{s.version() + 1, 0, Integer.MAX_VALUE}) {
                    StateFormatException e = refused(t, s.name(), s.bytes(), version, "version " + version);
                    assertTrue(e.getMessage().contains("'" + s.name() + "'"), "the refusal of version " + version + " does not name the record: " + e.getMessage());
                }
                for (int length : truncatedLengths(s.bytes().length)) {
                    StateFormatException e = refused(t, s.name(), Arrays.copyOf(s.bytes(), length), s.version(), "truncated to " + length + " bytes");
                    assertNotNull(e.getMessage());
                    truncations++;
                }
            }
            System.out.printf("StateRecordRefusalTest: %d records (%s), %d truncations refused; %.1f s%n", saved.size(),
                    saved.stream().map(s -> s.name() + " v" + s.version() + " " + s.bytes().length + " B").toList(), truncations,
                    (System.nanoTime() - t0) / 1e9);
        } finally {
            booted.requestExit(0);
            booted.virtio().close();
            fresh.virtio().close();
        }
    }

    /** The machine's records, and the virtio devices' records nested in them. */
    private static List<Snapshottable> parts(Machine m) {
        List<Snapshottable> out = new ArrayList<>(m.stateParts());
        for (VirtioBlk d : m.virtio().disks()) out.add(d);
        if (m.virtio().balloon() != null) out.add(m.virtio().balloon());
        return out;
    }

    private static List<Saved> saveAll(List<Snapshottable> parts) {
        List<Saved> out = new ArrayList<>();
        for (Snapshottable p : parts) {
            StateWriter w = new StateWriter();
            p.saveState(w);
            out.add(new Saved(p.stateName(), p.stateVersion(), w.toByteArray()));
        }
        return out;
    }

    /** Every length below 512, then about 200 more spread over the rest. */
    private static List<Integer> truncatedLengths(int size) {
        List<Integer> out = new ArrayList<>();
        int step = Math.max(1, (size - 512) / 200);
        for (int n = 0; n < size; n += n < 512 ? 1 : step) out.add(n);
        return out;
    }

    /** Loads a record that must be refused; any other exception, or none, fails the test. */
    private static StateFormatException refused(Snapshottable target, String name, byte[] bytes, int version, String what) {
        try {
            target.loadState(new StateReader(name, bytes), version);
        } catch (StateFormatException e) {
            return e;
        } catch (Throwable t) {
            throw new AssertionError("record '" + name + "' " + what + ": " + t + " instead of a StateFormatException", t);
        }
        throw new AssertionError("record '" + name + "' " + what + " was accepted");
    }
}
