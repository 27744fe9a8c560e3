package org.vmckpt.machine.cpu;

/**
 * Firmware implemented in the VMM: handles an {@code ecall} from S-mode instead of trapping into M-mode
 * (the SBI). When a real M-mode firmware runs ({@code --bios}), no handler is installed.
 */
public interface EcallHandler {
    /** Handles the call, reading and writing the hart's registers. The hart then continues after the ecall. */
    void supervisorEcall(Hart hart);
}
