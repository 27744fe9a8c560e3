package org.vmckpt.machine.firmware;

import org.vmckpt.machine.Isa;
import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.device.Clint;
import org.vmckpt.machine.device.Clock;
import org.vmckpt.machine.device.Plic;

/**
 * Writes the device tree the kernel boots with, from the same {@link MemoryMap} the bus is built from
 * (one table, as in QEMU's virt.c).
 */
public final class DeviceTree {
    private DeviceTree() { }

    /** What the tree describes. {@code virtioSlots} is how many virtio-mmio slots are populated (0..n-1). */
    public record Spec(long memoryBytes, int harts, String bootargs, long initrdStart, long initrdEnd, int virtioSlots,
                       byte[] rngSeed) { }

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

        w.beginNode("test@" + Long.toHexString(MemoryMap.TEST_BASE));
        w.propertyString("compatible", "sifive,test1", "sifive,test0", "syscon");
        w.propertyU64("reg", MemoryMap.TEST_BASE, MemoryMap.TEST_SIZE);
        w.propertyU32("phandle", testPhandle);
        w.endNode();

        w.beginNode("poweroff");
        w.propertyString("compatible", "syscon-poweroff");
        w.propertyU32("regmap", testPhandle);
        w.propertyU32("offset", 0);
        w.propertyU32("value", 0x5555);
        w.endNode();

        w.beginNode("reboot");
        w.propertyString("compatible", "syscon-reboot");
        w.propertyU32("regmap", testPhandle);
        w.propertyU32("offset", 0);
        w.propertyU32("value", 0x7777);
        w.endNode();

        int[] clintIrqs = new int[spec.harts() * 4];
        int[] plicIrqs = new int[spec.harts() * 4];
        for (int h = 0; h < spec.harts(); h++) {
            clintIrqs[4 * h] = cpuIntcBase + h; clintIrqs[4 * h + 1] = 3;   // machine software
            clintIrqs[4 * h + 2] = cpuIntcBase + h; clintIrqs[4 * h + 3] = 7; // machine timer
            plicIrqs[4 * h] = cpuIntcBase + h; plicIrqs[4 * h + 1] = 11;     // machine external
            plicIrqs[4 * h + 2] = cpuIntcBase + h; plicIrqs[4 * h + 3] = 9;  // supervisor external
        }
        w.beginNode("clint@" + Long.toHexString(MemoryMap.CLINT_BASE));
        w.propertyString("compatible", "sifive,clint0", "riscv,clint0");
        w.propertyU64("reg", MemoryMap.CLINT_BASE, Clint.SIZE);
        w.propertyU32("interrupts-extended", clintIrqs);
        w.endNode();

        w.beginNode("plic@" + Long.toHexString(MemoryMap.PLIC_BASE));
        w.propertyString("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        w.propertyU64("reg", MemoryMap.PLIC_BASE, Plic.SIZE);
        w.propertyU32("#interrupt-cells", 1);
        w.propertyU32("#address-cells", 0);
        w.propertyEmpty("interrupt-controller");
        w.propertyU32("riscv,ndev", Plic.SOURCE_COUNT - 1);
        w.propertyU32("interrupts-extended", plicIrqs);
        w.propertyU32("phandle", plicPhandle);
        w.endNode();

        w.beginNode("vmgenid@" + Long.toHexString(MemoryMap.VMGENID_BASE));
        w.propertyString("compatible", "microsoft,vmgenid");
        w.propertyU64("reg", MemoryMap.VMGENID_BASE, org.vmckpt.machine.device.VmGenId.SIZE);
        w.propertyU32("interrupt-parent", plicPhandle);
        w.propertyU32("interrupts", MemoryMap.VMGENID_IRQ);
        w.endNode();

        w.beginNode("serial@" + Long.toHexString(MemoryMap.UART0_BASE));
        w.propertyString("compatible", "ns16550a");
        w.propertyU64("reg", MemoryMap.UART0_BASE, MemoryMap.UART0_SIZE);
        w.propertyU32("clock-frequency", 3686400);
        w.propertyU32("interrupt-parent", plicPhandle);
        w.propertyU32("interrupts", MemoryMap.UART0_IRQ);
        w.endNode();

        for (int i = 0; i < spec.virtioSlots(); i++) {
            long base = MemoryMap.virtioBase(i);
            w.beginNode("virtio_mmio@" + Long.toHexString(base));
            w.propertyString("compatible", "virtio,mmio");
            w.propertyU64("reg", base, MemoryMap.VIRTIO_SIZE);
            w.propertyU32("interrupt-parent", plicPhandle);
            w.propertyU32("interrupts", MemoryMap.VIRTIO_IRQ_BASE + i);
            w.endNode();
        }
        w.endNode(); // soc
        w.endNode(); // root
        return w.toByteArray();
    }
}
