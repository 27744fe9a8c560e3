package org.vmckpt.machine;

/** The machine could not go on because of a host-side failure (never because of anything the guest did). */
public final class MachineFault extends RuntimeException {
    public MachineFault(String message, Throwable cause) {
        super(message, cause);
    }
}
