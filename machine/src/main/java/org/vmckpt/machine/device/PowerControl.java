package org.vmckpt.machine.device;

/** What the machine does when the guest asks to stop or restart it (through the test finisher or SBI). */
public interface PowerControl {
    /** The guest powered off; {@code exitCode} is 0 for a clean shutdown, the guest's failure code otherwise. */
    void powerOff(int exitCode);

    /**
     * The guest asked to restart (a reboot: the test finisher's reset command, SBI system reset). In vmckpt "reset"
     * means rolling back to a checkpoint; this is a reboot.
     */
    void reboot();
}
