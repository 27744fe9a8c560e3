package org.vmckpt.checkpoint;

import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.device.virtio.VirtioMmio;
import org.vmckpt.machine.memory.GuestMemory;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Plays the guest's virtio-blk driver on a machine's first disk, through its virtio-mmio registers, as Linux
 * does: one descriptor chain per request (header, data, status). The device serves each request when the queue
 * is notified, writing guest memory exactly as it does for a real guest. Rings live at {@code ringArea}.
 */
final class BlockDriver {
    private static final int QUEUE = 8;
    private final GuestMemory memory;
    private final VirtioMmio mmio;
    private final long desc, avail, used, header, status;
    private int nextAvail;

    /** Sets the device up, with its rings at {@code ringArea}. */
    BlockDriver(Machine m, long ringArea) {
        this(m, ringArea, false);
    }

    /**
     * @param resume the device is already set up with its rings at {@code ringArea} (a machine restored from a
     *               checkpoint of one that had a driver there): carry on from its ring indexes
     */
    BlockDriver(Machine m, long ringArea, boolean resume) {
        this(m, 0, ringArea, resume);
    }

    /** The driver of disk {@code disk} (its virtio slot). */
    BlockDriver(Machine m, int disk, long ringArea, boolean resume) {
        this.memory = m.memory();
        this.mmio = m.virtio().transports().get(disk);
        this.desc = ringArea;
        this.avail = ringArea + 16 * QUEUE;
        this.used = ringArea + 1024;
        this.header = ringArea + 2048;
        this.status = ringArea + 2048 + 64;
        if (resume) {
            nextAvail = memory.read16(avail + 2);
            return;
        }
        write(VirtioMmio.REG_STATUS, 0);
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER);
        write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 1);
        write(VirtioMmio.REG_DRIVER_FEATURES, 1); // VIRTIO_F_VERSION_1 (bit 32)
        write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 0);
        write(VirtioMmio.REG_DRIVER_FEATURES, 0);
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER | VirtioMmio.STATUS_FEATURES_OK);
        write(VirtioMmio.REG_QUEUE_SEL, 0);
        write(VirtioMmio.REG_QUEUE_NUM, QUEUE);
        write(VirtioMmio.REG_QUEUE_DESC_LOW, (int) desc);
        write(VirtioMmio.REG_QUEUE_DESC_HIGH, (int) (desc >>> 32));
        write(VirtioMmio.REG_QUEUE_DRIVER_LOW, (int) avail);
        write(VirtioMmio.REG_QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        write(VirtioMmio.REG_QUEUE_DEVICE_LOW, (int) used);
        write(VirtioMmio.REG_QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        write(VirtioMmio.REG_QUEUE_READY, 1);
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER | VirtioMmio.STATUS_FEATURES_OK
                | VirtioMmio.STATUS_DRIVER_OK);
    }

    private void write(int reg, int v) {
        mmio.write(reg, 4, v & 0xffffffffL);
    }

    /** Reads {@code len} bytes at disk sector {@code sector} into guest memory at {@code addr}. */
    void read(long sector, long addr, int len) {
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_IN, sector, addr, len, true), "read of sector " + sector);
    }

    /** Writes {@code len} bytes of guest memory at {@code addr} to disk sector {@code sector}. */
    void write(long sector, long addr, int len) {
        assertEquals(VirtioBlk.S_OK, request(VirtioBlk.T_OUT, sector, addr, len, false), "write of sector " + sector);
    }

    private int request(int type, long sector, long addr, int len, boolean deviceWrites) {
        memory.write32(header, type);
        memory.write32(header + 4, 0);
        memory.write64(header + 8, sector);
        memory.write8(status, 0xff);
        descriptor(0, header, 16, false, 1);
        descriptor(1, addr, len, deviceWrites, 2);
        descriptor(2, status, 1, true, -1);
        memory.write16(avail + 4 + 2L * (nextAvail % QUEUE), 0);
        nextAvail++;
        memory.write16(avail + 2, nextAvail & 0xffff);
        write(VirtioMmio.REG_QUEUE_NOTIFY, 0);
        assertEquals(nextAvail & 0xffff, memory.read16(used + 2) & 0xffff, "the device served the request");
        write(VirtioMmio.REG_INTERRUPT_ACK, (int) mmio.read(VirtioMmio.REG_INTERRUPT_STATUS, 4));
        return memory.read8(status);
    }

    private void descriptor(int i, long addr, int len, boolean deviceWrites, int next) {
        long d = desc + 16L * i;
        memory.write64(d, addr);
        memory.write32(d + 8, len);
        memory.write16(d + 12, (next >= 0 ? 1 : 0) | (deviceWrites ? 2 : 0));
        memory.write16(d + 14, Math.max(next, 0));
    }
}
