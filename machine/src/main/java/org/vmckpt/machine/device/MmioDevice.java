package org.vmckpt.machine.device;

/**
 * A device register window on the physical bus. Offsets are relative to the window's base. Accesses are
 * 1, 2, 4 or 8 bytes wide and naturally aligned (the bus splits or refuses anything else). A device never
 * throws for a guest access: unknown registers read as zero and ignore writes.
 */
public interface MmioDevice {
    long read(long offset, int size);

    void write(long offset, int size, long value);
}
