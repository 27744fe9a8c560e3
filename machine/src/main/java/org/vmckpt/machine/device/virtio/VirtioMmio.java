package org.vmckpt.machine.device.virtio;

import org.vmckpt.machine.device.IrqLine;
import org.vmckpt.machine.device.MmioDevice;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * The virtio-mmio register window, version 2 ("modern" only; virtio 1.2, section 4.2.2), carrying one
 * {@link VirtioDevice}. Registers are 32 bits wide; the device configuration space from 0x100 takes 1, 2, 4
 * and 8 byte accesses. The interrupt is a level: high while InterruptStatus is not zero.
 *
 * <p>Notifications are handled synchronously: a write to QueueNotify runs the device, which consumes the
 * buffers and pushes the used ones before the write returns. A notify before DRIVER_OK is deferred until
 * DRIVER_OK is set (Linux's balloon driver kicks its stats queue before that).
 *
 * <p>Its state record nests the records of the queues and of the device: register only the transport.
 */
public final class VirtioMmio implements MmioDevice, Snapshottable, VirtioTransport {
    public static final int MAGIC = 0x74726976; // "virt"
    public static final int VERSION = 2;
    /** The vendor ID QEMU uses ("QEMU"). */
    public static final int VENDOR_ID = 0x554d4551;

    public static final int REG_MAGIC = 0x000;
    public static final int REG_VERSION = 0x004;
    public static final int REG_DEVICE_ID = 0x008;
    public static final int REG_VENDOR_ID = 0x00c;
    public static final int REG_DEVICE_FEATURES = 0x010;
    public static final int REG_DEVICE_FEATURES_SEL = 0x014;
    public static final int REG_DRIVER_FEATURES = 0x020;
    public static final int REG_DRIVER_FEATURES_SEL = 0x024;
    public static final int REG_QUEUE_SEL = 0x030;
    public static final int REG_QUEUE_NUM_MAX = 0x034;
    public static final int REG_QUEUE_NUM = 0x038;
    public static final int REG_QUEUE_READY = 0x044;
    public static final int REG_QUEUE_NOTIFY = 0x050;
    public static final int REG_INTERRUPT_STATUS = 0x060;
    public static final int REG_INTERRUPT_ACK = 0x064;
    public static final int REG_STATUS = 0x070;
    public static final int REG_QUEUE_DESC_LOW = 0x080;
    public static final int REG_QUEUE_DESC_HIGH = 0x084;
    public static final int REG_QUEUE_DRIVER_LOW = 0x090;
    public static final int REG_QUEUE_DRIVER_HIGH = 0x094;
    public static final int REG_QUEUE_DEVICE_LOW = 0x0a0;
    public static final int REG_QUEUE_DEVICE_HIGH = 0x0a4;
    public static final int REG_SHM_SEL = 0x0ac;
    public static final int REG_SHM_LEN_LOW = 0x0b0;
    public static final int REG_SHM_LEN_HIGH = 0x0b4;
    public static final int REG_SHM_BASE_LOW = 0x0b8;
    public static final int REG_SHM_BASE_HIGH = 0x0bc;
    public static final int REG_CONFIG_GENERATION = 0x0fc;
    public static final int REG_CONFIG = 0x100;
    /** Size of the register window (QEMU's virt board spaces the slots 0x1000 apart). */
    public static final int WINDOW_SIZE = 0x1000;

    public static final int STATUS_ACKNOWLEDGE = 1;
    public static final int STATUS_DRIVER = 2;
    public static final int STATUS_DRIVER_OK = 4;
    public static final int STATUS_FEATURES_OK = 8;
    public static final int STATUS_DEVICE_NEEDS_RESET = 64;
    public static final int STATUS_FAILED = 128;

    public static final int INT_USED_BUFFER = 1;
    public static final int INT_CONFIG_CHANGE = 2;

    public static final int F_RING_INDIRECT_DESC = 28;
    public static final int F_RING_EVENT_IDX = 29;
    public static final int F_VERSION_1 = 32;

    private static final int STATE_VERSION = 1;
    /**
     * The logger, made at the first warning: {@code System.getLogger} starts java.util.logging (its configuration read,
     * a string concatenation's LambdaForm spun), which this class's initialisation did in every restore's loading
     * phase (round 64), for a warning a guest rarely causes.
     */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(VirtioMmio.class.getName());
    }

    private final String name;
    private final GuestMemory memory;
    private final IrqLine irq;
    private final VirtioDevice device;
    private final Virtqueue[] queues;
    private final long offeredFeatures;

    private int status;
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private int interruptStatus;
    private int configGeneration;
    private boolean irqLevel;
    private String lastError;

    /**
     * @param name the state record name, for example {@code "virtio0"}
     */
    public VirtioMmio(String name, GuestMemory memory, IrqLine irq, VirtioDevice device) {
        this.name = name;
        this.memory = memory;
        this.irq = irq;
        this.device = device;
        long devFeatures = device.deviceFeatures();
        if ((devFeatures & ~0xffffffL) != 0) throw new IllegalArgumentException("device features must be in bits 0-23");
        this.offeredFeatures = devFeatures | 1L << F_VERSION_1 | 1L << F_RING_INDIRECT_DESC | 1L << F_RING_EVENT_IDX;
        this.queues = new Virtqueue[device.queueCount()];
        for (int i = 0; i < queues.length; i++) queues[i] = new Virtqueue(memory, i, device.queueMaxSize(i), this::deviceError);
        device.attach(this);
    }

    public VirtioDevice device() { return device; }
    public int status() { return status; }
    public int interruptStatus() { return interruptStatus; }
    public long offeredFeatures() { return offeredFeatures; }
    /** Why the device last entered NEEDS_RESET, or null. */
    public String lastError() { return lastError; }

    // ---------------------------------------------------------------- VirtioTransport

    @Override
    public GuestMemory memory() { return memory; }

    @Override
    public Virtqueue queue(int index) { return queues[index]; }

    @Override
    public long negotiatedFeatures() {
        return (status & STATUS_FEATURES_OK) != 0 ? driverFeatures : 0;
    }

    @Override
    public boolean isLive() {
        return (status & (STATUS_DRIVER_OK | STATUS_DEVICE_NEEDS_RESET)) == STATUS_DRIVER_OK;
    }

    @Override
    public void signalUsed(int queue) {
        if (isLive() && queues[queue].needsInterrupt()) raise(INT_USED_BUFFER);
    }

    @Override
    public void signalConfigChange() {
        configGeneration++;
        // Before DRIVER_OK nobody handles the interrupt; the driver reads the configuration while it starts.
        if ((status & STATUS_DRIVER_OK) != 0) raise(INT_CONFIG_CHANGE);
    }

    @Override
    public void deviceError(String reason) {
        if ((status & STATUS_DEVICE_NEEDS_RESET) != 0) return;
        lastError = reason;
        Log.LOG.log(System.Logger.Level.WARNING, name + ": device needs reset: " + reason);
        status |= STATUS_DEVICE_NEEDS_RESET;
        for (Virtqueue q : queues) q.setHalted(true);
        if ((status & STATUS_DRIVER_OK) != 0) {
            configGeneration++;
            raise(INT_CONFIG_CHANGE);
        }
    }

    private void raise(int bits) {
        interruptStatus |= bits;
        updateIrq();
    }

    private void updateIrq() {
        boolean level = interruptStatus != 0;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    // ---------------------------------------------------------------- registers

    @Override
    public long read(long offset, int size) {
        if (offset >= REG_CONFIG) return readConfig(offset - REG_CONFIG, size);
        if (size != 4) return 0;
        Virtqueue q = selectedQueue();
        switch ((int) offset) {
            case REG_MAGIC: return MAGIC;
            case REG_VERSION: return VERSION;
            case REG_DEVICE_ID: return device.deviceId();
            case REG_VENDOR_ID: return VENDOR_ID & 0xffffffffL;
            case REG_DEVICE_FEATURES:
                if (deviceFeaturesSel == 0) return offeredFeatures & 0xffffffffL;
                if (deviceFeaturesSel == 1) return offeredFeatures >>> 32;
                return 0;
            case REG_QUEUE_NUM_MAX: return q == null ? 0 : q.maxSize();
            case REG_QUEUE_NUM: return q == null ? 0 : q.size();
            case REG_QUEUE_READY: return q != null && q.isReady() ? 1 : 0;
            case REG_INTERRUPT_STATUS: return interruptStatus;
            case REG_STATUS: return status;
            case REG_QUEUE_DESC_LOW: return q == null ? 0 : q.descAddress() & 0xffffffffL;
            case REG_QUEUE_DESC_HIGH: return q == null ? 0 : q.descAddress() >>> 32;
            case REG_QUEUE_DRIVER_LOW: return q == null ? 0 : q.driverAddress() & 0xffffffffL;
            case REG_QUEUE_DRIVER_HIGH: return q == null ? 0 : q.driverAddress() >>> 32;
            case REG_QUEUE_DEVICE_LOW: return q == null ? 0 : q.deviceAddress() & 0xffffffffL;
            case REG_QUEUE_DEVICE_HIGH: return q == null ? 0 : q.deviceAddress() >>> 32;
            // No shared memory regions: a length of all ones says "this region does not exist".
            case REG_SHM_LEN_LOW: case REG_SHM_LEN_HIGH: return 0xffffffffL;
            case REG_CONFIG_GENERATION: return configGeneration & 0xffffffffL;
            default: return 0;
        }
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= REG_CONFIG) {
            writeConfig(offset - REG_CONFIG, size, value);
            return;
        }
        if (size != 4) return;
        int v = (int) value;
        Virtqueue q = selectedQueue();
        switch ((int) offset) {
            case REG_DEVICE_FEATURES_SEL: deviceFeaturesSel = v; break;
            case REG_DRIVER_FEATURES:
                if ((status & STATUS_FEATURES_OK) != 0) break; // features are final
                if (driverFeaturesSel == 0) driverFeatures = (driverFeatures & ~0xffffffffL) | (v & 0xffffffffL);
                else if (driverFeaturesSel == 1) driverFeatures = (driverFeatures & 0xffffffffL) | ((long) v << 32);
                break;
            case REG_DRIVER_FEATURES_SEL: driverFeaturesSel = v; break;
            case REG_QUEUE_SEL: queueSel = v; break;
            case REG_QUEUE_NUM: if (q != null) q.setSize(v); break;
            case REG_QUEUE_READY:
                if (q == null) break;
                if (v == 0) q.disable();
                else if ((status & STATUS_DEVICE_NEEDS_RESET) == 0) q.enable(negotiatedFeatures());
                break;
            case REG_QUEUE_NOTIFY: notifyQueue(v); break;
            case REG_INTERRUPT_ACK:
                interruptStatus &= ~v;
                updateIrq();
                break;
            case REG_STATUS: writeStatus(v); break;
            case REG_QUEUE_DESC_LOW: if (q != null) q.setDescAddress(low(q.descAddress(), v)); break;
            case REG_QUEUE_DESC_HIGH: if (q != null) q.setDescAddress(high(q.descAddress(), v)); break;
            case REG_QUEUE_DRIVER_LOW: if (q != null) q.setDriverAddress(low(q.driverAddress(), v)); break;
            case REG_QUEUE_DRIVER_HIGH: if (q != null) q.setDriverAddress(high(q.driverAddress(), v)); break;
            case REG_QUEUE_DEVICE_LOW: if (q != null) q.setDeviceAddress(low(q.deviceAddress(), v)); break;
            case REG_QUEUE_DEVICE_HIGH: if (q != null) q.setDeviceAddress(high(q.deviceAddress(), v)); break;
            default: break;
        }
    }

    private static long low(long old, int v) { return (old & ~0xffffffffL) | (v & 0xffffffffL); }
    private static long high(long old, int v) { return (old & 0xffffffffL) | ((long) v << 32); }

    private Virtqueue selectedQueue() {
        return queueSel >= 0 && queueSel < queues.length ? queues[queueSel] : null;
    }

    private long readConfig(long offset, int size) {
        if (!configRangeOk(offset, size)) return 0;
        try {
            return device.readConfig((int) offset, size);
        } catch (RuntimeException e) {
            deviceError("internal error reading config: " + e);
            return 0;
        }
    }

    private void writeConfig(long offset, int size, long value) {
        if (!configRangeOk(offset, size)) return;
        try {
            device.writeConfig((int) offset, size, value);
        } catch (RuntimeException e) {
            deviceError("internal error writing config: " + e);
        }
    }

    private boolean configRangeOk(long offset, int size) {
        return (size == 1 || size == 2 || size == 4 || size == 8) && offset >= 0 && offset + size <= device.configSize();
    }

    private void writeStatus(int v) {
        if (v == 0) {
            reset();
            return;
        }
        v &= 0xff & ~STATUS_DEVICE_NEEDS_RESET;
        if ((v & STATUS_FEATURES_OK) != 0 && (status & STATUS_FEATURES_OK) == 0) {
            // Refuse features we did not offer, and a modern device requires VERSION_1: the driver reads the
            // status back and gives up if FEATURES_OK did not stick.
            boolean acceptable = (driverFeatures & ~offeredFeatures) == 0 && (driverFeatures & (1L << F_VERSION_1)) != 0;
            if (!acceptable) v &= ~STATUS_FEATURES_OK;
        }
        boolean becomesOk = (v & STATUS_DRIVER_OK) != 0 && (status & STATUS_DRIVER_OK) == 0;
        status = v | (status & STATUS_DEVICE_NEEDS_RESET);
        if (becomesOk) {
            // Deliver the notifications that arrived before DRIVER_OK.
            for (int i = 0; i < queues.length; i++) notifyQueue(i);
        }
    }

    private void notifyQueue(int index) {
        if (index < 0 || index >= queues.length || !queues[index].isReady() || !isLive()) return;
        try {
            device.queueNotify(index);
        } catch (RuntimeException e) {
            // A bug of ours, never the guest's: keep the machine running, with this device broken.
            deviceError("internal error in queue " + index + ": " + e);
        }
    }

    /** Device reset: written 0 to Status. */
    public void reset() {
        status = 0;
        deviceFeaturesSel = 0;
        driverFeaturesSel = 0;
        driverFeatures = 0;
        queueSel = 0;
        interruptStatus = 0;
        lastError = null;
        for (Virtqueue q : queues) q.reset();
        device.reset();
        updateIrq();
    }

    // ---------------------------------------------------------------- state

    @Override
    public String stateName() { return name; }

    @Override
    public int stateVersion() { return STATE_VERSION; }

    @Override
    public void saveState(StateWriter out) {
        out.writeInt(device.deviceId());
        out.writeInt(status);
        out.writeInt(deviceFeaturesSel);
        out.writeInt(driverFeaturesSel);
        out.writeLong(driverFeatures);
        out.writeInt(queueSel);
        out.writeInt(interruptStatus);
        out.writeInt(configGeneration);
        out.writeInt(queues.length);
        for (Virtqueue q : queues) writeNested(out, q);
        writeNested(out, device);
    }

    /**
     * The part's version, then its record as a length-prefixed byte array ({@link StateWriter#writeBytes}), written in
     * place: the length is filled in after the record (a writer of its own and a copy of it, as until round 67, cost
     * ~330 KB inside a checkpoint's pause for a balloon whose page sets span 1 GiB).
     */
    private static void writeNested(StateWriter out, Snapshottable s) {
        out.writeInt(s.stateVersion());
        int at = out.size();
        out.writeInt(0);
        s.saveState(out);
        out.putIntAt(at, out.size() - at - 4);
    }

    private static void readNested(StateReader in, Snapshottable s) throws StateFormatException {
        int version = in.readInt();
        byte[] bytes = in.readBytes();
        s.loadState(new StateReader(s.stateName(), bytes), version);
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(name, version, STATE_VERSION);
        int deviceId = in.readInt();
        int st = in.readInt();
        int featSel = in.readInt();
        int drvFeatSel = in.readInt();
        long drvFeatures = in.readLong();
        int qSel = in.readInt();
        int intStatus = in.readInt();
        int generation = in.readInt();
        int queueCount = in.readInt();
        if (deviceId != device.deviceId()) throw in.error("device ID " + deviceId + ", but this slot holds device " + device.deviceId());
        if (queueCount != queues.length) throw in.error(queueCount + " queues, the device has " + queues.length);
        if ((st & ~0xff) != 0 || (intStatus & ~(INT_USED_BUFFER | INT_CONFIG_CHANGE)) != 0) throw in.error("bad status or interrupt bits");
        if ((st & STATUS_FEATURES_OK) != 0 && (drvFeatures & ~offeredFeatures) != 0) {
            throw in.error(String.format("driver features 0x%x include some this device does not offer (0x%x)", drvFeatures, offeredFeatures));
        }
        for (Virtqueue q : queues) readNested(in, q);
        readNested(in, device);
        in.expectEnd();
        status = st;
        deviceFeaturesSel = featSel;
        driverFeaturesSel = drvFeatSel;
        driverFeatures = drvFeatures;
        queueSel = qSel;
        interruptStatus = intStatus;
        configGeneration = generation;
        lastError = (st & STATUS_DEVICE_NEEDS_RESET) != 0 ? "restored in the NEEDS_RESET state" : null;
        for (Virtqueue q : queues) q.setHalted((st & STATUS_DEVICE_NEEDS_RESET) != 0);
        irqLevel = interruptStatus != 0;
        irq.set(irqLevel);
    }
}
