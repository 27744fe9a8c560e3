package org.vmckpt.machine.device;

/** A clock the test moves by hand. */
final class SettableClock implements Clock {
    long now;

    @Override
    public long mtime() {
        return now;
    }
}
