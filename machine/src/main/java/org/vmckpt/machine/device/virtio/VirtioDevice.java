package org.vmckpt.machine.device.virtio;

import org.vmckpt.machine.state.Snapshottable;

/**
 * The device-type half of a virtio device (block, balloon, entropy, ...), behind a transport such as
 * {@link VirtioMmio}. The transport owns the registers, feature negotiation, the virtqueues and the
 * interrupt; the device owns its configuration space and what a buffer means.
 *
 * <p>The device's state record is nested inside its transport's record: register only the transport with
 * the checkpoint engine. All methods run on the machine's run thread.
 */
public interface VirtioDevice extends Snapshottable {
    /** Virtio device ID (2 block, 4 entropy, 5 balloon, ...). */
    int deviceId();

    /**
     * Device-type feature bits offered to the driver (bits 0-23). The transport adds the ring and version
     * bits it implements itself. Must not change after construction.
     */
    long deviceFeatures();

    /** Number of virtqueues the device exposes. */
    int queueCount();

    /** Largest size the driver may give queue {@code queue} (a power of two). */
    int queueMaxSize(int queue);

    /** Size in bytes of the device configuration space. */
    int configSize();

    /** Reads {@code size} (1, 2, 4 or 8) bytes of configuration space, little-endian; the range is inside it. */
    long readConfig(int offset, int size);

    /** Driver write to configuration space; the range is inside it. Read-only fields ignore writes. */
    void writeConfig(int offset, int size, long value);

    /** Called once by the transport that will carry this device, before any other call. */
    void attach(VirtioTransport transport);

    /** The driver made buffers available in queue {@code queue} (it is ready and the driver is OK). */
    void queueNotify(int queue);

    /** Device reset (the driver wrote 0 to the status register): forget every buffer held. */
    void reset();
}
