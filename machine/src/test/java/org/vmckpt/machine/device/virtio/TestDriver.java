package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.vmckpt.machine.memory.GuestMemory;

/**
 * Plays the guest's virtio-mmio driver the way Linux's virtio_mmio.c and virtio core do: probe, feature
 * negotiation, queue setup, DRIVER_OK, notify, interrupt status and ack. Allocates rings and buffers from
 * guest RAM above {@link #HEAP}.
 */
final class TestDriver {
    static final long RAM_BASE = 0x8000_0000L;
    static final long RAM_SIZE = 4L << 20;
    static final long HEAP = RAM_BASE + (1L << 20);

    final GuestMemory memory;
    final VirtioMmio mmio;
    final RecordingIrq irq;
    private long next = HEAP;

    TestDriver(GuestMemory memory, VirtioMmio mmio, RecordingIrq irq) {
        this.memory = memory;
        this.mmio = mmio;
        this.irq = irq;
    }

    static TestDriver create(VirtioDevice device) {
        GuestMemory memory = new GuestMemory(RAM_BASE, RAM_SIZE);
        RecordingIrq irq = new RecordingIrq();
        return new TestDriver(memory, new VirtioMmio("virtio0", memory, irq, device), irq);
    }

    int read(int reg) {
        return (int) mmio.read(reg, 4);
    }

    void write(int reg, int value) {
        mmio.write(reg, 4, value & 0xffffffffL);
    }

    long alloc(long size, long align) {
        next = (next + align - 1) & -align;
        long a = next;
        next += size;
        assertTrue(next <= RAM_BASE + RAM_SIZE, "test heap exhausted");
        return a;
    }

    long status() {
        return read(VirtioMmio.REG_STATUS);
    }

    long offeredFeatures() {
        write(VirtioMmio.REG_DEVICE_FEATURES_SEL, 1);
        long hi = read(VirtioMmio.REG_DEVICE_FEATURES) & 0xffffffffL;
        write(VirtioMmio.REG_DEVICE_FEATURES_SEL, 0);
        long lo = read(VirtioMmio.REG_DEVICE_FEATURES) & 0xffffffffL;
        return hi << 32 | lo;
    }

    /** Probe and negotiate: accepts the offered features that are in {@code wanted}; asserts FEATURES_OK stuck. */
    long negotiate(long wanted) {
        assertEquals(VirtioMmio.MAGIC, read(VirtioMmio.REG_MAGIC));
        assertEquals(2, read(VirtioMmio.REG_VERSION));
        write(VirtioMmio.REG_STATUS, 0);
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE);
        write(VirtioMmio.REG_STATUS, VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER);
        long features = offeredFeatures() & wanted;
        writeDriverFeatures(features);
        int st = VirtioMmio.STATUS_ACKNOWLEDGE | VirtioMmio.STATUS_DRIVER | VirtioMmio.STATUS_FEATURES_OK;
        write(VirtioMmio.REG_STATUS, st);
        assertEquals(st, status(), "FEATURES_OK must stick");
        return features;
    }

    void writeDriverFeatures(long features) {
        write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 1);
        write(VirtioMmio.REG_DRIVER_FEATURES, (int) (features >>> 32));
        write(VirtioMmio.REG_DRIVER_FEATURES_SEL, 0);
        write(VirtioMmio.REG_DRIVER_FEATURES, (int) features);
    }

    /** vm_setup_vq: select, check not ready, read max, write size and the three ring addresses, ready = 1. */
    TestQueue setupQueue(int index, int size) {
        write(VirtioMmio.REG_QUEUE_SEL, index);
        assertEquals(0, read(VirtioMmio.REG_QUEUE_READY));
        int max = read(VirtioMmio.REG_QUEUE_NUM_MAX);
        assertTrue(max >= size, "queue " + index + " max " + max + " < " + size);
        long desc = alloc(16L * size, 16);
        long avail = alloc(6 + 2L * size, 2);
        long used = alloc(6 + 8L * size, 4);
        TestQueue q = new TestQueue(this, index, size, desc, avail, used);
        q.configure();
        return q;
    }

    void driverOk() {
        write(VirtioMmio.REG_STATUS, (int) status() | VirtioMmio.STATUS_DRIVER_OK);
    }

    /** vm_interrupt: read the status and acknowledge what was read. */
    int takeInterrupt() {
        int s = read(VirtioMmio.REG_INTERRUPT_STATUS);
        write(VirtioMmio.REG_INTERRUPT_ACK, s);
        return s;
    }

    long configRead(int offset, int size) {
        return mmio.read(VirtioMmio.REG_CONFIG + offset, size);
    }

    void configWrite(int offset, int size, long value) {
        mmio.write(VirtioMmio.REG_CONFIG + offset, size, value);
    }

    boolean needsReset() {
        return (status() & VirtioMmio.STATUS_DEVICE_NEEDS_RESET) != 0;
    }

    void writeBytes(long addr, byte[] data) {
        memory.writeBytes(addr, data, 0, data.length);
    }

    byte[] readBytes(long addr, int len) {
        byte[] b = new byte[len];
        memory.readBytes(addr, b, 0, len);
        return b;
    }

    /** A new driver over a copy of this one's memory and a fresh transport/device, for state round trips. */
    long heapNext() { return next; }

    void setHeapNext(long n) { next = n; }
}
