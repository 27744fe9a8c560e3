package org.vmckpt.machine;

import org.vmckpt.machine.device.Clock;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.util.function.LongSupplier;

/**
 * The machine's mtime. In host mode it follows the host's monotonic clock; in deterministic mode it is a
 * pure function of retired instructions (plus idle time skipped by WFI), so two runs with the same input
 * see the same time at the same instruction count.
 *
 * <p>Either way the saved record is the current mtime (and the idle skip), and a restored clock continues
 * from exactly there: the guest never sees time jump backwards or leap by the time spent stopped; the one exception
 * is a live migration's switch-over in host mode, whose pause the guest's time includes ({@link #leapOnResume}).
 */
public final class MachineClock implements Clock, Snapshottable {
    /** Deterministic mode: guest instructions per 10 MHz tick (a virtual 100 MIPS machine). */
    public static final long INSTRUCTIONS_PER_TICK = 10;

    private final boolean deterministic;
    private final LongSupplier retiredInstructions;
    /** Host mode: mtime = offset + nanoTime/100 while running. Deterministic: mtime = offset + retired/IPT. */
    private long offset;
    /**
     * While paused, mtime stands still at this value (-1 while running). A machine starts paused: its time
     * begins when it first runs, so neither a boot nor a restore counts the host's set-up time as guest time.
     */
    private long frozenAt = 0;

    public MachineClock(boolean deterministic, LongSupplier retiredInstructions) {
        this.deterministic = deterministic;
        this.retiredInstructions = retiredInstructions;
        this.offset = deterministic ? 0 : -(System.nanoTime() / 100);
    }

    public boolean deterministic() {
        return deterministic;
    }

    @Override
    public long mtime() {
        if (frozenAt >= 0) return frozenAt;
        if (deterministic) return offset + retiredInstructions.getAsLong() / INSTRUCTIONS_PER_TICK;
        return offset + System.nanoTime() / 100;
    }

    /** Idle skip: move time forward to {@code target} (deterministic mode only; host time passes by itself). */
    public void advanceTo(long target) {
        long now = mtime();
        if (Long.compareUnsigned(target, now) > 0 && frozenAt < 0) offset += target - now;
    }

    /** Stops time while the VM is paused, so a pause is invisible to the guest. */
    public void pause() {
        if (frozenAt < 0) frozenAt = mtime();
    }

    public void resume() {
        if (frozenAt < 0) return;
        long at = frozenAt;
        frozenAt = -1;
        long since = leapFrom;
        leapFrom = 0;
        if (since != 0) at += Math.max(0, System.nanoTime() - since) / 100;
        setMtime(at);
    }

    /**
     * Host mode: the next {@link #resume} moves time on by the host time since {@code sinceNanos} ({@link System#nanoTime})
     * instead of hiding it. For a live migration's switch-over only: real time passed for the guest while its state moved
     * (its clock would otherwise fall behind the host's by every migration's pause, and each of its timers fire that much
     * late; docs/MIGRATION.md). Ignored in deterministic mode; dropped by {@link #dropPendingLeap} (a pause the user asked for
     * stays invisible).
     */
    public void leapOnResume(long sinceNanos) {
        if (!deterministic) leapFrom = sinceNanos;
    }

    /** Forgets a leap {@link #leapOnResume} set up: the machine stays paused at the user's request. */
    public void dropPendingLeap() {
        leapFrom = 0;
    }

    /** See {@link #leapOnResume}: 0 when none is pending. */
    private long leapFrom;

    private void setMtime(long value) {
        if (deterministic) offset = value - retiredInstructions.getAsLong() / INSTRUCTIONS_PER_TICK;
        else offset = value - System.nanoTime() / 100;
    }

    @Override
    public String stateName() {
        return "clock";
    }

    @Override
    public int stateVersion() {
        return 1;
    }

    @Override
    public void saveState(StateWriter out) {
        out.writeBoolean(deterministic).writeLong(mtime());
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != 1) throw StateFormatException.unsupportedVersion(stateName(), version, 1);
        boolean det = in.readBoolean();
        long at = in.readLong();
        in.expectEnd();
        if (det != deterministic) {
            throw in.error("the checkpoint was taken " + (det ? "in" : "without") + " deterministic mode; restore it "
                    + (det ? "with" : "without") + " --deterministic");
        }
        // Harts are loaded before the clock (Machine orders records), so retired instructions are current.
        boolean paused = frozenAt >= 0;
        frozenAt = -1;
        setMtime(at);
        if (paused) frozenAt = at;
    }
}
