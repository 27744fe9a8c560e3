package org.vmckpt.machine.device;

/** A test interrupt wire that remembers its level and how often it changed. */
final class RecordingIrqLine implements IrqLine {
    boolean level;
    int sets;

    @Override
    public void set(boolean level) {
        this.level = level;
        sets++;
    }
}
