package org.vmckpt.machine;

import org.vmckpt.machine.device.MmioDevice;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.ArrayList;
import java.util.List;

/**
 * The physical address space: RAM plus device windows, all taken from the machine's {@link MemoryMap}.
 * Harts reach RAM through their TLBs; this class is their slow path and the path for device registers.
 */
public final class Bus {
    private final GuestMemory ram;
    private long[] bases = new long[0];
    private long[] sizes = new long[0];
    private MmioDevice[] devices = new MmioDevice[0];
    private final List<String> names = new ArrayList<>();

    public Bus(GuestMemory ram) {
        this.ram = ram;
    }

    public GuestMemory ram() {
        return ram;
    }

    public void map(String name, long base, long size, MmioDevice device) {
        int n = devices.length;
        for (int i = 0; i < n; i++) {
            if (base < bases[i] + sizes[i] && bases[i] < base + size) {
                throw new IllegalArgumentException("device window " + name + " overlaps " + names.get(i));
            }
        }
        bases = java.util.Arrays.copyOf(bases, n + 1);
        sizes = java.util.Arrays.copyOf(sizes, n + 1);
        devices = java.util.Arrays.copyOf(devices, n + 1);
        bases[n] = base;
        sizes[n] = size;
        devices[n] = device;
        names.add(name);
    }

    /** Index of the device window holding {@code paddr}, or -1. */
    public int deviceAt(long paddr) {
        for (int i = 0; i < bases.length; i++) {
            long off = paddr - bases[i];
            if (off >= 0 && off < sizes[i]) return i;
        }
        return -1;
    }

    /**
     * Reads a device register. Returns false (and leaves {@code result} untouched) if nothing is mapped there,
     * which the hart turns into an access fault.
     */
    public boolean mmioRead(long paddr, int size, long[] result) {
        int i = deviceAt(paddr);
        if (i < 0 || paddr + size > bases[i] + sizes[i]) return false;
        result[0] = devices[i].read(paddr - bases[i], size);
        return true;
    }

    public boolean mmioWrite(long paddr, int size, long value) {
        int i = deviceAt(paddr);
        if (i < 0 || paddr + size > bases[i] + sizes[i]) return false;
        devices[i].write(paddr - bases[i], size, value);
        return true;
    }
}
