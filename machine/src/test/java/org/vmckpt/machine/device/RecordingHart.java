package org.vmckpt.machine.device;

/** A test stand-in for a hart's mip register: records the level each interrupt source drives. */
final class RecordingHart implements InterruptSink {
    long mip;
    int updates;

    @Override
    public void setInterruptPending(long mask, boolean level) {
        updates++;
        mip = level ? mip | mask : mip & ~mask;
    }

    boolean has(long mask) {
        return (mip & mask) == mask;
    }
}
