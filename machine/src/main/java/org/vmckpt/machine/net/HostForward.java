package org.vmckpt.machine.net;

/**
 * One inbound TCP forward of the user-mode network (QEMU's {@code hostfwd=tcp:ADDR:PORT-:GUESTPORT}):
 * connections to {@code hostAddress:hostPort} on the host reach the guest's {@code guestPort}.
 *
 * @param hostAddress the host address to listen on ("" or "0.0.0.0": every address, as in QEMU)
 * @param hostPort    the host port (0: any free port; the bound one is reported by the backend)
 * @param guestPort   the guest's TCP port
 */
public record HostForward(String hostAddress, int hostPort, int guestPort) {
    public HostForward {
        if (hostPort < 0 || hostPort > 65535) throw new IllegalArgumentException("host port " + hostPort + " is not in 0-65535");
        if (guestPort < 1 || guestPort > 65535) throw new IllegalArgumentException("guest port " + guestPort + " is not in 1-65535");
    }

    /** The forward in QEMU's syntax. */
    @Override
    public String toString() {
        return "tcp:" + hostAddress + ":" + hostPort + "-:" + guestPort;
    }
}
