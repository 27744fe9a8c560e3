package org.vmckpt.machine.device;

/**
 * The machine's time base: {@code mtime}, counting at {@link #FREQUENCY_HZ} (10 MHz, like QEMU's virt board).
 */
public interface Clock {
    long FREQUENCY_HZ = 10_000_000L;

    /** Current mtime in ticks. */
    long mtime();
}
