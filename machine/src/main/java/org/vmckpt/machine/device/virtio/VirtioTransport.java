package org.vmckpt.machine.device.virtio;

import org.vmckpt.machine.memory.GuestMemory;

/** What a {@link VirtioDevice} sees of the transport that carries it. */
public interface VirtioTransport {
    GuestMemory memory();

    Virtqueue queue(int index);

    /** Features the driver accepted (valid once FEATURES_OK is set; 0 before). */
    long negotiatedFeatures();

    default boolean hasFeature(int bit) {
        return (negotiatedFeatures() & (1L << bit)) != 0;
    }

    /** The driver set DRIVER_OK and the device is not broken. */
    boolean isLive();

    /** Raises the used-buffer interrupt for {@code queue} unless the driver suppressed it. */
    void signalUsed(int queue);

    /** The device changed its configuration space: bump the generation and raise the config interrupt. */
    void signalConfigChange();

    /**
     * The driver broke the protocol: the device stops processing and sets DEVICE_NEEDS_RESET until the driver
     * resets it (what QEMU's virtio_error does).
     */
    void deviceError(String reason);
}
