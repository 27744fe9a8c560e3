package org.vmckpt.machine.firmware;

import org.vmckpt.machine.Isa;
import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.device.Clock;

/**
 * Writes the device tree the kernel boots with, from the same {@link MemoryMap} the bus is built from
 * (one table, as in QEMU's virt.c): memory, harts and {@code /chosen} here, and under {@code /soc} one node (or a
 * few) from each device the machine wired ({@link DeviceTreeNode}), so a device not wired is not described.
 */
public final class DeviceTree {
    private DeviceTree() { }

    /** What the tree describes: memory, harts, the boot arguments and initrd, and the wired devices, in node order. */
    public record Spec(long memoryBytes, int harts, String bootargs, long initrdStart, long initrdEnd,
                       java.util.List<DeviceTreeNode> devices, byte[] rngSeed) { }

    /** Phandles a device's node may refer to: each hart's interrupt controller, the PLIC, the test device (syscon). */
    public record Handles(int cpuIntcBase, int harts, int plic, int test) {
        /** {@code interrupts-extended} cells: for each hart, its interrupt controller and {@code m}, then {@code s}. */
        public int[] perHart(int m, int s) {
            int[] cells = new int[harts * 4];
            for (int h = 0; h < harts; h++) {
                cells[4 * h] = cpuIntcBase + h;
                cells[4 * h + 1] = m;
                cells[4 * h + 2] = cpuIntcBase + h;
                cells[4 * h + 3] = s;
            }
            return cells;
        }
    }

    public static byte[] build(Spec spec) {
        FdtWriter w = new FdtWriter();
        int cpuIntcBase = w.newPhandle();
        for (int h = 1; h < spec.harts(); h++) w.newPhandle();
        int plicPhandle = w.newPhandle();
        int testPhandle = w.newPhandle();

        w.beginNode("");
        w.propertyU32("#address-cells", 2);
        w.propertyU32("#size-cells", 2);
        w.propertyString("compatible", "riscv-virtio");
        w.propertyString("model", "riscv-virtio,vmckpt");

        w.beginNode("chosen");
        w.propertyString("bootargs", spec.bootargs());
        w.propertyString("stdout-path", "/soc/serial@" + Long.toHexString(MemoryMap.UART0_BASE));
        if (spec.initrdEnd() > spec.initrdStart()) {
            w.propertyU64("linux,initrd-start", spec.initrdStart());
            w.propertyU64("linux,initrd-end", spec.initrdEnd());
        }
        if (spec.rngSeed() != null) w.property("rng-seed", spec.rngSeed());
        w.endNode();

        w.beginNode("memory@" + Long.toHexString(MemoryMap.DRAM_BASE));
        w.propertyString("device_type", "memory");
        w.propertyU64("reg", MemoryMap.DRAM_BASE, spec.memoryBytes());
        w.endNode();

        w.beginNode("cpus");
        w.propertyU32("#address-cells", 1);
        w.propertyU32("#size-cells", 0);
        w.propertyU32("timebase-frequency", (int) Clock.FREQUENCY_HZ);
        for (int h = 0; h < spec.harts(); h++) {
            w.beginNode("cpu@" + h);
            w.propertyString("device_type", "cpu");
            w.propertyU32("reg", h);
            w.propertyString("status", "okay");
            w.propertyString("compatible", "riscv");
            w.propertyString("riscv,isa", Isa.NAME);
            w.propertyString("riscv,isa-base", Isa.BASE);
            w.propertyString("riscv,isa-extensions", Isa.EXTENSIONS.toArray(new String[0]));
            if (Isa.ZICBOZ) w.propertyU32("riscv,cboz-block-size", Isa.CBOZ_BLOCK_SIZE); // what cbo.zero zeroes
            w.propertyString("mmu-type", "riscv,sv39");
            w.beginNode("interrupt-controller");
            w.propertyU32("#interrupt-cells", 1);
            w.propertyEmpty("interrupt-controller");
            w.propertyString("compatible", "riscv,cpu-intc");
            w.propertyU32("phandle", cpuIntcBase + h);
            w.endNode();
            w.endNode();
        }
        w.endNode();

        w.beginNode("soc");
        w.propertyU32("#address-cells", 2);
        w.propertyU32("#size-cells", 2);
        w.propertyString("compatible", "simple-bus");
        w.propertyEmpty("ranges");

        Handles handles = new Handles(cpuIntcBase, spec.harts(), plicPhandle, testPhandle);
        for (DeviceTreeNode d : spec.devices()) d.writeNode(w, handles);
        w.endNode(); // soc
        w.endNode(); // root
        return w.toByteArray();
    }
}
