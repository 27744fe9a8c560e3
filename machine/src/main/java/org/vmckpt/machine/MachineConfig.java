package org.vmckpt.machine;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything that defines a machine: what a checkpoint records as its configuration, and what a restore
 * must match.
 *
 * @param memoryBytes   RAM size (multiple of 4 KiB)
 * @param kernel        Linux Image (plain or gzip), or null
 * @param initrd        initramfs, or null
 * @param cmdline       kernel command line
 * @param bios          M-mode firmware loaded at DRAM base (e.g. OpenSBI fw_jump.bin), or null for the built-in SBI
 * @param elf           bare-metal ELF run in M-mode with HTIF exit (Spike style), or null
 * @param disks         raw disk images for virtio-blk
 * @param balloon       attach a virtio-balloon
 * @param rng           attach a virtio-rng
 * @param deterministic time from retired instructions; no host input but console bytes
 * @param overlayMemoryBytes heap each disk's copy-on-write overlay keeps blocks in; the rest spills to a file
 *                      (not part of the identity: a host resource, not something the guest sees)
 * @param spillDir      directory for the overlays' spill files (null: the JVM's temporary directory)
 * @param net           the network ({@code --net} text, see {@link org.vmckpt.machine.net.NetSpec}), or null for none;
 *                      a virtio-net device is attached when it is set. Which backend and forwards are host matters:
 *                      only the device's presence is part of the identity
 */
public record MachineConfig(long memoryBytes, Path kernel, Path initrd, String cmdline, Path bios, Path elf,
                            List<DiskConfig> disks, boolean balloon, boolean rng, boolean deterministic,
                            long overlayMemoryBytes, Path spillDir, String net) {

    public static final long DEFAULT_MEMORY = 512L << 20;

    /** A virtio-blk disk: the base image, and whether writes go to the image (else to an in-memory overlay). */
    public record DiskConfig(Path image, boolean writeThrough) { }

    public MachineConfig(long memoryBytes, Path kernel, Path initrd, String cmdline, Path bios, Path elf,
                         List<DiskConfig> disks, boolean balloon, boolean rng, boolean deterministic) {
        this(memoryBytes, kernel, initrd, cmdline, bios, elf, disks, balloon, rng, deterministic,
                org.vmckpt.machine.device.virtio.DiskOverlay.DEFAULT_MEMORY_BYTES, null, null);
    }

    /** The same machine with the disk overlays' host resources set. */
    public MachineConfig withOverlay(long overlayMemoryBytes, Path spillDir) {
        return new MachineConfig(memoryBytes, kernel, initrd, cmdline, bios, elf, disks, balloon, rng, deterministic,
                overlayMemoryBytes, spillDir, net);
    }

    /** The same machine with a network ({@code --net} text, checked here) or none (null). */
    public MachineConfig withNet(String net) {
        return new MachineConfig(memoryBytes, kernel, initrd, cmdline, bios, elf, disks, balloon, rng, deterministic,
                overlayMemoryBytes, spillDir, net);
    }

    public MachineConfig {
        if (overlayMemoryBytes < 0) throw new IllegalArgumentException("the disk overlay's memory must not be negative");
        if (memoryBytes < (16L << 20) || (memoryBytes & 0xfff) != 0) {
            throw new IllegalArgumentException("memory size must be at least 16 MiB and a multiple of 4 KiB");
        }
        if (memoryBytes > (64L << 30)) throw new IllegalArgumentException("memory size above 64 GiB is not supported");
        if (disks == null) disks = List.of();
        if (cmdline == null) cmdline = "";
        if (net != null) {
            net = org.vmckpt.machine.net.NetSpec.parse(net).toString(); // canonical; a malformed value fails here
            if (deterministic) {
                throw new IllegalArgumentException("--net cannot be combined with --deterministic: network traffic comes from the host at any time");
            }
        }
        int slots = disks.size() + (balloon ? 1 : 0) + (rng ? 1 : 0) + (net != null ? 1 : 0);
        if (slots > MemoryMap.VIRTIO_SLOTS) {
            throw new IllegalArgumentException("at most " + MemoryMap.VIRTIO_SLOTS + " virtio devices fit (asked for " + slots + ")");
        }
    }

    /**
     * The instruction set as the identity records it: {@code arch} (the single letters), {@code extensions} (the
     * multi-letter ones the guest saw: its kernel patched its code for them), and Zicboz's {@code cbozBlockSize} when it
     * has Zicboz. A checkpoint without {@code extensions} was taken with {@link Isa#BASE_MULTI_LETTER} and no Zicboz.
     */
    public static Map<String, String> putIsa(Map<String, String> m) {
        m.put("arch", Isa.LETTERS);
        m.put("extensions", Isa.MULTI_LETTER);
        if (Isa.cbozRecord() != null) m.put("cbozBlockSize", Isa.cbozRecord());
        return m;
    }

    /**
     * The parts a restore must match (not file paths of the kernel: the loaded kernel lives in RAM, so a
     * checkpoint does not need it).
     */
    public Map<String, String> identity() {
        Map<String, String> m = new LinkedHashMap<>();
        putIsa(m);
        m.put("harts", "1");
        m.put("memory", Long.toString(memoryBytes));
        m.put("disks", Integer.toString(disks.size()));
        m.put("balloon", Boolean.toString(balloon));
        m.put("rng", Boolean.toString(rng));
        m.put("deterministic", Boolean.toString(deterministic));
        if (net != null) m.put("net", "virtio-net"); // absent without a network, as in checkpoints made before networking
        m.put("firmware", bios != null ? "external" : elf != null ? "elf" : "builtin-sbi");
        return m;
    }
}
