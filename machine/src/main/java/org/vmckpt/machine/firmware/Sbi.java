package org.vmckpt.machine.firmware;

import org.vmckpt.machine.cpu.EcallHandler;
import org.vmckpt.machine.cpu.Hart;
import org.vmckpt.machine.device.Clock;
import org.vmckpt.machine.device.PowerControl;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.util.function.IntConsumer;
import java.util.function.IntSupplier;

/**
 * The RISC-V Supervisor Binary Interface (spec 2.0), implemented in the VMM instead of in M-mode firmware:
 * BASE, TIME, IPI, RFENCE, HSM, SRST, DBCN and the legacy console and timer calls.
 *
 * <p>The timer is part of the saved state on purpose: a restored guest must find its timer still armed
 * (QEMU 7.2 loses it, and its restored riscv guests hang).
 */
public final class Sbi implements EcallHandler, Snapshottable {
    static final long EXT_BASE = 0x10, EXT_TIME = 0x54494D45L, EXT_IPI = 0x735049L, EXT_RFENCE = 0x52464E43L;
    static final long EXT_HSM = 0x48534DL, EXT_SRST = 0x53525354L, EXT_DBCN = 0x4442434EL;
    static final long SUCCESS = 0, ERR_FAILED = -1, ERR_NOT_SUPPORTED = -2, ERR_INVALID_PARAM = -3;
    static final long ERR_ALREADY_AVAILABLE = -6;
    /** Implementation id: not one of the registered ids (0..) in the SBI spec; we pick a high value. */
    static final long IMPL_ID = 0x766d636bL; // "vmck"
    static final long IMPL_VERSION = 1;

    private final Hart[] harts;
    private final Clock clock;
    private final GuestMemory memory;
    private final PowerControl power;
    private final IntConsumer consoleOut;
    private final IntSupplier consoleIn;
    /** Per hart: the armed timer deadline in mtime ticks; -1 (unsigned max) means disarmed. */
    private final long[] timerDeadline;

    public Sbi(Hart[] harts, Clock clock, GuestMemory memory, PowerControl power, IntConsumer consoleOut, IntSupplier consoleIn) {
        this.harts = harts;
        this.clock = clock;
        this.memory = memory;
        this.power = power;
        this.consoleOut = consoleOut;
        this.consoleIn = consoleIn;
        this.timerDeadline = new long[harts.length];
        java.util.Arrays.fill(timerDeadline, -1L);
    }

    /** Raises the supervisor timer interrupt of every hart whose deadline has passed. */
    public void updateTimers(long now) {
        for (int h = 0; h < harts.length; h++) {
            if (timerDeadline[h] != -1L && Long.compareUnsigned(now, timerDeadline[h]) >= 0) {
                harts[h].setInterruptPending(Csr_STIP, true);
            }
        }
    }

    private static final long Csr_STIP = 1L << 5;

    /** Earliest armed deadline (unsigned), -1 if none. */
    public long nextDeadline() {
        long earliest = -1L;
        for (long d : timerDeadline) if (Long.compareUnsigned(d, earliest) < 0) earliest = d;
        return earliest;
    }

    public long timerDeadline(int hart) {
        return timerDeadline[hart];
    }

    @Override
    public void supervisorEcall(Hart hart) {
        long[] x = hart.x;
        long ext = x[17];
        long fid = x[16];
        if (ext < 0x10) {
            legacy(hart, ext);
            return;
        }
        long error = SUCCESS;
        long value = 0;
        if (ext == EXT_BASE) {
            switch ((int) fid) {
                case 0: value = 2L << 24; break;                 // spec version 2.0
                case 1: value = IMPL_ID; break;
                case 2: value = IMPL_VERSION; break;
                case 3: value = probe(x[10]) ? 1 : 0; break;
                case 4: case 5: case 6: value = 0; break;        // mvendorid, marchid, mimpid
                default: error = ERR_NOT_SUPPORTED;
            }
        } else if (ext == EXT_TIME) {
            if (fid == 0) setTimer(hart.hartId, x[10]); else error = ERR_NOT_SUPPORTED;
        } else if (ext == EXT_IPI) {
            if (fid == 0) error = sendIpi(x[10], x[11]); else error = ERR_NOT_SUPPORTED;
        } else if (ext == EXT_RFENCE) {
            if (fid <= 6) error = remoteFence(x[10], x[11]); else error = ERR_NOT_SUPPORTED;
        } else if (ext == EXT_HSM) {
            switch ((int) fid) {
                case 0: { // hart_start: every hart of ours is started at boot
                    long h = x[10];
                    error = (h >= 0 && h < harts.length) ? ERR_ALREADY_AVAILABLE : ERR_INVALID_PARAM;
                    break;
                }
                case 1: error = ERR_FAILED; break;                  // hart_stop: the boot hart cannot stop
                case 2: {                                           // hart_get_status: 0 = STARTED
                    long h = x[10];
                    if (h >= 0 && h < harts.length) value = 0; else error = ERR_INVALID_PARAM;
                    break;
                }
                case 3: error = SUCCESS; break;                     // hart_suspend (retentive): return at once
                default: error = ERR_NOT_SUPPORTED;
            }
        } else if (ext == EXT_SRST) {
            if (fid == 0) {
                long type = x[10];
                if (type == 0) power.powerOff((int) x[11] == 0 ? 0 : 1);
                else if (type == 1 || type == 2) power.reboot();
                else error = ERR_INVALID_PARAM;
            } else {
                error = ERR_NOT_SUPPORTED;
            }
        } else if (ext == EXT_DBCN) {
            switch ((int) fid) {
                case 0: { // console_write(num_bytes, base_lo, base_hi)
                    long n = x[10], addr = x[11];
                    if (x[12] != 0 || n < 0 || !memory.contains(addr, n)) { error = ERR_INVALID_PARAM; break; }
                    for (long i = 0; i < n; i++) consoleOut.accept(memory.read8(addr + i));
                    value = n;
                    break;
                }
                case 1: { // console_read(num_bytes, base_lo, base_hi)
                    long n = x[10], addr = x[11];
                    if (x[12] != 0 || n < 0 || !memory.contains(addr, n)) { error = ERR_INVALID_PARAM; break; }
                    long got = 0;
                    while (got < n) {
                        int c = consoleIn.getAsInt();
                        if (c < 0) break;
                        memory.write8(addr + got, c);
                        got++;
                    }
                    value = got;
                    break;
                }
                case 2: consoleOut.accept((int) x[10] & 0xff); break;
                default: error = ERR_NOT_SUPPORTED;
            }
        } else {
            error = ERR_NOT_SUPPORTED;
        }
        x[10] = error;
        x[11] = value;
    }

    private boolean probe(long ext) {
        return ext == EXT_BASE || ext == EXT_TIME || ext == EXT_IPI || ext == EXT_RFENCE || ext == EXT_HSM
                || ext == EXT_SRST || ext == EXT_DBCN || (ext >= 0 && ext <= 8);
    }

    private void legacy(Hart hart, long ext) {
        long[] x = hart.x;
        switch ((int) ext) {
            case 0: setTimer(hart.hartId, x[10]); x[10] = 0; break;
            case 1: consoleOut.accept((int) x[10] & 0xff); x[10] = 0; break;
            case 2: x[10] = consoleIn.getAsInt(); break;
            case 3: hart.setInterruptPending(1L << 1, false); x[10] = 0; break;
            case 4: x[10] = sendIpiMaskInMemory(x[10]); break;
            case 5: case 6: case 7: for (Hart h : harts) h.flushTlb(); x[10] = 0; break;
            case 8: power.powerOff(0); x[10] = 0; break;
            default: x[10] = ERR_NOT_SUPPORTED;
        }
    }

    private void setTimer(int hart, long deadline) {
        timerDeadline[hart] = deadline;
        harts[hart].setInterruptPending(Csr_STIP, false);
        updateTimers(clock.mtime());
    }

    private long sendIpi(long mask, long base) {
        for (int h = 0; h < harts.length; h++) {
            if (selected(h, mask, base)) harts[h].setInterruptPending(1L << 1, true);
        }
        return SUCCESS;
    }

    private long sendIpiMaskInMemory(long maskAddr) {
        long mask = maskAddr != 0 && memory.contains(maskAddr, 8) ? memory.read64(maskAddr) : -1L;
        return sendIpi(mask, 0);
    }

    private long remoteFence(long mask, long base) {
        for (int h = 0; h < harts.length; h++) {
            if (selected(h, mask, base)) harts[h].flushTlb();
        }
        return SUCCESS;
    }

    private static boolean selected(int hart, long mask, long base) {
        if (base == -1L) return true; // hart_mask_base == -1: all harts
        long bit = hart - base;
        return bit >= 0 && bit < 64 && (mask & (1L << bit)) != 0;
    }

    @Override
    public String stateName() {
        return "sbi";
    }

    @Override
    public int stateVersion() {
        return 1;
    }

    @Override
    public void saveState(StateWriter out) {
        out.writeLongs(timerDeadline);
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != 1) throw StateFormatException.unsupportedVersion(stateName(), version, 1);
        long[] d = in.readLongs(timerDeadline.length, "timer deadlines");
        in.expectEnd();
        System.arraycopy(d, 0, timerDeadline, 0, d.length);
    }
}
