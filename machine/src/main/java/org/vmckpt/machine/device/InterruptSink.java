package org.vmckpt.machine.device;

/**
 * A hart's {@code mip} register as seen by the interrupt sources wired to it (CLINT, PLIC). Level
 * semantics: the source sets a bit while its condition holds and clears it when it stops.
 */
public interface InterruptSink {
    long MSIP = 1L << 3;
    long MTIP = 1L << 7;
    long SEIP = 1L << 9;
    long MEIP = 1L << 11;

    void setInterruptPending(long mask, boolean level);
}
