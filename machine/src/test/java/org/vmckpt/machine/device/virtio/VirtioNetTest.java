package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;
import org.vmckpt.machine.device.virtio.TestQueue.Used;
import org.vmckpt.machine.net.Checksum;
import org.vmckpt.machine.net.Packets;
import org.vmckpt.machine.net.UserNetwork;
import org.vmckpt.machine.state.StateFormatException;

/** virtio-net as Linux's driver uses it, over the real user-mode network (ARP and DHCP are answered by it). */
@Timeout(30)
class VirtioNetTest {
    private static final byte[] MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    private static final long FEATURES = 1L << VirtioMmio.F_VERSION_1 | 1L << VirtioMmio.F_RING_EVENT_IDX
            | 1L << VirtioNet.F_MAC | 1L << VirtioNet.F_STATUS | 1L << VirtioNet.F_CSUM | 1L << VirtioNet.F_GUEST_CSUM;
    /** Tasks the device gave the "run thread"; the test thread runs them. */
    private final ConcurrentLinkedQueue<Runnable> runThread = new ConcurrentLinkedQueue<>();
    private final List<UserNetwork> networks = new ArrayList<>();

    @AfterEach
    void close() {
        networks.forEach(UserNetwork::close);
    }

    private VirtioNet device() throws Exception {
        UserNetwork n = UserNetwork.open(List.of());
        networks.add(n);
        return new VirtioNet(MAC, n, runThread::add);
    }

    private static final class Nic {
        final TestDriver d;
        final TestQueue rx, tx;
        final VirtioNet dev;

        Nic(TestDriver d, TestQueue rx, TestQueue tx, VirtioNet dev) {
            this.d = d;
            this.rx = rx;
            this.tx = tx;
            this.dev = dev;
        }
    }

    private Nic start(long features) throws Exception {
        VirtioNet dev = device();
        TestDriver d = TestDriver.create(dev);
        d.negotiate(features);
        TestQueue rx = d.setupQueue(VirtioNet.RX, 16);
        TestQueue tx = d.setupQueue(VirtioNet.TX, 16);
        d.driverOk();
        return new Nic(d, rx, tx, dev);
    }

    /** Posts receive buffers of Linux's size (header + 1518), returns their addresses. */
    private static List<Long> postBuffers(Nic n, int count) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long a = n.d.alloc(VirtioNet.HEADER_SIZE + 1518, 8);
            n.rx.publish(n.rx.addChain(Buf.out(a, VirtioNet.HEADER_SIZE + 1518)));
            out.add(a);
        }
        n.rx.kick();
        return out;
    }

    private static byte[] header(int flags, int gso, int csumStart, int csumOffset) {
        byte[] h = new byte[VirtioNet.HEADER_SIZE];
        h[0] = (byte) flags;
        h[1] = (byte) gso;
        ConfigBytes.write(h, 6, 2, csumStart);
        ConfigBytes.write(h, 8, 2, csumOffset);
        return h;
    }

    private static void transmit(Nic n, byte[] header, byte[] frame) {
        long a = n.d.alloc(header.length + frame.length, 8);
        n.d.writeBytes(a, header);
        n.d.writeBytes(a + header.length, frame);
        n.tx.submit(Buf.in(a, header.length), Buf.in(a + header.length, frame.length)); // Linux: header and data apart
    }

    /** Runs the device's delivery tasks until the guest got {@code count} frames (or 5 s passed). */
    private List<Used> awaitReceived(Nic n, int count) throws InterruptedException {
        List<Used> got = new ArrayList<>();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (got.size() < count && System.nanoTime() < deadline) {
            Runnable r;
            while ((r = runThread.poll()) != null) r.run();
            got.addAll(n.rx.takeUsed());
            Thread.sleep(5);
        }
        return got;
    }

    private static byte[] arpRequestForGateway() {
        byte[] f = new byte[42];
        Packets.ethernet(f, new byte[] {-1, -1, -1, -1, -1, -1}, MAC, Packets.ETHERTYPE_ARP);
        Packets.put16(f, 14, 1);
        Packets.put16(f, 16, Packets.ETHERTYPE_IPV4);
        f[18] = 6;
        f[19] = 4;
        Packets.put16(f, 20, 1);
        System.arraycopy(MAC, 0, f, 22, 6);
        Packets.put32(f, 28, UserNetwork.GUEST);
        Packets.put32(f, 38, UserNetwork.GATEWAY);
        return f;
    }

    @Test
    void configSpaceHoldsTheMacAndLinkUp() throws Exception {
        Nic n = start(FEATURES);
        for (int i = 0; i < 6; i++) assertEquals(MAC[i] & 0xff, n.d.configRead(i, 1));
        assertEquals(1, n.d.configRead(6, 2), "VIRTIO_NET_S_LINK_UP");
        assertEquals(1, n.d.read(VirtioMmio.REG_DEVICE_ID));
        long offered = n.d.offeredFeatures();
        assertTrue((offered & 1L << VirtioNet.F_CSUM) != 0 && (offered & 1L << VirtioNet.F_GUEST_CSUM) != 0);
        assertEquals(0, offered & (1L << 7 | 1L << 15 | 1L << 17), "no receive offload, no mergeable buffers, no control queue");
        assertTrue((offered & 1L << VirtioNet.F_HOST_TSO4) != 0, "the user-mode network takes large TCP frames");
    }

    @Test
    void anArpRequestIsAnsweredIntoAReceiveBuffer() throws Exception {
        Nic n = start(FEATURES);
        List<Long> bufs = postBuffers(n, 4);
        transmit(n, header(0, 0, 0, 0), arpRequestForGateway());
        assertEquals(1, n.tx.takeUsed().size(), "the transmit buffer is returned");
        List<Used> got = awaitReceived(n, 1);
        assertEquals(1, got.size());
        assertEquals(VirtioNet.HEADER_SIZE + 42, got.get(0).len());
        byte[] reply = n.d.readBytes(bufs.get(0) + VirtioNet.HEADER_SIZE, 42);
        assertEquals(Packets.ETHERTYPE_ARP, Packets.u16(reply, 12));
        assertEquals(UserNetwork.GATEWAY, Packets.u32(reply, 28));
        byte[] hdr = n.d.readBytes(bufs.get(0), VirtioNet.HEADER_SIZE);
        assertEquals(VirtioNet.HDR_F_DATA_VALID, hdr[0], "GUEST_CSUM negotiated: the frame's checksums are known good");
        assertEquals(1, hdr[10], "num_buffers");
        assertTrue(n.d.irq.level, "the guest is interrupted");
    }

    @Test
    void aChecksumLeftToTheDeviceIsCompleted() throws Exception {
        Nic n = start(FEATURES);
        List<Long> bufs = postBuffers(n, 4);
        // A DHCP DISCOVER whose UDP checksum field holds only the pseudo-header sum, as Linux leaves it with CSUM.
        byte[] m = new byte[300];
        m[0] = 1;
        m[1] = 1;
        m[2] = 6;
        System.arraycopy(MAC, 0, m, 28, 6);
        Packets.put32(m, 236, 0x63825363);
        m[240] = 53;
        m[241] = 1;
        m[242] = 1;
        m[243] = (byte) 255;
        byte[] f = Packets.udp(new byte[] {-1, -1, -1, -1, -1, -1}, MAC, 0, 68, -1, 67, m, 0, m.length);
        int udp = Packets.ETH_HEADER + 20;
        long pseudo = Checksum.pseudoHeader(0, -1, Packets.PROTO_UDP, 8 + m.length);
        while ((pseudo >>> 16) != 0) pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
        Packets.put16(f, udp + 6, (int) pseudo);
        transmit(n, header(VirtioNet.HDR_F_NEEDS_CSUM, 0, udp, 6), f);
        List<Used> got = awaitReceived(n, 1);
        assertEquals(1, got.size(), "the server took the datagram: its checksum was right");
        byte[] offer = n.d.readBytes(bufs.get(0) + VirtioNet.HEADER_SIZE, got.get(0).len() - VirtioNet.HEADER_SIZE);
        assertEquals(UserNetwork.GUEST, Packets.u32(offer, udp + 8 + 16), "an OFFER of 10.0.2.15");
        assertEquals(0, n.dev.droppedFrames());
    }

    @Test
    void aSegmentationOffloadFrameGoesWholeToTheUserNetworkOnlyWhenNegotiated() throws Exception {
        for (boolean negotiated : new boolean[] {true, false}) {
            Nic n = start(FEATURES | (negotiated ? 1L << VirtioNet.F_HOST_TSO4 : 0));
            postBuffers(n, 4);
            byte[] data = new byte[30000];
            byte[] f = Packets.tcp(new byte[] {0x52, 0x55, 10, 0, 2, 2}, MAC, UserNetwork.GUEST, 40000, UserNetwork.GATEWAY, 9, 1, 777,
                    Packets.TCP_ACK, 1000, null, data, 0, data.length);
            int tcp = Packets.ETH_HEADER + 20;
            long pseudo = Checksum.pseudoHeader(UserNetwork.GUEST, UserNetwork.GATEWAY, Packets.PROTO_TCP, 20 + data.length);
            while ((pseudo >>> 16) != 0) pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
            Packets.put16(f, tcp + 16, (int) pseudo);
            byte[] h = header(VirtioNet.HDR_F_NEEDS_CSUM, VirtioNet.GSO_TCPV4, tcp, 16);
            ConfigBytes.write(h, 2, 2, 54); // hdr_len
            ConfigBytes.write(h, 4, 2, 1460); // gso_size
            transmit(n, h, f);
            if (negotiated) {
                List<Used> got = awaitReceived(n, 1);
                assertEquals(1, got.size(), "the stack answered the 30 KB segment (an RST: no such connection)");
                assertEquals(0, n.dev.droppedFrames());
            } else {
                assertEquals(1, n.dev.droppedFrames(), "without HOST_TSO4 such a frame is malformed");
            }
        }
    }

    @Test
    void malformedTransmitBuffersAreDroppedAndCountedAndTheDeviceGoesOn() throws Exception {
        Nic n = start(FEATURES);
        postBuffers(n, 4);
        byte[] arp = arpRequestForGateway();
        // Too short for a header and an Ethernet header.
        transmit(n, new byte[4], new byte[4]);
        // Longer than an Ethernet frame with a 1500-byte MTU.
        transmit(n, header(0, 0, 0, 0), new byte[2000]);
        // Segmentation offload that was never offered.
        transmit(n, header(0, 1, 0, 0), arp);
        // A checksum position outside the frame.
        transmit(n, header(VirtioNet.HDR_F_NEEDS_CSUM, 0, 40, 100), arp);
        // Unknown header flags.
        transmit(n, header(0x80, 0, 0, 0), arp);
        // A device-writable segment in a transmit chain.
        long a = n.d.alloc(64, 8);
        n.tx.submit(Buf.in(a, 12), Buf.out(a + 12, 42));
        assertEquals(6, n.dev.droppedFrames());
        assertEquals(6, n.tx.takeUsed().size(), "every buffer is returned to the driver");
        assertFalse(n.d.needsReset(), "a bad frame does not break the device");
        transmit(n, header(0, 0, 0, 0), arp);
        assertEquals(1, awaitReceived(n, 1).size(), "and the next good frame goes through");
        assertEquals(1, n.dev.framesSent());
    }

    @Test
    void aFrameWaitsUntilTheGuestPostsABuffer() throws Exception {
        Nic n = start(FEATURES);
        transmit(n, header(0, 0, 0, 0), arpRequestForGateway());
        assertEquals(0, awaitReceived(n, 1).size(), "no buffer, no delivery");
        postBuffers(n, 1);
        assertEquals(1, awaitReceived(n, 1).size(), "delivered when the guest posts one");
    }

    @Test
    void stateRoundTripsAndRefusesAnotherMac() throws Exception {
        VirtioNet a = device();
        byte[] record = Snapshots.save(a);
        VirtioNet b = device();
        Snapshots.load(b, record);
        assertArrayEquals(record, Snapshots.save(b));
        UserNetwork other = UserNetwork.open(List.of());
        networks.add(other);
        VirtioNet c = new VirtioNet(new byte[] {2, 0, 0, 0, 0, 1}, other, runThread::add);
        StateFormatException e = assertThrows(StateFormatException.class, () -> Snapshots.load(c, record));
        assertTrue(e.getMessage().contains("MAC"), e.getMessage());
        assertThrows(StateFormatException.class, () -> Snapshots.load(b, Snapshots.truncated(record, 1)));
    }
}
