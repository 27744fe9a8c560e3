package org.vmckpt.machine.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * One guest TCP connection of the user-mode network, terminated here and relayed through a host socket
 * (what libslirp and passt do, written for this project). The guest talks TCP to us; we talk to the host
 * socket with plain reads and writes. Runs on the network thread only.
 *
 * <p>Guest to host: segments in order are copied into {@link #toHost} (a ring of {@link #BUFFER} bytes) and
 * acknowledged; the window we advertise is the free space of that ring, so the guest never sends more than
 * we can hold. Out-of-order data (there is none on a lossless link, except after a rollback) is dropped and
 * answered with a duplicate ACK; retransmitted data below {@link #rcvNxt} is acknowledged again.
 *
 * <p>Host to guest: what the host socket gives is kept in {@link #sendBuf} until the guest acknowledges it,
 * sent in segments of the guest's MSS within the guest's window. The virtual link loses nothing, but a
 * reset of the guest to a checkpoint forgets frames it had received, so unacknowledged data is sent again
 * after a timeout (go-back-N), only once the guest has taken every frame queued for it.
 */
final class TcpConnection {
    enum State {
        /** The guest sent SYN; the host socket is connecting. */
        CONNECTING,
        /** We answered the guest's SYN with SYN-ACK. */
        SYN_RECEIVED,
        /** A forwarded host connection: we sent SYN to the guest. */
        SYN_SENT,
        ESTABLISHED,
        CLOSED
    }

    static final int BUFFER = 256 * 1024;
    static final int OUR_MSS = 1460;
    /** Our window scale: 256 KiB >> 3 fits the 16-bit window field. */
    static final int OUR_WSCALE = 3;
    static final long INITIAL_RTO_NANOS = 1_000_000_000L;
    static final long MAX_RTO_NANOS = 8_000_000_000L;
    static final int MAX_RETRIES = 8;

    final UserNetwork net;
    final long key;
    final int guestPort;
    /** The peer as the guest sees it. */
    final int remoteIp;
    final int remotePort;
    SocketChannel channel;
    SelectionKey selectionKey;
    State state;

    // guest -> host
    private int irs;
    int rcvNxt;
    private final byte[] toHost = new byte[BUFFER];
    private int toHostStart, toHostLen;
    private boolean guestFin;
    private boolean hostOutputShut;
    private int lastWindowSent;

    // host -> guest
    private int iss;
    int sndUna;
    private final byte[] sendBuf = new byte[BUFFER];
    /** Index in sendBuf of the byte at sndUna; bytes held from sndUna; of those, bytes sent. */
    private int sendStart, sendLen, sent;
    private int sndWnd;
    private int guestMss = 536;
    /** Scale of the guest's window, and whether both sides use scaling (then ours is OUR_WSCALE). */
    private int guestWscale;
    private boolean scaling;
    private boolean hostEof;
    private boolean finSent, finAcked;

    private long rtoDeadline; // 0: no timer
    private long rto = INITIAL_RTO_NANOS;
    private int retries;
    boolean ackPending;
    /** The guest was reset to a checkpoint: its next segment must match our sequence numbers exactly. */
    boolean resync;

    private TcpConnection(UserNetwork net, int guestPort, int remoteIp, int remotePort) {
        this.net = net;
        this.key = key(guestPort, remoteIp, remotePort);
        this.guestPort = guestPort;
        this.remoteIp = remoteIp;
        this.remotePort = remotePort;
    }

    static long key(int guestPort, int remoteIp, int remotePort) {
        return (long) guestPort << 48 | (remoteIp & 0xffffffffL) << 16 | remotePort;
    }

    int sndNxt() {
        return sndUna + sent + (finSent && !finAcked ? 1 : 0);
    }

    // ---------------------------------------------------------------- opening

    /** The guest's SYN to {@code remoteIp:remotePort}: connect to {@code host} and answer once connected. */
    static TcpConnection fromGuestSyn(UserNetwork net, Segment s, InetSocketAddress host) throws IOException {
        TcpConnection c = new TcpConnection(net, s.srcPort, s.dstIp, s.dstPort);
        c.irs = s.seq;
        c.rcvNxt = s.seq + 1;
        c.readSynOptions(s);
        c.sndWnd = s.window; // a SYN's window is never scaled
        c.iss = net.newIss();
        c.sndUna = c.iss;
        c.state = State.CONNECTING;
        c.channel = SocketChannel.open();
        try {
            c.channel.configureBlocking(false);
            c.channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            c.channel.connect(host);
        } catch (IOException | RuntimeException e) {
            c.channel.close();
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
        return c;
    }

    /** A connection accepted on a forwarded host port: open it towards the guest's {@code guestPort}. */
    static TcpConnection fromHostAccept(UserNetwork net, SocketChannel client, int guestPort, int remoteIp, int remotePort) throws IOException {
        TcpConnection c = new TcpConnection(net, guestPort, remoteIp, remotePort);
        client.configureBlocking(false);
        client.setOption(StandardSocketOptions.TCP_NODELAY, true);
        c.channel = client;
        c.iss = net.newIss();
        c.sndUna = c.iss;
        c.state = State.SYN_SENT;
        c.sendSyn(false);
        return c;
    }

    private void readSynOptions(Segment s) {
        byte[] f = s.frame;
        int i = s.optionsOff, end = s.optionsOff + s.optionsLen;
        boolean ws = false;
        while (i < end) {
            int kind = f[i] & 0xff;
            if (kind == 0) break;
            if (kind == 1) {
                i++;
                continue;
            }
            if (i + 1 >= end) break;
            int l = f[i + 1] & 0xff;
            if (l < 2 || i + l > end) break;
            if (kind == 2 && l == 4) guestMss = Math.max(64, Math.min(OUR_MSS, Packets.u16(f, i + 2)));
            if (kind == 3 && l == 3) {
                ws = true;
                guestWscale = Math.min(14, f[i + 2] & 0xff);
            }
            i += l;
        }
        scaling = ws;
        if (!ws) guestWscale = 0;
    }

    private static final byte[] SYN_OPTIONS = {2, 4, (byte) (OUR_MSS >>> 8), (byte) OUR_MSS, 1, 3, 3, OUR_WSCALE};
    private static final byte[] SYN_OPTIONS_NO_SCALE = {2, 4, (byte) (OUR_MSS >>> 8), (byte) OUR_MSS};

    private void sendSyn(boolean ack) {
        byte[] options = ack && !scaling ? SYN_OPTIONS_NO_SCALE : SYN_OPTIONS;
        int window = Math.min(0xffff, BUFFER); // a SYN's window is not scaled
        lastWindowSent = window;
        net.toGuest(this, iss, ack ? rcvNxt : 0, Packets.TCP_SYN | (ack ? Packets.TCP_ACK : 0), window, options, null, 0, 0);
        armTimer();
    }

    // ---------------------------------------------------------------- host socket events

    /** The host connection (guest-initiated) completed or failed. */
    void onConnectable() {
        try {
            if (!channel.finishConnect()) return;
        } catch (IOException e) {
            net.refused++;
            net.sendReset(guestPort, remoteIp, remotePort, 0, rcvNxt, true);
            close(false);
            return;
        }
        state = State.SYN_RECEIVED;
        sendSyn(true);
    }

    /** The host socket has data (or EOF) for the guest. */
    void onReadable() {
        try {
            while (sendLen < BUFFER && !hostEof) {
                int end = (sendStart + sendLen) % BUFFER;
                int room = end >= sendStart ? BUFFER - end : sendStart - end;
                room = Math.min(room, BUFFER - sendLen);
                int n = channel.read(ByteBuffer.wrap(sendBuf, end, room));
                if (n < 0) hostEof = true;
                if (n <= 0) break;
                sendLen += n;
            }
        } catch (IOException e) {
            abort(true);
            return;
        }
        transmit();
    }

    /** The host socket can take the data the guest sent. */
    void onWritable() {
        flushToHost();
    }

    private void flushToHost() {
        try {
            while (toHostLen > 0) {
                int n = Math.min(toHostLen, BUFFER - toHostStart);
                int w = channel.write(ByteBuffer.wrap(toHost, toHostStart, n));
                if (w <= 0) break;
                toHostStart = (toHostStart + w) % BUFFER;
                toHostLen -= w;
            }
            if (toHostLen == 0 && guestFin && !hostOutputShut) {
                channel.shutdownOutput();
                hostOutputShut = true;
            }
        } catch (IOException e) {
            abort(true);
            return;
        }
        // The window we last advertised was small and has opened well: tell the guest, or it waits for a probe.
        int free = BUFFER - toHostLen;
        if (state == State.ESTABLISHED && lastWindowSent < BUFFER / 2 && free - lastWindowSent >= 2 * OUR_MSS) ackPending = true;
        maybeFinish();
    }

    /** Interest ops for the host socket now. */
    int interestOps() {
        if (state == State.CONNECTING) return SelectionKey.OP_CONNECT;
        int ops = 0;
        if ((state == State.ESTABLISHED) && !hostEof && sendLen < BUFFER) ops |= SelectionKey.OP_READ;
        if (toHostLen > 0) ops |= SelectionKey.OP_WRITE;
        return ops;
    }

    // ---------------------------------------------------------------- guest segments

    /** A segment from the guest for this connection. */
    void onSegment(Segment s) {
        if (state == State.CLOSED) return;
        if ((s.flags & Packets.TCP_RST) != 0) {
            close(true);
            return;
        }
        if (resync) {
            boolean inSync = (s.flags & Packets.TCP_SYN) == 0 && (s.flags & Packets.TCP_ACK) != 0 && s.seq == rcvNxt
                    && s.ack - sndUna >= 0 && s.ack - sndNxt() <= 0;
            if (!inSync) {
                net.resyncResets++;
                abort(true);
                return;
            }
            resync = false;
        }
        switch (state) {
            case SYN_SENT -> {
                if ((s.flags & (Packets.TCP_SYN | Packets.TCP_ACK)) != (Packets.TCP_SYN | Packets.TCP_ACK) || s.ack != iss + 1) {
                    net.sendReset(guestPort, remoteIp, remotePort, s.ack, 0, false);
                    close(false);
                    return;
                }
                irs = s.seq;
                rcvNxt = s.seq + 1;
                readSynOptions(s);
                sndUna = iss + 1;
                sndWnd = s.window;
                established();
                ackPending = true;
                return;
            }
            case CONNECTING -> {
                return; // a retransmitted SYN while the host connects: the SYN-ACK comes when it has
            }
            case SYN_RECEIVED -> {
                if ((s.flags & Packets.TCP_SYN) != 0) {
                    if (s.seq == irs) sendSyn(true); // our SYN-ACK was not seen yet
                    return;
                }
                if ((s.flags & Packets.TCP_ACK) == 0 || s.ack != iss + 1) {
                    net.sendReset(guestPort, remoteIp, remotePort, s.ack, 0, false);
                    close(false);
                    return;
                }
                sndUna = iss + 1;
                established();
                // fall through to the data and window handling below
            }
            default -> {
                if ((s.flags & Packets.TCP_SYN) != 0) {
                    // A retransmitted SYN of this connection: ignore. A new one on the same ports: the guest forgot
                    // this connection (it was reset to a checkpoint): drop ours, the caller opens a new one.
                    if (s.seq != irs) {
                        close(false);
                        net.reopen(s);
                    }
                    return;
                }
            }
        }
        if ((s.flags & Packets.TCP_ACK) == 0) return;
        int acked = s.ack - sndUna;
        int inFlight = sndNxt() - sndUna;
        if (acked > inFlight) {
            // The guest acknowledges data we never sent: its idea of the connection is not ours.
            net.resyncResets++;
            abort(true);
            return;
        }
        if (acked > 0) {
            int dataAcked = Math.min(acked, sent);
            sendStart = (sendStart + dataAcked) % BUFFER;
            sendLen -= dataAcked;
            sent -= dataAcked;
            sndUna += acked;
            if (acked > dataAcked) finAcked = true;
            retries = 0;
            rto = INITIAL_RTO_NANOS;
            rtoDeadline = 0;
            if (sndNxt() != sndUna) armTimer();
        }
        if (acked >= 0) sndWnd = s.window << guestWscale;
        acceptData(s);
        transmit();
        flushToHost();
        maybeFinish();
    }

    private void established() {
        state = State.ESTABLISHED;
        rtoDeadline = 0;
        retries = 0;
        rto = INITIAL_RTO_NANOS;
    }

    private void acceptData(Segment s) {
        boolean fin = (s.flags & Packets.TCP_FIN) != 0;
        if (s.payloadLen == 0 && !fin) {
            // A pure ACK is not answered, but a zero-window probe (an old sequence number) gets our ACK and window.
            if (s.seq != rcvNxt) ackPending = true;
            return;
        }
        int off = rcvNxt - s.seq;
        if (off < 0) {
            ackPending = true; // a gap: impossible on this link unless the guest was rolled back; ask again
            return;
        }
        int take = 0;
        if (off < s.payloadLen && !guestFin) {
            take = Math.min(s.payloadLen - off, BUFFER - toHostLen);
            int pos = (toHostStart + toHostLen) % BUFFER;
            int first = Math.min(take, BUFFER - pos);
            System.arraycopy(s.frame, s.payloadOff + off, toHost, pos, first);
            if (first < take) System.arraycopy(s.frame, s.payloadOff + off + first, toHost, 0, take - first);
            toHostLen += take;
            rcvNxt += take;
            net.bytesFromGuest += take;
        }
        if (fin && !guestFin && off + take == s.payloadLen) {
            rcvNxt++;
            guestFin = true;
        }
        ackPending = true;
    }

    /** Sends what the window allows, then our FIN once the host closed and everything is sent. */
    void transmit() {
        if (state != State.ESTABLISHED) return;
        boolean any = false;
        while (true) {
            int unsent = sendLen - sent;
            int windowLeft = sndWnd - sent;
            if (unsent <= 0 || windowLeft <= 0) break;
            int n = Math.min(Math.min(unsent, windowLeft), guestMss);
            int flags = Packets.TCP_ACK | (n == unsent ? Packets.TCP_PSH : 0);
            net.toGuest(this, sndUna + sent, rcvNxt, flags, window(), null, sendBuf, (sendStart + sent) % BUFFER, n);
            sent += n;
            net.bytesToGuest += n;
            any = true;
        }
        if (hostEof && !finSent && sent == sendLen) {
            finSent = true;
            net.toGuest(this, sndUna + sent, rcvNxt, Packets.TCP_FIN | Packets.TCP_ACK, window(), null, null, 0, 0);
            any = true;
        }
        if (any) {
            ackPending = false;
            if (rtoDeadline == 0) armTimer();
        }
    }

    /** Sends a pure ACK if one is owed (once per batch of guest frames). */
    void flushAck() {
        if (!ackPending || state == State.CLOSED) return;
        ackPending = false;
        net.toGuest(this, sndNxt(), rcvNxt, Packets.TCP_ACK, window(), null, null, 0, 0);
    }

    /** The window field we send: free buffer space, scaled. */
    private int window() {
        int free = BUFFER - toHostLen;
        int w = scaling ? free >> OUR_WSCALE : Math.min(free, 0xffff);
        lastWindowSent = scaling ? w << OUR_WSCALE : w;
        return w;
    }

    private void maybeFinish() {
        if (state == State.ESTABLISHED && guestFin && hostOutputShut && finAcked) {
            flushAck(); // the guest's FIN is acknowledged before the connection is forgotten
            close(false);
        }
    }

    // ---------------------------------------------------------------- timers, rollback, closing

    private void armTimer() {
        rtoDeadline = System.nanoTime() + rto;
    }

    long timerDeadline() {
        return rtoDeadline;
    }

    /** The retransmission timer fired. */
    void onTimer(long now) {
        if (rtoDeadline == 0 || now < rtoDeadline) return;
        if (net.framesQueuedForGuest() > 0) {
            // The guest has not taken what we sent yet (it is busy or paused): nothing is lost so far.
            armTimer();
            return;
        }
        if (++retries > MAX_RETRIES) {
            abort(true);
            return;
        }
        rto = Math.min(MAX_RTO_NANOS, rto * 2);
        net.retransmits++;
        switch (state) {
            case SYN_SENT -> sendSyn(false);
            case SYN_RECEIVED -> sendSyn(true);
            case ESTABLISHED -> {
                if (sndNxt() == sndUna) {
                    rtoDeadline = 0;
                    return;
                }
                sent = 0;
                finSent = false;
                rtoDeadline = 0;
                transmit();
            }
            default -> rtoDeadline = 0;
        }
    }

    /**
     * The guest was reset to a checkpoint in which this connection existed: send again what it has not
     * acknowledged, and check its next segment against our sequence numbers.
     */
    void rolledBack() {
        resync = true;
        if (state == State.ESTABLISHED) {
            sent = 0;
            if (!finAcked) finSent = false;
            rtoDeadline = 0;
            ackPending = false;
        }
    }

    /** Ends the connection with RST both ways: to the guest (if {@code tellGuest}) and to the host peer. */
    void abort(boolean tellGuest) {
        if (state == State.CLOSED) return;
        if (tellGuest) net.sendReset(guestPort, remoteIp, remotePort, state == State.CONNECTING ? 0 : sndNxt(), rcvNxt, true);
        try {
            if (channel.isOpen() && state != State.CONNECTING) channel.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            // closing below still releases the socket
        }
        close(false);
    }

    /** Closes the host socket and forgets the connection. */
    void close(boolean peerReset) {
        if (state == State.CLOSED) return;
        if (peerReset) {
            try {
                channel.setOption(StandardSocketOptions.SO_LINGER, 0); // the guest reset it: so do we, to the host peer
            } catch (IOException | RuntimeException e) {
                // closing below still releases the socket
            }
        }
        state = State.CLOSED;
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to release
        }
        net.removed(this);
    }

    /** For the device record: the connection as the guest sees it. */
    void writeView(java.io.DataOutputStream out) throws IOException {
        out.writeShort(guestPort);
        out.writeInt(remoteIp);
        out.writeShort(remotePort);
        out.writeInt(sndUna);
        out.writeInt(sndNxt());
        out.writeInt(rcvNxt);
    }

    boolean visibleToGuest() {
        return state == State.ESTABLISHED || state == State.SYN_RECEIVED;
    }

    @Override
    public String toString() {
        return "tcp " + Packets.ip(UserNetwork.GUEST) + ":" + guestPort + " <-> " + Packets.ip(remoteIp) + ":" + remotePort + " " + state;
    }
}
