package org.vmckpt.machine;

/**
 * The physical memory map, laid out like QEMU's {@code virt} board (hw/riscv/virt.c). The bus, the
 * device tree and the loaders all read these numbers from here and nowhere else.
 */
public final class MemoryMap {
    private MemoryMap() { }

    public static final long TEST_BASE = 0x0010_0000L, TEST_SIZE = 0x1000;
    /** The VM generation ID (not on QEMU's virt board, which offers it through ACPI): 16 bytes and an interrupt. */
    public static final long VMGENID_BASE = 0x0010_2000L;
    public static final int VMGENID_IRQ = 12;
    public static final long CLINT_BASE = 0x0200_0000L;
    public static final long PLIC_BASE = 0x0C00_0000L;
    public static final long UART0_BASE = 0x1000_0000L, UART0_SIZE = 0x100;
    public static final int UART0_IRQ = 10;
    public static final long VIRTIO_BASE = 0x1000_1000L, VIRTIO_SIZE = 0x1000;
    public static final int VIRTIO_SLOTS = 8;
    /** PLIC source of virtio slot {@code i} is {@code VIRTIO_IRQ_BASE + i}. */
    public static final int VIRTIO_IRQ_BASE = 1;
    public static final long DRAM_BASE = 0x8000_0000L;

    /** Where a Linux Image is placed when its header gives no text_offset (RV64: 2 MiB above DRAM). */
    public static final long KERNEL_OFFSET = 0x20_0000L;

    public static long virtioBase(int slot) {
        return VIRTIO_BASE + slot * VIRTIO_SIZE;
    }
}
