package org.vmckpt.machine.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.vmckpt.machine.net.GuestSide.Tcp;

/** The user-mode network driven frame by frame, as a guest would, against real sockets on the host's loopback. */
@Timeout(60)
class UserNetworkTest {
    private static final int GUEST_WINDOW = 65535;
    private static final byte[] SYN_OPTIONS = {2, 4, 0x05, (byte) 0xb4, 1, 3, 3, 7}; // MSS 1460, window scale 7
    private UserNetwork net;

    @AfterEach
    void close() {
        if (net != null) net.close();
    }

    private GuestSide open(HostForward... forwards) throws IOException {
        net = UserNetwork.open(List.of(forwards));
        return new GuestSide(net);
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------- ARP and DHCP

    private static byte[] arpRequest(int target) {
        byte[] f = new byte[Arp.LENGTH];
        Packets.ethernet(f, new byte[] {-1, -1, -1, -1, -1, -1}, GuestSide.MAC, Packets.ETHERTYPE_ARP);
        int a = Packets.ETH_HEADER;
        Packets.put16(f, a, 1);
        Packets.put16(f, a + 2, Packets.ETHERTYPE_IPV4);
        f[a + 4] = 6;
        f[a + 5] = 4;
        Packets.put16(f, a + 6, 1);
        System.arraycopy(GuestSide.MAC, 0, f, a + 8, 6);
        Packets.put32(f, a + 14, UserNetwork.GUEST);
        Packets.put32(f, a + 24, target);
        return f;
    }

    @Test
    void arpForTheGatewayAndDnsIsAnsweredAndForOthersNot() throws Exception {
        GuestSide g = open();
        for (int target : new int[] {UserNetwork.GATEWAY, UserNetwork.DNS}) {
            g.send(arpRequest(target));
            byte[] r = g.take();
            assertEquals(Packets.ETHERTYPE_ARP, Packets.u16(r, 12));
            assertEquals(2, Packets.u16(r, 20), "an ARP reply");
            assertArrayEquals(UserNetwork.OUR_MAC, java.util.Arrays.copyOfRange(r, 22, 28));
            assertEquals(target, Packets.u32(r, 28));
            assertArrayEquals(GuestSide.MAC, java.util.Arrays.copyOfRange(r, 0, 6), "sent to the asker");
        }
        g.send(arpRequest(Packets.ip(10, 0, 2, 99)));
        assertNull(g.poll(300), "no other host lives on the virtual network");
    }

    private static byte[] dhcp(int type, int requested) {
        byte[] m = new byte[300];
        m[0] = 1;
        m[1] = 1;
        m[2] = 6;
        Packets.put32(m, 4, 0x12345678);
        System.arraycopy(GuestSide.MAC, 0, m, 28, 6);
        Packets.put32(m, 236, 0x63825363);
        int o = 240;
        m[o++] = 53;
        m[o++] = 1;
        m[o++] = (byte) type;
        if (requested != 0) {
            m[o++] = 50;
            m[o++] = 4;
            Packets.put32(m, o, requested);
            o += 4;
        }
        m[o] = (byte) 255;
        return Packets.udp(new byte[] {-1, -1, -1, -1, -1, -1}, GuestSide.MAC, 0, 68, -1, 67, m, 0, m.length);
    }

    /** DHCP option {@code code} of the reply frame {@code f}, or null. */
    private static byte[] option(byte[] f, int code) {
        int i = Packets.ETH_HEADER + 20 + 8 + 240;
        while (i < f.length && (f[i] & 0xff) != 255) {
            if (f[i] == 0) {
                i++;
                continue;
            }
            int l = f[i + 1] & 0xff;
            if ((f[i] & 0xff) == code) return java.util.Arrays.copyOfRange(f, i + 2, i + 2 + l);
            i += 2 + l;
        }
        return null;
    }

    @Test
    void dhcpGivesTheGuestQemusAddresses() throws Exception {
        GuestSide g = open();
        g.send(dhcp(1, 0));
        byte[] offer = g.take();
        int bootp = Packets.ETH_HEADER + 20 + 8;
        assertEquals(68, Packets.u16(offer, Packets.ETH_HEADER + 20 + 2), "to the client port");
        assertEquals(0x12345678, Packets.u32(offer, bootp + 4), "same transaction");
        assertEquals(UserNetwork.GUEST, Packets.u32(offer, bootp + 16), "yiaddr 10.0.2.15");
        assertEquals(2, option(offer, 53)[0], "OFFER");
        assertEquals(UserNetwork.GATEWAY, Packets.u32(option(offer, 3), 0), "router");
        assertEquals(UserNetwork.DNS, Packets.u32(option(offer, 6), 0), "DNS");
        assertEquals(UserNetwork.NETMASK, Packets.u32(option(offer, 1), 0), "/24");
        g.send(dhcp(3, UserNetwork.GUEST));
        assertEquals(5, option(g.take(), 53)[0], "ACK for the offered address");
        g.send(dhcp(3, Packets.ip(10, 0, 2, 77)));
        assertEquals(6, option(g.take(), 53)[0], "NAK for another address");
    }

    // ---------------------------------------------------------------- TCP, guest to host

    /** A guest connection to the host's loopback through the gateway, past the handshake. */
    private record Conn(GuestSide g, int sport, int dport, int[] seq, int[] ack, Socket host) {
        void send(byte[] data, int flags) {
            g.tcp(sport, UserNetwork.GATEWAY, dport, seq[0], ack[0], Packets.TCP_ACK | flags, GUEST_WINDOW, null, data);
            seq[0] += data.length + ((flags & Packets.TCP_FIN) != 0 ? 1 : 0);
        }

        void ackAll() {
            g.tcp(sport, UserNetwork.GATEWAY, dport, seq[0], ack[0], Packets.TCP_ACK, GUEST_WINDOW, null, null);
        }

        /** Receives {@code n} bytes of data (acknowledging each segment); returns them. */
        byte[] receive(int n) throws InterruptedException {
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            while (got.size() < n) {
                Tcp t = GuestSide.parseTcp(g.take());
                if (t.data().length == 0) continue;
                assertEquals(ack[0], t.seq(), "in order, nothing skipped");
                got.write(t.data(), 0, t.data().length);
                ack[0] += t.data().length;
                ackAll();
            }
            return got.toByteArray();
        }
    }

    private Conn connect(GuestSide g, ServerSocket server, int sport) throws Exception {
        int dport = server.getLocalPort();
        int isn = 1000 * sport;
        g.tcp(sport, UserNetwork.GATEWAY, dport, isn, 0, Packets.TCP_SYN, GUEST_WINDOW, SYN_OPTIONS, null);
        Tcp synAck = GuestSide.parseTcp(g.take());
        assertTrue(synAck.has(Packets.TCP_SYN) && synAck.has(Packets.TCP_ACK), "SYN-ACK");
        assertEquals(isn + 1, synAck.ack());
        assertEquals(UserNetwork.GATEWAY, synAck.src());
        assertEquals(dport, synAck.sport());
        assertEquals(2, synAck.options()[0], "our MSS option");
        Socket host = server.accept();
        Conn c = new Conn(g, sport, dport, new int[] {isn + 1}, new int[] {synAck.seq() + 1}, host);
        c.ackAll();
        return c;
    }

    @Test
    void guestConnectionReachesTheHostLoopbackAndCarriesBothWaysAndCloses() throws Exception {
        GuestSide g = open();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Conn c = connect(g, server, 40001);
            byte[] up = random(200_000, 1);
            for (int off = 0; off < up.length; off += 1460) {
                c.send(java.util.Arrays.copyOfRange(up, off, Math.min(up.length, off + 1460)), 0);
                if ((off / 1460) % 16 == 15) g.drain(0); // acks
            }
            InputStream in = c.host().getInputStream();
            assertArrayEquals(up, in.readNBytes(up.length), "guest to host");

            byte[] down = random(700_000, 2);
            Thread writer = new Thread(() -> {
                try {
                    c.host().getOutputStream().write(down);
                    c.host().shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            assertArrayEquals(down, c.receive(down.length), "host to guest");
            writer.join();
            Tcp fin = GuestSide.parseTcp(g.take());
            while (!fin.has(Packets.TCP_FIN)) fin = GuestSide.parseTcp(g.take());
            assertEquals(c.ack()[0], fin.seq());
            c.ack()[0]++;
            c.send(new byte[0], Packets.TCP_FIN);
            Tcp last = GuestSide.parseTcp(g.take());
            assertEquals(c.seq()[0], last.ack(), "our FIN acknowledged");
            assertEquals(-1, in.read(), "the guest's FIN is EOF on the host");
            waitUntil(() -> net.describe().get("tcp-connections").equals(0), "the connection is gone once both sides closed");
        }
    }

    @Test
    void aWindowClosedByASlowHostReaderOpensAgainWithoutAProbe() throws Exception {
        // The guest uploads faster than the host reads: our buffer fills and the window we advertise closes. Once
        // the host has read everything, the network must tell the guest the window is open again on its own (a
        // window update); a guest that never probes would otherwise wait for ever (it did, until 0cdc1e1).
        GuestSide g = open();
        try (ServerSocket server = new ServerSocket()) {
            server.setReceiveBufferSize(4096);
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 5);
            Conn c = connect(g, server, 40011);
            byte[] chunk = random(1460, 11);
            long advertised = 0xffff;
            int acked = c.seq()[0];
            int sent = 0;
            for (int round = 0; round < 2000; round++) {
                long allowed = advertised - (c.seq()[0] - acked);
                if (allowed < chunk.length) break;
                for (int k = 0; k < 16 && allowed >= chunk.length; k++, allowed -= chunk.length) {
                    c.send(chunk, 0);
                    sent += chunk.length;
                }
                for (byte[] f : g.drain(30)) {
                    Tcp t = GuestSide.parseTcp(f);
                    acked = t.ack();
                    advertised = (long) t.window() << TcpConnection.OUR_WSCALE;
                }
            }
            assertTrue(advertised < 2 * 1460, "the window closed (advertised " + advertised + " after " + sent + " bytes)");
            byte[] got = c.host().getInputStream().readNBytes(sent);
            assertEquals(sent, got.length, "the host got every byte");
            long reopened = -1;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (reopened < TcpConnection.BUFFER / 2 && System.nanoTime() < deadline) {
                for (byte[] f : g.drain(100)) reopened = Math.max(reopened, (long) GuestSide.parseTcp(f).window() << TcpConnection.OUR_WSCALE);
            }
            assertTrue(reopened >= TcpConnection.BUFFER / 2, "no window update after the host drained the buffer (largest window seen: " + reopened + ")");
            c.host().close();
        }
    }

    @Test
    void neverSendsBeyondTheGuestsWindow() throws Exception {
        GuestSide g = open();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int dport = server.getLocalPort();
            int window = 3000;
            g.tcp(40002, UserNetwork.GATEWAY, dport, 5, 0, Packets.TCP_SYN, window, new byte[] {2, 4, 0x05, (byte) 0xb4}, null);
            Tcp synAck = GuestSide.parseTcp(g.take());
            Socket host = server.accept();
            int ack = synAck.seq() + 1;
            g.tcp(40002, UserNetwork.GATEWAY, dport, 6, ack, Packets.TCP_ACK, window, null, null);
            host.getOutputStream().write(random(50_000, 3));
            int got = 0;
            for (byte[] f : g.drain(500)) got += GuestSide.parseTcp(f).data().length;
            assertEquals(window, got, "exactly the window, no more");
            g.tcp(40002, UserNetwork.GATEWAY, dport, 6, ack + got, Packets.TCP_ACK, window, null, null);
            int more = 0;
            for (byte[] f : g.drain(500)) more += GuestSide.parseTcp(f).data().length;
            assertEquals(window, more, "the acknowledged window opens again");
            host.close();
        }
    }

    @Test
    void synToAClosedPortAndSegmentsOfUnknownConnectionsGetReset() throws Exception {
        GuestSide g = open();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        g.tcp(40003, UserNetwork.GATEWAY, closedPort, 77, 0, Packets.TCP_SYN, GUEST_WINDOW, SYN_OPTIONS, null);
        Tcp rst = GuestSide.parseTcp(g.take());
        assertTrue(rst.has(Packets.TCP_RST) && rst.has(Packets.TCP_ACK));
        assertEquals(78, rst.ack(), "acknowledges the SYN, as a refused connection does");

        g.tcp(40004, UserNetwork.GATEWAY, 9, 500, 12345, Packets.TCP_ACK, GUEST_WINDOW, null, new byte[] {1, 2, 3});
        Tcp rst2 = GuestSide.parseTcp(g.take());
        assertTrue(rst2.has(Packets.TCP_RST));
        assertEquals(12345, rst2.seq(), "RFC 793: the reset takes its sequence number from the segment's ACK");
    }

    // ---------------------------------------------------------------- hostfwd

    @Test
    void aForwardedHostConnectionReachesTheGuestPort() throws Exception {
        GuestSide g = open(new HostForward("127.0.0.1", 0, 80));
        int port = net.boundPort(0);
        assertTrue(port > 0);
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            Tcp syn = GuestSide.parseTcp(g.take());
            assertTrue(syn.has(Packets.TCP_SYN) && !syn.has(Packets.TCP_ACK));
            assertEquals(80, syn.dport());
            assertEquals(UserNetwork.GUEST, syn.dst());
            assertEquals(UserNetwork.GATEWAY, syn.src(), "a forwarded connection comes from the gateway");
            int seq = 9000;
            g.tcp(80, UserNetwork.GATEWAY, syn.sport(), seq, syn.seq() + 1, Packets.TCP_SYN | Packets.TCP_ACK, GUEST_WINDOW, SYN_OPTIONS, null);
            seq++;
            Tcp ack = GuestSide.parseTcp(g.take());
            assertEquals(seq, ack.ack());
            byte[] answer = "HTTP/1.0 200 OK\r\n\r\nhello".getBytes();
            g.tcp(80, UserNetwork.GATEWAY, syn.sport(), seq, syn.seq() + 1, Packets.TCP_ACK | Packets.TCP_PSH, GUEST_WINDOW, null, answer);
            assertArrayEquals(answer, client.getInputStream().readNBytes(answer.length));
            client.getOutputStream().write("GET /".getBytes());
            Tcp data = GuestSide.parseTcp(g.take());
            while (data.data().length == 0) data = GuestSide.parseTcp(g.take());
            assertEquals("GET /", new String(data.data()));
        }
    }

    @Test
    void aHostPortInUseIsAClearError() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            IOException e = assertThrows(IOException.class, () -> UserNetwork.open(List.of(new HostForward("127.0.0.1", port, 80))));
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + port) && e.getMessage().contains("choose another host port"),
                    e.getMessage());
        }
    }

    // ---------------------------------------------------------------- forwards that follow a migrating guest

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port), 2000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void forwardsOpenedWithoutListenersListenOnlyOnceBound() throws Exception {
        int port = freePort();
        net = UserNetwork.open(List.of(new HostForward("127.0.0.1", port, 80)), false);
        GuestSide g = new GuestSide(net);
        assertEquals(0, net.boundPort(0));
        assertTrue(!accepts(port), "no listener before bindForwards");
        assertEquals(Boolean.FALSE, ((java.util.Map<?, ?>) ((List<?>) net.describe().get("hostfwd")).get(0)).get("listening"));
        net.bindForwards(0);
        assertEquals(port, net.boundPort(0));
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            Tcp syn = GuestSide.parseTcp(g.take());
            assertTrue(syn.has(Packets.TCP_SYN) && syn.dport() == 80, "the connection reaches the guest's port");
        }
    }

    @Test
    void bindForwardsWaitsForAPortItsHolderFreesAndNamesOneThatStaysTaken() throws Exception {
        ServerSocket holder = new ServerSocket();
        holder.setReuseAddress(true);
        holder.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
        int port = holder.getLocalPort();
        try {
            net = UserNetwork.open(List.of(new HostForward("127.0.0.1", port, 80)), false);
            IOException e = assertThrows(IOException.class, () -> net.bindForwards(50));
            assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + port), e.getMessage());
            Thread release = new Thread(() -> {
                try {
                    Thread.sleep(300);
                    holder.close();
                } catch (Exception ignored) {
                    // the test fails on the bind below
                }
            });
            release.start();
            net.bindForwards(30_000); // as a migration's destination does while the source still holds the port
            release.join();
            assertEquals(port, net.boundPort(0));
            assertTrue(accepts(port));
        } finally {
            holder.close();
        }
    }

    @Test
    void closeForwardsFreesThePortsAndResetsTheConnectionsBothWays() throws Exception {
        int port = freePort();
        GuestSide g = open(new HostForward("127.0.0.1", port, 80));
        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
            Tcp syn = GuestSide.parseTcp(g.take());
            g.tcp(80, UserNetwork.GATEWAY, syn.sport(), 9000, syn.seq() + 1, Packets.TCP_SYN | Packets.TCP_ACK, GUEST_WINDOW, SYN_OPTIONS, null);
            GuestSide.parseTcp(g.take()); // the handshake's ACK
            net.closeForwards();
            // The host peer is reset (not left waiting on a guest that has gone)...
            client.setSoTimeout(5000);
            try {
                assertEquals(-1, client.getInputStream().read(), "the host peer sees the connection end");
            } catch (java.net.SocketException expected) {
                // connection reset
            }
            // ...and so is the guest's side (it reaches the guest if this copy ever runs again).
            Tcp rst = GuestSide.parseTcp(g.take());
            assertTrue(rst.has(Packets.TCP_RST) && rst.dport() == 80, "an RST to the guest's port 80");
        }
        assertEquals(0, net.boundPort(0));
        assertEquals(Boolean.FALSE, ((java.util.Map<?, ?>) ((List<?>) net.describe().get("hostfwd")).get(0)).get("listening"));
        // The port is free at once: another process (a migration's destination) can listen on it.
        try (ServerSocket other = new ServerSocket()) {
            other.setReuseAddress(true);
            other.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        }
        net.bindForwards(5_000); // and this one again (a source whose migration failed after GO, resumed by the user)
        assertTrue(accepts(port));
    }

    // ---------------------------------------------------------------- hostile frames

    @Test
    void malformedFramesAreDroppedAndCountedAndTheNetworkGoesOn() throws Exception {
        GuestSide g = open();
        SplittableRandom r = new SplittableRandom(11);
        int sent = 0;
        for (int i = 0; i < 2000; i++) {
            byte[] f = new byte[r.nextInt(0, 1600)];
            r.nextBytes(f);
            if (f.length > 14 && i % 2 == 0) Packets.put16(f, 12, i % 4 == 0 ? Packets.ETHERTYPE_IPV4 : Packets.ETHERTYPE_ARP);
            g.send(f);
            sent++;
        }
        // Well-formed IPv4 with broken insides: bad TCP checksum, a data offset past the segment, a truncated UDP header.
        byte[] bad = Packets.tcp(UserNetwork.OUR_MAC, GuestSide.MAC, UserNetwork.GUEST, 1, UserNetwork.GATEWAY, 2, 0, 0, Packets.TCP_SYN, 100, null, null, 0, 0);
        bad[bad.length - 1] ^= 1;
        g.send(bad);
        byte[] offset = Packets.tcp(UserNetwork.OUR_MAC, GuestSide.MAC, UserNetwork.GUEST, 1, UserNetwork.GATEWAY, 2, 0, 0, Packets.TCP_SYN, 100, null, null, 0, 0);
        offset[Packets.ETH_HEADER + 20 + 12] = (byte) 0xf0;
        g.send(offset);
        byte[] udp = Packets.udp(UserNetwork.OUR_MAC, GuestSide.MAC, UserNetwork.GUEST, 5, UserNetwork.DNS, 53, new byte[0], 0, 0);
        g.send(java.util.Arrays.copyOf(udp, udp.length - 4));
        g.drain(300);
        waitUntil(() -> net.framesFromGuest == 2003, "every frame was looked at");
        assertTrue(net.malformedFrames() >= 3, "malformed frames are counted: " + net.malformedFrames());
        g.send(arpRequest(UserNetwork.GATEWAY));
        byte[] reply = g.take();
        assertEquals(Packets.ETHERTYPE_ARP, Packets.u16(reply, 12), "the network still answers");
        assertEquals(sent, 2000);
    }

    // ---------------------------------------------------------------- checkpoints: reset and restore

    @Test
    void aConnectionTheRolledBackGuestStillHasKeepsWorking() throws Exception {
        GuestSide g = open();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Conn c = connect(g, server, 40010);
            c.send("before".getBytes(), 0);
            assertArrayEquals("before".getBytes(), c.host().getInputStream().readNBytes(6));
            g.drain(200);
            byte[] view = net.saveGuestView();
            net.loadGuestView(view); // a reset to a checkpoint taken just now: the guest agrees with us
            assertNull(g.poll(200), "nothing to reset");
            c.host().getOutputStream().write("after".getBytes());
            assertArrayEquals("after".getBytes(), c.receive(5));
            c.send("again".getBytes(), 0);
            assertArrayEquals("again".getBytes(), c.host().getInputStream().readNBytes(5));
        }
    }

    @Test
    void aConnectionTheRolledBackGuestRemembersDifferentlyIsReset() throws Exception {
        GuestSide g = open();
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Conn c = connect(g, server, 40011);
            g.drain(200);
            byte[] view = net.saveGuestView();
            int ackAtCheckpoint = c.ack()[0];
            c.host().getOutputStream().write("moved-on".getBytes());
            c.receive(8); // the guest takes and acknowledges data after the checkpoint
            net.loadGuestView(view); // ... and is then reset to the checkpoint, where it never saw them
            g.drain(200);
            g.tcp(40011, UserNetwork.GATEWAY, c.dport(), c.seq()[0], ackAtCheckpoint, Packets.TCP_ACK, GUEST_WINDOW, null, null);
            Tcp rst = GuestSide.parseTcp(g.take());
            assertTrue(rst.has(Packets.TCP_RST), "a connection whose data the guest forgot is reset, not corrupted");
            assertEquals(-1, readOrReset(c.host()), "and the host peer sees it end");
        }
    }

    private static int readOrReset(Socket s) throws IOException {
        s.setSoTimeout(5000);
        try {
            return s.getInputStream().read();
        } catch (java.net.SocketException e) {
            return -1; // connection reset
        }
    }

    @Test
    void aRestoreInANewProcessResetsTheGuestsOldConnections() throws Exception {
        GuestSide g = open();
        byte[] view;
        int sport = 40012;
        int[] ack;
        int dport;
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Conn c = connect(g, server, sport);
            c.host().getOutputStream().write("x".getBytes());
            c.receive(1);
            g.drain(200);
            view = net.saveGuestView();
            ack = c.ack();
            dport = c.dport();
        }
        net.close();
        net = UserNetwork.open(List.of()); // a new process: no sockets of the old one
        GuestSide g2 = new GuestSide(net);
        net.loadGuestView(view);
        Tcp rst = GuestSide.parseTcp(g2.take());
        assertTrue(rst.has(Packets.TCP_RST));
        assertEquals(sport, rst.dport());
        assertEquals(dport, rst.sport());
        assertEquals(ack[0], rst.seq(), "at the sequence number the guest expects, so it takes it");
        Tcp probe = GuestSide.parseTcp(g2.take());
        assertTrue(probe.has(Packets.TCP_ACK) && !probe.has(Packets.TCP_RST), "then an old-sequence ACK the guest answers if it expected another");
    }

    @Test
    void aMalformedViewIsIgnored() throws Exception {
        GuestSide g = open();
        net.loadGuestView(new byte[] {0, 0, 0, 1, 0x7f, 0, 0, 0, 1});
        net.loadGuestView(new byte[0]);
        assertNull(g.poll(200));
        g.send(arpRequest(UserNetwork.GATEWAY));
        assertNotNull(g.take());
    }

    private static void waitUntil(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError(what);
            Thread.sleep(10);
        }
    }

    @Test
    void dnsQueriesGoToTheResolverOfResolvConf(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path conf = dir.resolve("resolv.conf");
        java.nio.file.Files.writeString(conf, "# comment\nsearch example\nnameserver ::1\nnameserver 127.0.0.53\n");
        assertEquals(InetAddress.getByName("127.0.0.53"), UserNetwork.readResolver(conf), "the first IPv4 nameserver");
        java.nio.file.Files.writeString(conf, "search example\n");
        assertNull(UserNetwork.readResolver(conf));
        assertNull(UserNetwork.readResolver(dir.resolve("missing")));
    }

    @Test
    void guestUdpGoesOutAndAnswersComeBackFromTheAddressItUsed() throws Exception {
        GuestSide g = open();
        try (java.net.DatagramSocket host = new java.net.DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            host.setSoTimeout(5000);
            byte[] q = "ping".getBytes();
            g.send(Packets.udp(UserNetwork.OUR_MAC, GuestSide.MAC, UserNetwork.GUEST, 5555, UserNetwork.GATEWAY, host.getLocalPort(), q, 0, q.length));
            java.net.DatagramPacket p = new java.net.DatagramPacket(new byte[100], 100);
            host.receive(p);
            assertEquals("ping", new String(p.getData(), 0, p.getLength()));
            host.send(new java.net.DatagramPacket("pong".getBytes(), 4, p.getSocketAddress()));
            byte[] f = g.take();
            int ip = Packets.ETH_HEADER;
            assertEquals(UserNetwork.GATEWAY, Packets.u32(f, ip + 12), "from the gateway, as the guest sent it");
            assertEquals(host.getLocalPort(), Packets.u16(f, ip + 20));
            assertEquals(5555, Packets.u16(f, ip + 22));
            assertEquals("pong", new String(f, ip + 28, 4));
        }
    }
}
