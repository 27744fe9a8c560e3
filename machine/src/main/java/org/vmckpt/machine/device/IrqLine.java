package org.vmckpt.machine.device;

/** A level-triggered interrupt wire from a device to the interrupt controller (PLIC source). */
public interface IrqLine {
    void set(boolean level);

    IrqLine NONE = level -> { };
}
