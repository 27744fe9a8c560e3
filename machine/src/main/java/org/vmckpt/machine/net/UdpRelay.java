package org.vmckpt.machine.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.HashMap;
import java.util.Map;

/**
 * The host socket behind one UDP port of the guest: the guest's datagrams go out through it, and answers
 * from a host address the guest sent to come back as if from the address the guest used (the gateway for
 * the host's loopback, 10.0.2.3 for the DNS resolver). Datagrams from anyone else are dropped. Closed after
 * {@link #IDLE_NANOS} without traffic. Network thread only.
 */
final class UdpRelay {
    static final long IDLE_NANOS = 60_000_000_000L;

    final int guestPort;
    final DatagramChannel channel;
    SelectionKey selectionKey;
    long lastUsed;
    /** Host address -> (guest-visible IP << 16 | port). */
    private final Map<SocketAddress, Long> visible = new HashMap<>();
    private final ByteBuffer buffer = ByteBuffer.allocate(65536);

    UdpRelay(int guestPort) throws IOException {
        this.guestPort = guestPort;
        this.channel = DatagramChannel.open();
        channel.configureBlocking(false);
        channel.bind(new InetSocketAddress(0));
        lastUsed = System.nanoTime();
    }

    /** Sends a guest datagram to {@code host}, which the guest knows as {@code visibleIp:visiblePort}. */
    void send(InetSocketAddress host, int visibleIp, int visiblePort, byte[] data, int off, int len) throws IOException {
        visible.put(host, (long) visibleIp << 16 | visiblePort);
        lastUsed = System.nanoTime();
        channel.send(ByteBuffer.wrap(data, off, len), host);
    }

    /** Hands every waiting answer to the guest. */
    void onReadable(UserNetwork net) {
        while (true) {
            buffer.clear();
            SocketAddress from;
            try {
                from = channel.receive(buffer);
            } catch (IOException e) {
                return; // an ICMP error from an earlier send: nothing to hand over
            }
            if (from == null) return;
            Long v = visible.get(from);
            if (v == null) {
                net.ignored++;
                continue;
            }
            lastUsed = System.nanoTime();
            net.udpToGuest((int) (v >>> 16), (int) (v & 0xffff), guestPort, buffer.array(), 0, buffer.position());
        }
    }

    void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }
}
