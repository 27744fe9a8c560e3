package org.vmckpt.machine.firmware;

/** A kernel, initrd, firmware or ELF file that cannot be booted; the message says what is wrong with it. */
public final class BootImageException extends Exception {
    public BootImageException(String message) {
        super(message);
    }
}
