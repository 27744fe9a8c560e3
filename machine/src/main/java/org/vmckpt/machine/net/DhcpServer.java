package org.vmckpt.machine.net;

/**
 * The user-mode network's DHCP server (RFC 2131), with QEMU's addresses: it offers the one guest address
 * 10.0.2.15/24, gateway 10.0.2.2, DNS 10.0.2.3, for a day. Stateless: every DISCOVER gets an OFFER, every
 * REQUEST for the guest address an ACK (any other address a NAK).
 */
public final class DhcpServer {
    public static final int SERVER_PORT = 67, CLIENT_PORT = 68;
    static final int LEASE_SECONDS = 86400;
    private static final int MAGIC_COOKIE = 0x63825363;
    private static final int DISCOVER = 1, OFFER = 2, REQUEST = 3, ACK = 5, NAK = 6;
    private static final int BOOTP_FIXED = 236;

    private DhcpServer() { }

    /**
     * The reply (a UDP payload) to a DHCP message from the guest ({@code m[off, off+len)}), or null if there is
     * none to give (not a request we answer, or malformed).
     */
    public static byte[] answer(byte[] m, int off, int len, int guestIp, int serverIp, int dnsIp, int netmask) {
        if (len < BOOTP_FIXED + 4 || m[off] != 1 || m[off + 1] != 1 || m[off + 2] != 6) return null;
        if (Packets.u32(m, off + BOOTP_FIXED) != MAGIC_COOKIE) return null;
        int type = -1, requested = 0;
        int i = off + BOOTP_FIXED + 4, end = off + len;
        while (i < end) {
            int code = m[i] & 0xff;
            if (code == 255) break;
            if (code == 0) {
                i++;
                continue;
            }
            if (i + 1 >= end) return null;
            int l = m[i + 1] & 0xff;
            if (i + 2 + l > end) return null;
            if (code == 53 && l == 1) type = m[i + 2] & 0xff;
            if (code == 50 && l == 4) requested = Packets.u32(m, i + 2);
            i += 2 + l;
        }
        int reply;
        if (type == DISCOVER) {
            reply = OFFER;
        } else if (type == REQUEST) {
            int ciaddr = Packets.u32(m, off + 12);
            int asked = requested != 0 ? requested : ciaddr;
            reply = asked == guestIp ? ACK : NAK;
        } else {
            return null;
        }
        byte[] r = new byte[BOOTP_FIXED + 4 + 64];
        r[0] = 2; // BOOTREPLY
        r[1] = 1;
        r[2] = 6;
        System.arraycopy(m, off + 4, r, 4, 4); // xid
        System.arraycopy(m, off + 10, r, 10, 2); // flags
        if (reply != NAK) Packets.put32(r, 16, guestIp); // yiaddr
        Packets.put32(r, 20, serverIp); // siaddr
        System.arraycopy(m, off + 28, r, 28, 16); // chaddr
        Packets.put32(r, BOOTP_FIXED, MAGIC_COOKIE);
        int o = BOOTP_FIXED + 4;
        r[o++] = 53; r[o++] = 1; r[o++] = (byte) reply;
        r[o++] = 54; r[o++] = 4; Packets.put32(r, o, serverIp); o += 4;
        if (reply != NAK) {
            r[o++] = 51; r[o++] = 4; Packets.put32(r, o, LEASE_SECONDS); o += 4;
            r[o++] = 1; r[o++] = 4; Packets.put32(r, o, netmask); o += 4;
            r[o++] = 3; r[o++] = 4; Packets.put32(r, o, serverIp); o += 4;
            r[o++] = 6; r[o++] = 4; Packets.put32(r, o, dnsIp); o += 4;
        }
        r[o++] = (byte) 255;
        return java.util.Arrays.copyOf(r, Math.max(o, 300)); // BOOTP's minimum message size
    }
}
