package org.vmckpt.machine.device;

import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.firmware.DeviceTree;
import org.vmckpt.machine.firmware.DeviceTreeNode;
import org.vmckpt.machine.firmware.FdtWriter;

/**
 * A virtual machine generation ID ("microsoft,vmgenid", Linux drivers/virt/vmgenid.c): 16 bytes the guest reads
 * at offset 0 of its window, and an interrupt that says they changed. Linux mixes a new ID into its random pool
 * and reseeds its CRNG at once (add_vmfork_randomness), so two VMs restored from one checkpoint stop producing
 * the same /dev/urandom bytes.
 *
 * <p>The interrupt line stays raised until the guest reads the ID (Linux's handler reads it), then drops: an
 * edge as the guest sees it, with the PLIC's level gateway. The device has no checkpoint record: a restored
 * machine gets a fresh ID anyway.
 */
public final class VmGenId implements MmioDevice, DeviceTreeNode {
    public static final long SIZE = 0x1000;
    public static final int ID_BYTES = 16;

    private final IrqLine irq;
    private final byte[] id = new byte[ID_BYTES];
    private boolean notifying;

    public VmGenId(IrqLine irq, byte[] initialId) {
        this.irq = irq;
        System.arraycopy(initialId, 0, id, 0, ID_BYTES);
    }

    /** Replaces the ID and tells the guest (on the machine's run thread, or while no run loop runs). */
    public void newGeneration(byte[] newId) {
        if (newId.length != ID_BYTES) throw new IllegalArgumentException("a generation ID has 16 bytes");
        System.arraycopy(newId, 0, id, 0, ID_BYTES);
        notifying = true;
        irq.set(true);
    }

    public byte[] id() {
        return id.clone();
    }

    @Override
    public long read(long offset, int size) {
        if (offset < 0 || offset + size > ID_BYTES) return 0;
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (id[(int) offset + i] & 0xff);
        if (notifying) {
            notifying = false;
            irq.set(false);
        }
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        // read-only
    }

    @Override
    public void writeNode(FdtWriter w, DeviceTree.Handles h) {
        w.beginNode("vmgenid@" + Long.toHexString(MemoryMap.VMGENID_BASE));
        w.propertyString("compatible", "microsoft,vmgenid");
        w.propertyU64("reg", MemoryMap.VMGENID_BASE, SIZE);
        w.propertyU32("interrupt-parent", h.plic());
        w.propertyU32("interrupts", MemoryMap.VMGENID_IRQ);
        w.endNode();
    }
}
