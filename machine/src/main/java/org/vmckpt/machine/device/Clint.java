package org.vmckpt.machine.device;

import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.firmware.DeviceTree;
import org.vmckpt.machine.firmware.DeviceTreeNode;
import org.vmckpt.machine.firmware.FdtWriter;

import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * The SiFive CLINT (core-local interruptor) of QEMU's virt board, which ACLINT keeps register-compatible:
 * a software-interrupt bit {@code msip} per hart at {@code 0x0 + 4*hart}, a 64-bit {@code mtimecmp} per hart at
 * {@code 0x4000 + 8*hart}, and the shared 64-bit {@code mtime} at {@code 0xBFF8}.
 *
 * <p>{@code mtime} comes from the machine's {@link Clock}; a guest write to it only changes an offset, so the
 * clock stays the one time base. The timer interrupt is level: {@code MTIP} is set while
 * {@code mtime >= mtimecmp} (unsigned). Writes to {@code mtimecmp} re-evaluate that hart at once; the passing
 * of time is noticed when the machine calls {@link #updateTimers()}. A restored machine cannot lose an armed
 * timer: the saved {@code mtimecmp} is compared with the clock at the machine's next decision point.
 *
 * <p>Accesses: {@code msip} is 32 bits wide (4-byte accesses only, as QEMU allows); the 64-bit registers take
 * 8-byte accesses and 4-byte accesses to either half. Any other access reads zero and ignores writes.
 */
public final class Clint implements MmioDevice, Snapshottable, DeviceTreeNode {
    public static final long SIZE = 0x10000;
    public static final long MSIP_BASE = 0x0;
    public static final long MTIMECMP_BASE = 0x4000;
    public static final long MTIME = 0xBFF8;

    private static final int STATE_VERSION = 1;
    private static final long MTIMECMP_RESET = -1L;

    private final Clock clock;
    private final InterruptSink[] harts;
    private final boolean[] msip;
    private final long[] mtimecmp;
    /** Guest mtime minus clock time; non-zero only after the guest wrote mtime. */
    private long mtimeOffset;

    public Clint(Clock clock, InterruptSink[] harts) {
        this.clock = clock;
        this.harts = harts.clone();
        this.msip = new boolean[harts.length];
        this.mtimecmp = new long[harts.length];
        java.util.Arrays.fill(mtimecmp, MTIMECMP_RESET);
    }

    public int hartCount() {
        return harts.length;
    }

    /** The guest-visible mtime: the clock plus any offset the guest wrote. */
    public long mtime() {
        return clock.mtime() + mtimeOffset;
    }

    public long mtimecmp(int hart) {
        return mtimecmp[hart];
    }

    /** Arms the hart's timer (used by the SBI TIME extension) and re-evaluates its MTIP at once. */
    public void setMtimecmp(int hart, long value) {
        mtimecmp[hart] = value;
        updateTimer(hart, mtime());
    }

    /** Re-evaluates MTIP of every hart against the current mtime. */
    public void updateTimers() {
        long now = mtime();
        for (int hart = 0; hart < harts.length; hart++) {
            updateTimer(hart, now);
        }
    }

    /**
     * The earliest mtimecmp of all harts (unsigned), in the guest's mtime scale (compare with {@link #mtime()}).
     * A WFI with nothing else to do may advance the clock by {@code nextDeadline() - mtime()} ticks.
     */
    public long nextDeadline() {
        long earliest = -1L;
        for (long cmp : mtimecmp) {
            if (Long.compareUnsigned(cmp, earliest) < 0) earliest = cmp;
        }
        return earliest;
    }

    private void updateTimer(int hart, long now) {
        harts[hart].setInterruptPending(InterruptSink.MTIP, Long.compareUnsigned(now, mtimecmp[hart]) >= 0);
    }

    private void setMsip(int hart, boolean level) {
        msip[hart] = level;
        harts[hart].setInterruptPending(InterruptSink.MSIP, level);
    }

    @Override
    public long read(long offset, int size) {
        if (offset >= MSIP_BASE && offset < MSIP_BASE + 4L * harts.length) {
            if (size != 4 || (offset & 3) != 0) return 0;
            return msip[(int) ((offset - MSIP_BASE) >>> 2)] ? 1 : 0;
        }
        long base = register64Base(offset, size);
        if (base < 0) return 0;
        long value = base == MTIME ? mtime() : mtimecmp[(int) ((base - MTIMECMP_BASE) >>> 3)];
        if (size == 8) return value;
        return (value >>> (8 * (offset - base))) & 0xFFFF_FFFFL;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset >= MSIP_BASE && offset < MSIP_BASE + 4L * harts.length) {
            if (size != 4 || (offset & 3) != 0) return;
            setMsip((int) ((offset - MSIP_BASE) >>> 2), (value & 1) != 0);
            return;
        }
        long base = register64Base(offset, size);
        if (base < 0) return;
        long old = base == MTIME ? mtime() : mtimecmp[(int) ((base - MTIMECMP_BASE) >>> 3)];
        long updated;
        if (size == 8) {
            updated = value;
        } else {
            int shift = (int) (8 * (offset - base));
            long mask = 0xFFFF_FFFFL << shift;
            updated = (old & ~mask) | ((value & 0xFFFF_FFFFL) << shift);
        }
        if (base == MTIME) {
            mtimeOffset = updated - clock.mtime();
            updateTimers();
        } else {
            setMtimecmp((int) ((base - MTIMECMP_BASE) >>> 3), updated);
        }
    }

    /** The offset of the 64-bit register this access falls in, or -1 if the access is not allowed there. */
    private long register64Base(long offset, int size) {
        boolean aligned = (size == 8 && (offset & 7) == 0) || (size == 4 && (offset & 3) == 0);
        if (!aligned) return -1;
        long base = offset & ~7L;
        if (base == MTIME) return base;
        if (base >= MTIMECMP_BASE && base < MTIMECMP_BASE + 8L * harts.length) return base;
        return -1;
    }

    @Override
    public String stateName() {
        return "clint";
    }

    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    /** Record v1: int hart count, then per hart a boolean msip and a long mtimecmp, then the long mtime offset. */
    @Override
    public void saveState(StateWriter out) {
        out.writeInt(harts.length);
        for (int hart = 0; hart < harts.length; hart++) {
            out.writeBoolean(msip[hart]);
            out.writeLong(mtimecmp[hart]);
        }
        out.writeLong(mtimeOffset);
    }

    /** Loads the record and drives MSIP and MTIP of every hart from it. */
    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        int count = in.readInt();
        if (count != harts.length) {
            throw in.error("has " + count + " harts, this machine has " + harts.length);
        }
        boolean[] newMsip = new boolean[count];
        long[] newMtimecmp = new long[count];
        for (int hart = 0; hart < count; hart++) {
            newMsip[hart] = in.readBoolean();
            newMtimecmp[hart] = in.readLong();
        }
        long newOffset = in.readLong();
        in.expectEnd();

        System.arraycopy(newMtimecmp, 0, mtimecmp, 0, count);
        mtimeOffset = newOffset;
        for (int hart = 0; hart < count; hart++) setMsip(hart, newMsip[hart]);
        // No updateTimers() here: MTIP is part of the hart's saved mip, and the machine looks at the clock at its
        // next decision point anyway. Recomputing it now would make a restored machine differ from the one that
        // was saved whenever the deadline had passed between two decision points (deterministic mode).
    }

    @Override
    public void writeNode(FdtWriter w, DeviceTree.Handles h) {
        w.beginNode("clint@" + Long.toHexString(MemoryMap.CLINT_BASE));
        w.propertyString("compatible", "sifive,clint0", "riscv,clint0");
        w.propertyU64("reg", MemoryMap.CLINT_BASE, SIZE);
        w.propertyU32("interrupts-extended", h.perHart(3, 7)); // machine software, machine timer
        w.endNode();
    }
}
