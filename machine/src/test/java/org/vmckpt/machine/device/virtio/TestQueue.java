package org.vmckpt.machine.device.virtio;

import java.util.ArrayList;
import java.util.List;

/** The driver's side of one split virtqueue: adds descriptor chains, kicks, collects used elements. */
final class TestQueue {
    /** One buffer segment of a chain. */
    record Buf(long addr, int len, boolean writable) {
        static Buf in(long addr, int len) { return new Buf(addr, len, false); }   // device-readable
        static Buf out(long addr, int len) { return new Buf(addr, len, true); }   // device-writable
    }

    /** A used ring entry. */
    record Used(int id, int len) { }

    final TestDriver d;
    final int index;
    final int size;
    final long desc;
    final long avail;
    final long used;
    int nextDesc;
    int availIdx;
    int lastUsedIdx;

    TestQueue(TestDriver d, int index, int size, long desc, long avail, long used) {
        this.d = d;
        this.index = index;
        this.size = size;
        this.desc = desc;
        this.avail = avail;
        this.used = used;
    }

    void configure() {
        d.write(VirtioMmio.REG_QUEUE_SEL, index);
        d.write(VirtioMmio.REG_QUEUE_NUM, size);
        d.write(VirtioMmio.REG_QUEUE_DESC_LOW, (int) desc);
        d.write(VirtioMmio.REG_QUEUE_DESC_HIGH, (int) (desc >>> 32));
        d.write(VirtioMmio.REG_QUEUE_DRIVER_LOW, (int) avail);
        d.write(VirtioMmio.REG_QUEUE_DRIVER_HIGH, (int) (avail >>> 32));
        d.write(VirtioMmio.REG_QUEUE_DEVICE_LOW, (int) used);
        d.write(VirtioMmio.REG_QUEUE_DEVICE_HIGH, (int) (used >>> 32));
        d.write(VirtioMmio.REG_QUEUE_READY, 1);
    }

    void writeDescriptor(long table, int slot, long addr, int len, int flags, int next) {
        long a = table + 16L * slot;
        d.memory.write64(a, addr);
        d.memory.write32(a + 8, len);
        d.memory.write16(a + 12, flags);
        d.memory.write16(a + 14, next);
    }

    /** Writes a chain into consecutive free descriptors (modulo the size) and returns its head; not yet published. */
    int addChain(Buf... bufs) {
        int head = nextDesc % size;
        for (int i = 0; i < bufs.length; i++) {
            int slot = (nextDesc + i) % size;
            int nextSlot = (nextDesc + i + 1) % size;
            boolean last = i == bufs.length - 1;
            int flags = (bufs[i].writable() ? Virtqueue.DESC_F_WRITE : 0) | (last ? 0 : Virtqueue.DESC_F_NEXT);
            writeDescriptor(desc, slot, bufs[i].addr(), bufs[i].len(), flags, last ? 0 : nextSlot);
        }
        nextDesc += bufs.length;
        return head;
    }

    /** Writes an indirect table holding the chain, and one descriptor pointing at it; returns that head. */
    int addIndirect(Buf... bufs) {
        long table = d.alloc(16L * bufs.length, 16);
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            int flags = (bufs[i].writable() ? Virtqueue.DESC_F_WRITE : 0) | (last ? 0 : Virtqueue.DESC_F_NEXT);
            writeDescriptor(table, i, bufs[i].addr(), bufs[i].len(), flags, last ? 0 : i + 1);
        }
        int head = nextDesc % size;
        writeDescriptor(desc, head, table, 16 * bufs.length, Virtqueue.DESC_F_INDIRECT, 0);
        nextDesc++;
        return head;
    }

    /** Puts a head in the available ring and moves the available index. */
    void publish(int head) {
        d.memory.write16(avail + 4 + 2L * (availIdx % size), head);
        availIdx = (availIdx + 1) & 0xffff;
        d.memory.write16(avail + 2, availIdx);
    }

    void kick() {
        d.write(VirtioMmio.REG_QUEUE_NOTIFY, index);
    }

    /** Adds, publishes and kicks one chain; returns its head. */
    int submit(Buf... bufs) {
        int head = addChain(bufs);
        publish(head);
        kick();
        return head;
    }

    /** Used elements added since the last call. */
    List<Used> takeUsed() {
        List<Used> out = new ArrayList<>();
        int idx = d.memory.read16(used + 2);
        while (lastUsedIdx != idx) {
            long e = used + 4 + 8L * (lastUsedIdx % size);
            out.add(new Used(d.memory.read32(e), d.memory.read32(e + 4)));
            lastUsedIdx = (lastUsedIdx + 1) & 0xffff;
        }
        return out;
    }

    void setAvailFlags(int flags) {
        d.memory.write16(avail, flags);
    }

    /** EVENT_IDX: used_event, the used index after which the driver wants an interrupt. */
    void setUsedEvent(int idx) {
        d.memory.write16(avail + 4 + 2L * size, idx);
    }

    /** EVENT_IDX: avail_event as written by the device. */
    int availEvent() {
        return d.memory.read16(used + 4 + 8L * size);
    }
}
