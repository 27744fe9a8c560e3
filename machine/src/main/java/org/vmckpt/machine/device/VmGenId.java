package org.vmckpt.machine.device;

import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.firmware.DeviceTree;
import org.vmckpt.machine.firmware.DeviceTreeNode;
import org.vmckpt.machine.firmware.FdtWriter;

/**
 * A virtual machine generation ID ("microsoft,vmgenid", Linux drivers/virt/vmgenid.c): 16 bytes the guest reads
 * at offset 0 of its window, and an interrupt that says they changed. Linux mixes a new ID into its random pool
 * and reseeds its CRNG at once (add_vmfork_randomness), so two VMs restored from one checkpoint stop producing
 * the same /dev/urandom bytes.
 *
 * <p>The interrupt line stays raised until the guest reads the ID (Linux's handler reads it), then drops: an
 * edge as the guest sees it, with the PLIC's level gateway. The device has no checkpoint record: a restored
 * machine gets a fresh ID anyway.
 *
 * <p>A device made without an ID ({@link #VmGenId(IrqLine)}) draws one when it is first needed: {@link #ensureId}
 * (a boot), the guest's first read, {@link #id}; a {@link #newGeneration} before that sets it with no draw of its own.
 * So a restore, whose machine gets its new generation before the guest runs, draws one ID, not two (round 77: the
 * constructor's was never read by a restored guest).
 */
public final class VmGenId implements MmioDevice, DeviceTreeNode {
    public static final long SIZE = 0x1000;
    public static final int ID_BYTES = 16;

    private final IrqLine irq;
    private final byte[] id = new byte[ID_BYTES];
    private boolean notifying;
    /** Whether {@link #id} holds an ID yet (drawn, given, or set by a new generation). */
    private boolean hasId;

    public VmGenId(IrqLine irq, byte[] initialId) {
        this.irq = irq;
        System.arraycopy(initialId, 0, id, 0, ID_BYTES);
        hasId = true;
    }

    /** A device whose ID is drawn when first needed ({@link #ensureId}), unless a new generation sets it first. */
    public VmGenId(IrqLine irq) {
        this.irq = irq;
    }

    /** Draws the ID now if the device has none yet ({@link #drawId}); a boot calls it before the guest runs. */
    public void ensureId() {
        if (!hasId) {
            drawId(id);
            hasId = true;
        }
    }

    /** Replaces the ID and tells the guest (on the machine's run thread, or while no run loop runs). */
    public void newGeneration(byte[] newId) {
        if (newId.length != ID_BYTES) throw new IllegalArgumentException("a generation ID has 16 bytes");
        System.arraycopy(newId, 0, id, 0, ID_BYTES);
        hasId = true;
        notifying = true;
        irq.set(true);
    }

    public byte[] id() {
        ensureId();
        return id.clone();
    }

    /**
     * {@code -Dvmckpt.genid.urandom} (round 76; <b>on</b> by default since round 78, {@code =false} turns it off): a new ID is read from {@code /dev/urandom}
     * directly (the kernel's CRNG, NativePRNG's own source) instead of from a {@link java.security.SecureRandom}. Why: a
     * restore draws the machine's first ID in its constructor, on the restoring thread before the pages, and the JDK's
     * first SecureRandom in a process sets up the security providers (tens of classes, the providers' tables, SHA1PRNG's
     * seeding: 17-22 ms of CPU in a fresh JVM, docs/BENCHMARKS.md round 76), which nothing else on the restore's path needs. The
     * bytes' quality is the kernel's either way (a guest mixes them into its own pool; they are not a key). If the file
     * cannot be read, the SecureRandom is used as before. Turned on from round 78's slot (restore78: "restored" to the
     * guest's first heartbeat ~20 ms lower with it, 87 of 87 back-to-back restores; docs/BENCHMARKS.md).
     */
    public static boolean urandomEnabled() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.genid.urandom", "true"));
    }

    /** Fills {@code id} with a fresh generation ID (from /dev/urandom under {@link #urandomEnabled}, else a SecureRandom). */
    public static void drawId(byte[] id) {
        drawId(id, urandomEnabled());
    }

    static void drawId(byte[] id, boolean urandom) {
        if (urandom) {
            try (java.io.FileInputStream in = new java.io.FileInputStream("/dev/urandom")) {
                if (in.readNBytes(id, 0, id.length) == id.length) return;
            } catch (java.io.IOException e) {
                // no /dev/urandom (not Linux, a sandbox): the SecureRandom below
            }
        }
        new java.security.SecureRandom().nextBytes(id);
    }

    @Override
    public long read(long offset, int size) {
        if (offset < 0 || offset + size > ID_BYTES) return 0;
        ensureId();
        long v = 0;
        for (int i = size - 1; i >= 0; i--) v = (v << 8) | (id[(int) offset + i] & 0xff);
        if (notifying) {
            notifying = false;
            irq.set(false);
        }
        return v;
    }

    @Override
    public void write(long offset, int size, long value) {
        // read-only
    }

    @Override
    public void writeNode(FdtWriter w, DeviceTree.Handles h) {
        w.beginNode("vmgenid@" + Long.toHexString(MemoryMap.VMGENID_BASE));
        w.propertyString("compatible", "microsoft,vmgenid");
        w.propertyU64("reg", MemoryMap.VMGENID_BASE, SIZE);
        w.propertyU32("interrupt-parent", h.plic());
        w.propertyU32("interrupts", MemoryMap.VMGENID_IRQ);
        w.endNode();
    }
}
