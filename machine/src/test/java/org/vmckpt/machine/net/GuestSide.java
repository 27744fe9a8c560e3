package org.vmckpt.machine.net;

import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;

/**
 * Plays the guest's end of a {@link NetBackend} for tests: builds the frames a guest sends (with correct
 * checksums, from 10.0.2.15 and the guest's MAC) and takes the frames the backend queues for the guest.
 */
final class GuestSide {
    static final byte[] MAC = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    final NetBackend net;
    private final Object signal = new Object();
    private int signals;

    GuestSide(NetBackend net) {
        this.net = net;
        net.attach(MAC, () -> {
            synchronized (signal) {
                signals++;
                signal.notifyAll();
            }
        });
    }

    void send(byte[] frame) {
        net.sendFromGuest(frame, frame.length);
    }

    /** A TCP segment from the guest's {@code sport} to {@code dst:dport}. */
    void tcp(int sport, int dst, int dport, int seq, int ack, int flags, int window, byte[] options, byte[] data) {
        send(Packets.tcp(UserNetwork.OUR_MAC, MAC, UserNetwork.GUEST, sport, dst, dport, seq, ack, flags, window, options,
                data, 0, data == null ? 0 : data.length));
    }

    /** The next frame for the guest, waiting up to {@code millis}; null if none came. */
    byte[] poll(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000L;
        while (true) {
            byte[] f = net.peekForGuest();
            if (f != null) {
                net.takeForGuest();
                return f;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) return null;
            synchronized (signal) {
                signal.wait(Math.max(1, Math.min(20, left / 1_000_000L)));
            }
        }
    }

    /** The next frame, which must come within 5 s. */
    byte[] take() throws InterruptedException {
        byte[] f = poll(5000);
        assertNotNull(f, "no frame for the guest within 5 s");
        return f;
    }

    /** Every frame that arrives within {@code millis} of quiet. */
    List<byte[]> drain(long millis) throws InterruptedException {
        List<byte[]> out = new ArrayList<>();
        byte[] f;
        while ((f = poll(millis)) != null) out.add(f);
        return out;
    }

    /** The TCP header of a frame from the backend (fields parsed for assertions). */
    record Tcp(int src, int sport, int dst, int dport, int seq, int ack, int flags, int window, byte[] options, byte[] data) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    static Tcp parseTcp(byte[] f) {
        int ip = Packets.ETH_HEADER;
        if (Packets.u16(f, 12) != Packets.ETHERTYPE_IPV4 || (f[ip + 9] & 0xff) != Packets.PROTO_TCP) {
            throw new AssertionError("not a TCP frame: ethertype " + Integer.toHexString(Packets.u16(f, 12)));
        }
        int total = Packets.u16(f, ip + 2);
        int l4 = ip + 20;
        int off = ((f[l4 + 12] & 0xff) >>> 4) * 4;
        if (!Packets.l4ChecksumOk(f, l4, total - 20, Packets.u32(f, ip + 12), Packets.u32(f, ip + 16), Packets.PROTO_TCP)) {
            throw new AssertionError("bad TCP checksum from the backend");
        }
        return new Tcp(Packets.u32(f, ip + 12), Packets.u16(f, l4), Packets.u32(f, ip + 16), Packets.u16(f, l4 + 2),
                Packets.u32(f, l4 + 4), Packets.u32(f, l4 + 8), f[l4 + 13] & 0x3f, Packets.u16(f, l4 + 14),
                java.util.Arrays.copyOfRange(f, l4 + 20, l4 + off), java.util.Arrays.copyOfRange(f, l4 + off, ip + total));
    }
}
