package org.vmckpt.machine.net;

/** A TCP segment from the guest, parsed out of its frame (fields point into {@link #frame}). */
final class Segment {
    byte[] frame;
    int srcIp, dstIp, srcPort, dstPort;
    int seq, ack, flags, window;
    int optionsOff, optionsLen;
    int payloadOff, payloadLen;

    /**
     * Parses the TCP header at {@code l4} ({@code len} bytes of TCP); returns false if it is malformed (a data
     * offset outside the segment).
     */
    boolean parse(byte[] f, int l4, int len, int src, int dst) {
        if (len < Packets.TCP_HEADER) return false;
        int dataOffset = ((f[l4 + 12] & 0xff) >>> 4) * 4;
        if (dataOffset < Packets.TCP_HEADER || dataOffset > len) return false;
        frame = f;
        srcIp = src;
        dstIp = dst;
        srcPort = Packets.u16(f, l4);
        dstPort = Packets.u16(f, l4 + 2);
        seq = Packets.u32(f, l4 + 4);
        ack = Packets.u32(f, l4 + 8);
        flags = f[l4 + 13] & 0x3f;
        window = Packets.u16(f, l4 + 14);
        optionsOff = l4 + Packets.TCP_HEADER;
        optionsLen = dataOffset - Packets.TCP_HEADER;
        payloadOff = l4 + dataOffset;
        payloadLen = len - dataOffset;
        return srcPort != 0 && dstPort != 0;
    }
}
