package org.vmckpt.machine.device;

/**
 * The machine's time base: {@code mtime}, counting at {@link #FREQUENCY_HZ} (10 MHz, like QEMU's virt board).
 */
public interface Clock {
    long FREQUENCY_HZ = 10_000_000L;
    /** Host nanoseconds in one mtime tick (100 at 10 MHz). */
    long NANOS_PER_TICK = 1_000_000_000L / FREQUENCY_HZ;

    /** Current mtime in ticks. */
    long mtime();
}
