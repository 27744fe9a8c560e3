package org.vmckpt.machine.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * --net tap against a real TAP device on this host, with no guest: frames written by the backend reach the
 * host's IP stack, and frames the host sends into the device come out of the backend. Needs the right to
 * create a TAP device (root and the ip command): skipped where the host does not allow it.
 */
@Timeout(30)
class TapNetworkTest {
    private static final String IFNAME = "vmckpt-t" + (ProcessHandle.current().pid() % 100000);
    private static final int HOST = Packets.ip(192, 168, 213, 1), GUEST = Packets.ip(192, 168, 213, 2);
    private boolean created;

    private static boolean ip(String... args) throws Exception {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "ip";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @BeforeEach
    void createDevice() throws Exception {
        created = ip("tuntap", "add", IFNAME, "mode", "tap");
        assumeTrue(created, "this host does not let us create a TAP device (needs root and iproute2)");
        assumeTrue(ip("addr", "add", "192.168.213.1/24", "dev", IFNAME) && ip("link", "set", IFNAME, "up"), "cannot configure " + IFNAME);
    }

    @AfterEach
    void deleteDevice() throws Exception {
        if (created) ip("link", "del", IFNAME);
    }

    @Test
    void framesGoBothWaysThroughTheDevice() throws Exception {
        try (TapNetwork tap = TapNetwork.open(IFNAME);
             DatagramSocket host = new DatagramSocket(new InetSocketAddress(InetAddress.getByName("192.168.213.1"), 0))) {
            GuestSide g = new GuestSide(tap);
            byte[] hostMac = new byte[6];
            String[] hex = Files.readString(Path.of("/sys/class/net", IFNAME, "address")).trim().split(":");
            for (int i = 0; i < 6; i++) hostMac[i] = (byte) Integer.parseInt(hex[i], 16);
            // Guest to host: a UDP datagram in an Ethernet frame, as the guest's driver would hand it over.
            byte[] hello = "hello-host".getBytes();
            g.send(Packets.udp(hostMac, GuestSide.MAC, GUEST, 5000, HOST, host.getLocalPort(), hello, 0, hello.length));
            host.setSoTimeout(5000);
            DatagramPacket p = new DatagramPacket(new byte[100], 100);
            host.receive(p);
            assertEquals("hello-host", new String(p.getData(), 0, p.getLength()));
            assertEquals("192.168.213.2", p.getAddress().getHostAddress());
            // Host to guest: the host answers, and first asks (ARP) where 192.168.213.2 is, which comes out of the device.
            host.send(new DatagramPacket("hi".getBytes(), 2, new InetSocketAddress("192.168.213.2", 5000)));
            boolean sawFrameForGuest = false;
            for (int i = 0; i < 20 && !sawFrameForGuest; i++) {
                byte[] f = g.poll(500);
                if (f == null) continue;
                int type = Packets.u16(f, 12);
                if (type == Packets.ETHERTYPE_ARP && Packets.u32(f, 38) == GUEST) sawFrameForGuest = true;
                if (type == Packets.ETHERTYPE_IPV4 && Packets.u32(f, 30) == GUEST) sawFrameForGuest = true;
            }
            assertTrue(sawFrameForGuest, "the host's frame for the guest came out of the TAP device");
        }
    }

    @Test
    void aDeviceThatIsNoTapIsAClearError() {
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> TapNetwork.open("lo"));
        assertTrue(e.getMessage().contains("not a TAP device"), e.getMessage());
    }
}
