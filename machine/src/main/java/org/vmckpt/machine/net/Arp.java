package org.vmckpt.machine.net;

import java.util.function.IntPredicate;

/** ARP for IPv4 over Ethernet (RFC 826): answers the guest's requests for the virtual network's own addresses. */
public final class Arp {
    private Arp() { }

    static final int LENGTH = Packets.ETH_HEADER + 28;
    private static final int OP_REQUEST = 1, OP_REPLY = 2;

    /**
     * The reply to an ARP frame from the guest, or null if it is not a request for an address {@code ours}
     * accepts (a gratuitous ARP, a reply, a request for another host: nothing to say). Returns
     * {@link #MALFORMED} for a frame that is not well-formed ARP for IPv4 over Ethernet.
     */
    public static byte[] answer(byte[] f, int len, byte[] ourMac, IntPredicate ours) {
        if (len < LENGTH) return MALFORMED;
        int a = Packets.ETH_HEADER;
        if (Packets.u16(f, a) != 1 || Packets.u16(f, a + 2) != Packets.ETHERTYPE_IPV4 || f[a + 4] != 6 || f[a + 5] != 4) return MALFORMED;
        int op = Packets.u16(f, a + 6);
        if (op != OP_REQUEST) return op == OP_REPLY ? null : MALFORMED;
        int senderIp = Packets.u32(f, a + 14), targetIp = Packets.u32(f, a + 24);
        if (!ours.test(targetIp) || senderIp == targetIp) return null;
        byte[] senderMac = java.util.Arrays.copyOfRange(f, a + 8, a + 14);
        byte[] r = new byte[LENGTH];
        Packets.ethernet(r, senderMac, ourMac, Packets.ETHERTYPE_ARP);
        Packets.put16(r, a, 1);
        Packets.put16(r, a + 2, Packets.ETHERTYPE_IPV4);
        r[a + 4] = 6;
        r[a + 5] = 4;
        Packets.put16(r, a + 6, OP_REPLY);
        System.arraycopy(ourMac, 0, r, a + 8, 6);
        Packets.put32(r, a + 14, targetIp);
        System.arraycopy(senderMac, 0, r, a + 18, 6);
        Packets.put32(r, a + 24, senderIp);
        return r;
    }

    /** The answer for a malformed frame (compare by identity). */
    public static final byte[] MALFORMED = new byte[0];
}
