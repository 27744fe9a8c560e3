package org.vmckpt.machine.net;

/**
 * Ethernet, IPv4, TCP and UDP header layout, and the writers that build frames for the guest. Every frame
 * is a fresh array holding exactly one Ethernet frame; checksums are always computed.
 */
public final class Packets {
    private Packets() { }

    public static final int ETH_HEADER = 14;
    public static final int ETHERTYPE_IPV4 = 0x0800;
    public static final int ETHERTYPE_ARP = 0x0806;
    public static final int IP_HEADER = 20;
    public static final int PROTO_ICMP = 1;
    public static final int PROTO_TCP = 6;
    public static final int PROTO_UDP = 17;
    public static final int TCP_HEADER = 20;
    public static final int UDP_HEADER = 8;
    /** Largest Ethernet frame without the FCS (1500-byte MTU). */
    public static final int MAX_FRAME = ETH_HEADER + 1500;

    public static final int TCP_FIN = 1, TCP_SYN = 2, TCP_RST = 4, TCP_PSH = 8, TCP_ACK = 16;

    public static int u16(byte[] b, int off) {
        return ((b[off] & 0xff) << 8) | (b[off + 1] & 0xff);
    }

    public static int u32(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    public static void put16(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 8);
        b[off + 1] = (byte) v;
    }

    public static void put32(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    /** An IPv4 address as text. */
    public static String ip(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 0xff) + "." + ((a >>> 8) & 0xff) + "." + (a & 0xff);
    }

    /** The address of a.b.c.d. */
    public static int ip(int a, int b, int c, int d) {
        return a << 24 | b << 16 | c << 8 | d;
    }

    /** Writes the Ethernet header. */
    public static void ethernet(byte[] f, byte[] dst, byte[] src, int type) {
        System.arraycopy(dst, 0, f, 0, 6);
        System.arraycopy(src, 0, f, 6, 6);
        put16(f, 12, type);
    }

    /** Writes an IPv4 header (no options, don't-fragment, TTL 64) at offset 14 with its checksum. */
    public static void ipv4(byte[] f, int protocol, int src, int dst, int payloadLength) {
        int o = ETH_HEADER;
        f[o] = 0x45;
        f[o + 1] = 0;
        put16(f, o + 2, IP_HEADER + payloadLength);
        put16(f, o + 4, 0);
        put16(f, o + 6, 0x4000);
        f[o + 8] = 64;
        f[o + 9] = (byte) protocol;
        put16(f, o + 10, 0);
        put32(f, o + 12, src);
        put32(f, o + 16, dst);
        put16(f, o + 10, Checksum.finish(Checksum.add(0, f, o, IP_HEADER)));
    }

    /**
     * A TCP segment from {@code src:sport} to {@code dst:dport}: {@code options} (a multiple of 4 bytes, or
     * null) and {@code len} payload bytes taken from {@code data} (may be null when len is 0), circularly from
     * {@code dataOff} in an array used as a ring (so a segment may wrap around the end of a send buffer).
     */
    public static byte[] tcp(byte[] dstMac, byte[] srcMac, int src, int sport, int dst, int dport, int seq, int ack,
                             int flags, int window, byte[] options, byte[] data, int dataOff, int len) {
        int optLen = options == null ? 0 : options.length;
        int tcpLen = TCP_HEADER + optLen + len;
        byte[] f = new byte[ETH_HEADER + IP_HEADER + tcpLen];
        ethernet(f, dstMac, srcMac, ETHERTYPE_IPV4);
        ipv4(f, PROTO_TCP, src, dst, tcpLen);
        int t = ETH_HEADER + IP_HEADER;
        put16(f, t, sport);
        put16(f, t + 2, dport);
        put32(f, t + 4, seq);
        put32(f, t + 8, ack);
        f[t + 12] = (byte) (((TCP_HEADER + optLen) / 4) << 4);
        f[t + 13] = (byte) flags;
        put16(f, t + 14, window);
        if (optLen > 0) System.arraycopy(options, 0, f, t + TCP_HEADER, optLen);
        if (len > 0) {
            int first = Math.min(len, data.length - dataOff);
            System.arraycopy(data, dataOff, f, t + TCP_HEADER + optLen, first);
            if (first < len) System.arraycopy(data, 0, f, t + TCP_HEADER + optLen + first, len - first);
        }
        put16(f, t + 16, Checksum.finish(Checksum.add(Checksum.pseudoHeader(src, dst, PROTO_TCP, tcpLen), f, t, tcpLen)));
        return f;
    }

    /** A UDP datagram carrying {@code data[off, off+len)}. */
    public static byte[] udp(byte[] dstMac, byte[] srcMac, int src, int sport, int dst, int dport, byte[] data, int off, int len) {
        int udpLen = UDP_HEADER + len;
        byte[] f = new byte[ETH_HEADER + IP_HEADER + udpLen];
        ethernet(f, dstMac, srcMac, ETHERTYPE_IPV4);
        ipv4(f, PROTO_UDP, src, dst, udpLen);
        int u = ETH_HEADER + IP_HEADER;
        put16(f, u, sport);
        put16(f, u + 2, dport);
        put16(f, u + 4, udpLen);
        System.arraycopy(data, off, f, u + UDP_HEADER, len);
        int sum = Checksum.finish(Checksum.add(Checksum.pseudoHeader(src, dst, PROTO_UDP, udpLen), f, u, udpLen));
        put16(f, u + 6, sum == 0 ? 0xffff : sum);
        return f;
    }

    /** Whether the TCP or UDP checksum of the segment at {@code l4} ({@code len} bytes) is right. */
    public static boolean l4ChecksumOk(byte[] f, int l4, int len, int src, int dst, int protocol) {
        if (protocol == PROTO_UDP && u16(f, l4 + 6) == 0) return true; // UDP: no checksum
        return Checksum.finish(Checksum.add(Checksum.pseudoHeader(src, dst, protocol, len), f, l4, len)) == 0;
    }
}
