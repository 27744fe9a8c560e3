package org.vmckpt.machine.device.virtio;

import java.util.function.Consumer;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * A split virtqueue (virtio 1.2, section 2.7) in guest memory: descriptor table, available ring (the
 * "driver area") and used ring (the "device area").
 *
 * <p>Everything the guest wrote is checked before use: ring addresses and sizes when the queue is enabled,
 * every index read from the rings, every descriptor's address and length, and the length of every chain,
 * which is bounded by the table it lives in, so a descriptor loop cannot hang the device. A violation is
 * reported once to the error sink (the transport marks the device NEEDS_RESET) and the queue stops; no guest
 * value can raise an exception here.
 */
public final class Virtqueue implements Snapshottable {
    public static final int DESC_F_NEXT = 1;
    public static final int DESC_F_WRITE = 2;
    public static final int DESC_F_INDIRECT = 4;
    public static final int AVAIL_F_NO_INTERRUPT = 1;
    /** Longest indirect table accepted (QEMU's VIRTQUEUE_MAX_SIZE). */
    public static final int MAX_INDIRECT_DESCRIPTORS = 1024;

    private static final int DESC_SIZE = 16;
    private static final int STATE_VERSION = 1;

    private final GuestMemory memory;
    private final int index;
    private final int maxSize;
    private final Consumer<String> errorSink;

    // Set by the driver through the transport registers.
    private int size;
    private boolean ready;
    private long descAddr;
    private long driverAddr;
    private long deviceAddr;

    // Negotiated ring features, fixed when the queue is enabled.
    private boolean indirect;
    private boolean eventIdx;

    // Device progress.
    private int lastAvailIdx;
    private int usedIdx;
    /** EVENT_IDX: used index at the last interrupt we sent, if {@link #signalledUsedValid}. */
    private int signalledUsed;
    private boolean signalledUsedValid;
    /** The device is broken (NEEDS_RESET): stop popping until reset. Derived from the transport status. */
    private boolean halted;

    public Virtqueue(GuestMemory memory, int index, int maxSize, Consumer<String> errorSink) {
        if (maxSize < 1 || maxSize > 32768 || Integer.bitCount(maxSize) != 1) {
            throw new IllegalArgumentException("queue size must be a power of two up to 32768: " + maxSize);
        }
        this.memory = memory;
        this.index = index;
        this.maxSize = maxSize;
        this.errorSink = errorSink;
        reset();
    }

    /** Device reset: disabled, default size, rings forgotten. */
    public void reset() {
        size = maxSize;
        ready = false;
        descAddr = driverAddr = deviceAddr = 0;
        indirect = eventIdx = false;
        lastAvailIdx = usedIdx = signalledUsed = 0;
        signalledUsedValid = false;
        halted = false;
    }

    public int index() { return index; }
    public int maxSize() { return maxSize; }
    public int size() { return size; }
    public boolean isReady() { return ready; }
    public long descAddress() { return descAddr; }
    public long driverAddress() { return driverAddr; }
    public long deviceAddress() { return deviceAddr; }
    public int lastAvailIndex() { return lastAvailIdx; }
    public int usedIndex() { return usedIdx; }

    // ---------------------------------------------------------------- driver configuration (transport registers)

    /** QueueNum: ignored while the queue is enabled, as the spec forbids changing it then. */
    void setSize(int n) { if (!ready) size = n; }
    void setDescAddress(long a) { if (!ready) descAddr = a; }
    void setDriverAddress(long a) { if (!ready) driverAddr = a; }
    void setDeviceAddress(long a) { if (!ready) deviceAddr = a; }

    void setHalted(boolean h) { halted = h; }

    /**
     * QueueReady = 1: checks the ring layout and starts with empty rings. Returns false (and reports the
     * error) if the driver's size or addresses are invalid.
     */
    boolean enable(long negotiatedFeatures) {
        if (ready) return true;
        if (size < 1 || size > maxSize || Integer.bitCount(size) != 1) {
            return fail("queue size " + size + " is not a power of two in 1.." + maxSize);
        }
        if ((descAddr & 15) != 0 || (driverAddr & 1) != 0 || (deviceAddr & 3) != 0) {
            return fail(String.format("misaligned ring: desc 0x%x, driver 0x%x, device 0x%x", descAddr, driverAddr, deviceAddr));
        }
        if (!memory.contains(descAddr, (long) DESC_SIZE * size)
                || !memory.contains(driverAddr, 6 + 2L * size)
                || !memory.contains(deviceAddr, 6 + 8L * size)) {
            return fail(String.format("ring outside RAM: desc 0x%x, driver 0x%x, device 0x%x, size %d",
                    descAddr, driverAddr, deviceAddr, size));
        }
        indirect = (negotiatedFeatures & (1L << VirtioMmio.F_RING_INDIRECT_DESC)) != 0;
        eventIdx = (negotiatedFeatures & (1L << VirtioMmio.F_RING_EVENT_IDX)) != 0;
        lastAvailIdx = usedIdx = signalledUsed = 0;
        signalledUsedValid = false;
        ready = true;
        return true;
    }

    /** QueueReady = 0. */
    void disable() {
        ready = false;
    }

    private boolean fail(String why) {
        halted = true;
        errorSink.accept("queue " + index + ": " + why);
        return false;
    }

    // ---------------------------------------------------------------- device side

    /** True if the driver made buffers available that were not popped yet. */
    public boolean hasAvailable() {
        return ready && !halted && memory.read16(driverAddr + 2) != lastAvailIdx;
    }

    /**
     * Takes the next available buffer into {@code chain}. Returns false if there is none, the queue is not
     * running, or the buffer is malformed (then the error has been reported and the queue stops).
     */
    public boolean pop(DescriptorChain chain) {
        if (!ready || halted) return false;
        int availIdx = memory.read16(driverAddr + 2);
        int pending = (availIdx - lastAvailIdx) & 0xffff;
        if (pending == 0) {
            if (eventIdx) writeAvailEvent();
            return false;
        }
        if (pending > size) {
            return fail("driver moved the available index from " + lastAvailIdx + " to " + availIdx);
        }
        int head = memory.read16(driverAddr + 4 + 2L * (lastAvailIdx & (size - 1)));
        lastAvailIdx = (lastAvailIdx + 1) & 0xffff;
        // EVENT_IDX: ask to be notified as soon as the driver adds a buffer beyond what we have taken.
        if (eventIdx) writeAvailEvent();
        return readChain(head, chain);
    }

    private void writeAvailEvent() {
        memory.write16(deviceAddr + 4 + 8L * size, lastAvailIdx);
    }

    /**
     * Reads the chain that starts at descriptor {@code head} into {@code chain} (used by {@link #pop}, and by
     * devices that hold a buffer across a checkpoint and need its segments again).
     */
    public boolean readChain(int head, DescriptorChain chain) {
        if (!ready || halted) return false;
        chain.reset(head);
        if (head < 0 || head >= size) return fail("head descriptor " + head + " out of range");
        long table = descAddr;
        int tableSize = size;
        boolean inIndirect = false;
        int idx = head;
        int walked = 0;
        while (true) {
            if (idx >= tableSize) return fail("descriptor index " + idx + " beyond table of " + tableSize);
            if (++walked > tableSize) return fail("descriptor chain from " + head + " is longer than its table (a loop?)");
            long d = table + (long) DESC_SIZE * idx;
            long addr = memory.read64(d);
            long len = memory.read32(d + 8) & 0xffffffffL;
            int flags = memory.read16(d + 12);
            int next = memory.read16(d + 14);
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (!indirect) return fail("indirect descriptor without VIRTIO_F_INDIRECT_DESC");
                if (inIndirect) return fail("indirect descriptor inside an indirect table");
                if (walked != 1) return fail("indirect descriptor not at the head of its chain");
                if ((flags & DESC_F_NEXT) != 0) return fail("indirect descriptor with NEXT set");
                if (len == 0 || len % DESC_SIZE != 0 || len / DESC_SIZE > MAX_INDIRECT_DESCRIPTORS) {
                    return fail("indirect table of " + len + " bytes");
                }
                if ((addr & 15) != 0 || !memory.contains(addr, len)) {
                    return fail(String.format("indirect table at 0x%x (+%d) misaligned or outside RAM", addr, len));
                }
                table = addr;
                tableSize = (int) (len / DESC_SIZE);
                inIndirect = true;
                idx = 0;
                walked = 0;
                continue;
            }
            if (len != 0) {
                if (!memory.contains(addr, len)) {
                    return fail(String.format("buffer 0x%x (+%d) outside RAM", addr, len));
                }
                if ((flags & DESC_F_WRITE) != 0) {
                    chain.addWritable(addr, len);
                } else {
                    if (chain.hasWritable()) return fail("device-readable descriptor after a device-writable one");
                    chain.addReadable(addr, len);
                }
            }
            if ((flags & DESC_F_NEXT) == 0) return true;
            idx = next;
        }
    }

    /** Returns the buffer with head {@code head} to the driver, {@code writtenLength} bytes written into it. */
    public void pushUsed(int head, int writtenLength) {
        if (!ready) return;
        long elem = deviceAddr + 4 + 8L * (usedIdx & (size - 1));
        memory.write32(elem, head);
        memory.write32(elem + 4, writtenLength);
        int old = usedIdx;
        usedIdx = (usedIdx + 1) & 0xffff;
        memory.write16(deviceAddr + 2, usedIdx);
        // The used index lapped the last signalled one: the event comparison would be ambiguous.
        if (((usedIdx - signalledUsed) & 0xffff) < ((usedIdx - old) & 0xffff)) signalledUsedValid = false;
    }

    /**
     * Whether the driver wants an interrupt for the buffers used since the last one (VRING_AVAIL_F_NO_INTERRUPT,
     * or with EVENT_IDX the used_event index). With EVENT_IDX this records that we are signalling now.
     */
    boolean needsInterrupt() {
        if (!ready) return false;
        if (!eventIdx) return (memory.read16(driverAddr) & AVAIL_F_NO_INTERRUPT) == 0;
        boolean valid = signalledUsedValid;
        int old = signalledUsed;
        signalledUsedValid = true;
        signalledUsed = usedIdx;
        if (!valid) return true;
        int usedEvent = memory.read16(driverAddr + 4 + 2L * size);
        // vring_need_event: the driver asked to hear when the used index passes usedEvent.
        return ((usedIdx - usedEvent - 1) & 0xffff) < ((usedIdx - old) & 0xffff);
    }

    // ---------------------------------------------------------------- state

    @Override
    public String stateName() { return "virtqueue" + index; }

    @Override
    public int stateVersion() { return STATE_VERSION; }

    @Override
    public void saveState(StateWriter out) {
        out.writeInt(size);
        out.writeBoolean(ready);
        out.writeLong(descAddr);
        out.writeLong(driverAddr);
        out.writeLong(deviceAddr);
        out.writeBoolean(indirect);
        out.writeBoolean(eventIdx);
        out.writeShort(lastAvailIdx);
        out.writeShort(usedIdx);
        out.writeShort(signalledUsed);
        out.writeBoolean(signalledUsedValid);
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        int n = in.readInt();
        boolean r = in.readBoolean();
        long desc = in.readLong();
        long driver = in.readLong();
        long device = in.readLong();
        boolean ind = in.readBoolean();
        boolean evt = in.readBoolean();
        int lastAvail = in.readShort();
        int used = in.readShort();
        int signalled = in.readShort();
        boolean signalledValid = in.readBoolean();
        in.expectEnd();
        if (n < 1 || n > maxSize || Integer.bitCount(n) != 1) throw in.error("queue size " + n + " invalid (max " + maxSize + ")");
        if (r && (!memory.contains(desc, (long) DESC_SIZE * n) || !memory.contains(driver, 6 + 2L * n)
                || !memory.contains(device, 6 + 8L * n))) {
            throw in.error("ring addresses outside RAM");
        }
        size = n;
        ready = r;
        descAddr = desc;
        driverAddr = driver;
        deviceAddr = device;
        indirect = ind;
        eventIdx = evt;
        lastAvailIdx = lastAvail;
        usedIdx = used;
        signalledUsed = signalled;
        signalledUsedValid = signalledValid;
        halted = false;
    }
}
