package org.vmckpt.machine;

import org.vmckpt.machine.device.Plic;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.Snapshottable;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/** The virtio-mmio slots of a machine and the devices in them, built from the configuration. */
public final class VirtioSet {
    private final List<Snapshottable> parts = new ArrayList<>();
    private int slots;

    VirtioSet(MachineConfig config, GuestMemory memory, Bus bus, Plic plic) throws IOException {
        if (!config.disks().isEmpty() || config.balloon() || config.rng()) {
            throw new IOException("virtio devices are not wired into the machine yet");
        }
    }

    public int slotCount() {
        return slots;
    }

    List<Snapshottable> stateParts() {
        return parts;
    }

    void hashDisks(MessageDigest d) {
    }
}
