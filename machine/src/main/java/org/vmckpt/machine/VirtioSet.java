package org.vmckpt.machine;

import org.vmckpt.machine.device.Plic;
import org.vmckpt.machine.device.virtio.DiskOverlay;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.device.virtio.VirtioDevice;
import org.vmckpt.machine.device.virtio.VirtioMmio;
import org.vmckpt.machine.device.virtio.VirtioNet;
import org.vmckpt.machine.net.NetBackend;
import org.vmckpt.machine.net.NetSpec;
import org.vmckpt.machine.device.virtio.VirtioRng;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.Snapshottable;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The virtio-mmio slots of a machine and the devices in them, built from the configuration in a fixed
 * order (disks, then balloon, then rng, then net), so slot numbers and record names are the same on every run.
 */
public final class VirtioSet implements org.vmckpt.machine.firmware.DeviceTreeNode {
    private final List<VirtioMmio> transports = new ArrayList<>();
    private final List<VirtioBlk> disks = new ArrayList<>();
    private VirtioBalloon balloon;
    private VirtioRng rng;
    private VirtioNet net;

    /** The MAC address of the guest's network device (QEMU's default). */
    public static final byte[] GUEST_MAC = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};

    /**
     * @param runOnRunThread runs a task on the machine's run thread (the network device delivers frames with it)
     * @param bindForwards   open the network's host forwards now (false: later, see {@link org.vmckpt.machine.net.NetBackend#bindForwards})
     */
    VirtioSet(MachineConfig config, GuestMemory memory, Bus bus, Plic plic, java.util.function.Consumer<Runnable> runOnRunThread,
              boolean bindForwards) throws IOException {
        for (int i = 0; i < config.disks().size(); i++) {
            MachineConfig.DiskConfig d = config.disks().get(i);
            VirtioBlk blk = new VirtioBlk(d.image(), false, d.writeThrough(), config.overlayMemoryBytes(), config.spillDir());
            if (i < org.vmckpt.machine.memory.PageOrigin.MAX_SOURCE - org.vmckpt.machine.memory.PageOrigin.DISK_FIRST) blk.recordPageOrigins(i);
            disks.add(blk);
            add("virtio-blk" + i, blk, memory, bus, plic);
        }
        if (config.balloon()) {
            balloon = new VirtioBalloon();
            add("virtio-balloon", balloon, memory, bus, plic);
        }
        if (config.rng()) {
            // Deterministic mode: a fixed seed, so two runs see the same "entropy".
            rng = new VirtioRng(config.deterministic() ? new SplittableRandom(0x766d636b) : new org.vmckpt.machine.device.virtio.HostEntropy());
            add("virtio-rng", rng, memory, bus, plic);
        }
        if (config.net() != null) {
            NetBackend backend = NetSpec.parse(config.net()).open(bindForwards);
            net = new VirtioNet(GUEST_MAC, backend, runOnRunThread);
            add("virtio-net", net, memory, bus, plic);
        }
    }

    /** The network device, or null if the machine has none. */
    public VirtioNet net() {
        return net;
    }

    private void add(String name, VirtioDevice device, GuestMemory memory, Bus bus, Plic plic) {
        int slot = transports.size();
        VirtioMmio t = new VirtioMmio(name, memory, plic.line(MemoryMap.VIRTIO_IRQ_BASE + slot), device);
        bus.map(name, MemoryMap.virtioBase(slot), MemoryMap.VIRTIO_SIZE, t);
        transports.add(t);
    }

    public int slotCount() {
        return transports.size();
    }

    public List<VirtioBlk> disks() {
        return List.copyOf(disks);
    }

    /** The balloon, or null if the machine has none. */
    public VirtioBalloon balloon() {
        return balloon;
    }

    public List<VirtioMmio> transports() {
        return List.copyOf(transports);
    }

    List<Snapshottable> stateParts() {
        return new ArrayList<>(transports);
    }

    /** Hashes every disk's overlay (block numbers and contents) for {@link Machine#stateHash()}. */
    void hashDisks(MessageDigest d) {
        for (VirtioBlk blk : disks) {
            DiskOverlay o = blk.overlay();
            for (long b = o.nextBlock(0); b >= 0; b = o.nextBlock(b + 1)) {
                for (int k = 0; k < 8; k++) d.update((byte) (b >>> (8 * k)));
                d.update(o.block(b));
            }
        }
    }

    public void close() {
        if (net != null) net.backend().close();
        for (VirtioBlk blk : disks) {
            try {
                blk.close();
            } catch (IOException e) {
                // closing a read-only image cannot lose data
            }
        }
    }

    /** One virtio-mmio node per populated slot. */
    @Override
    public void writeNode(org.vmckpt.machine.firmware.FdtWriter w, org.vmckpt.machine.firmware.DeviceTree.Handles h) {
        for (int i = 0; i < slotCount(); i++) {
            long base = MemoryMap.virtioBase(i);
            w.beginNode("virtio_mmio@" + Long.toHexString(base));
            w.propertyString("compatible", "virtio,mmio");
            w.propertyU64("reg", base, MemoryMap.VIRTIO_SIZE);
            w.propertyU32("interrupt-parent", h.plic());
            w.propertyU32("interrupts", MemoryMap.VIRTIO_IRQ_BASE + i);
            w.endNode();
        }
    }
}
