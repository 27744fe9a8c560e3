package org.vmckpt.machine.net;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.BindException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * User-mode networking in Java, with QEMU's addresses (its {@code -nic user}): the guest is 10.0.2.15/24
 * (by DHCP), 10.0.2.2 is the gateway and stands for the host's loopback, 10.0.2.3 answers DNS by relaying
 * to the host's resolver (the first IPv4 nameserver of /etc/resolv.conf). No root is needed: guest TCP
 * connections are terminated here ({@link TcpConnection}) and relayed through host sockets, guest UDP goes
 * through a host datagram socket per guest port ({@link UdpRelay}), and {@code hostfwd} listeners bring
 * host connections in. ARP and DHCP are answered here; ICMP echo to the gateway and DNS addresses too.
 *
 * <p>One thread ("vmckpt-net") owns all of it: frames from the guest are queued to it, frames for the
 * guest are queued to the device. Malformed frames are dropped and counted; nothing the guest sends can
 * raise an exception out of this class.
 *
 * <p>The forwards' listeners follow the guest when it migrates: a migration's destination opens the network
 * without them and binds them once the guest runs there ({@link #bindForwards}, retrying while the source,
 * possibly on the same host, still holds the ports); the source closes them, and every connection it relays,
 * once the guest has left ({@link #closeForwards}).
 */
public final class UserNetwork implements NetBackend {
    public static final int NETWORK = Packets.ip(10, 0, 2, 0);
    public static final int NETMASK = Packets.ip(255, 255, 255, 0);
    public static final int GATEWAY = Packets.ip(10, 0, 2, 2);
    public static final int DNS = Packets.ip(10, 0, 2, 3);
    public static final int GUEST = Packets.ip(10, 0, 2, 15);
    public static final String GUEST_ADDRESS_TEXT = "10.0.2.15";
    /** The MAC the gateway answers with (QEMU's: 52:55 then the gateway's address). */
    static final byte[] OUR_MAC = {0x52, 0x55, 10, 0, 2, 2};
    private static final byte[] BROADCAST_MAC = {-1, -1, -1, -1, -1, -1};
    private static final int BROADCAST = -1;
    private static final int VIEW_VERSION = 1;
    private static final System.Logger LOG = System.getLogger(UserNetwork.class.getName());

    private final Selector selector;
    /** The forwards asked for, in order. */
    private final List<HostForward> forwardSpecs;
    /** Per forward, its open listener, or null while it does not listen. Guarded by {@link #lock}. */
    private final Forward[] listeners;
    /** Work for the network thread from other threads (registering a listener, closing the forwards). */
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final InetAddress resolver;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final ConcurrentLinkedQueue<byte[]> fromGuest = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<byte[]> forGuest = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queuedForGuest = new AtomicInteger();
    private final Map<Long, TcpConnection> tcp = new HashMap<>();
    private final Map<Integer, UdpRelay> udp = new HashMap<>();
    private final Segment segment = new Segment();
    private final java.util.Random isn = new java.security.SecureRandom();
    private volatile boolean closed;
    private byte[] guestMac = {0x52, 0x54, 0, 0x12, 0x34, 0x56};
    private Runnable framesWaiting = () -> { };
    private int nextForwardPort = 40000;

    // Counters (written by the network thread; read by anyone, approximately).
    volatile long framesFromGuest, framesToGuest, malformed, ignored, bytesFromGuest, bytesToGuest;
    volatile long tcpOpened, refused, resetsToGuest, retransmits, resyncResets, dnsUnavailable;

    /** A hostfwd listener. */
    private record Forward(HostForward spec, ServerSocketChannel channel, int boundPort) { }

    private UserNetwork(Selector selector, List<HostForward> forwardSpecs, InetAddress resolver) {
        this.selector = selector;
        this.forwardSpecs = List.copyOf(forwardSpecs);
        this.listeners = new Forward[forwardSpecs.size()];
        this.resolver = resolver;
        this.thread = new Thread(this::loop, "vmckpt-net");
        thread.setDaemon(true);
    }

    /**
     * Opens the listeners of {@code forwards} (a port in use fails here, naming it) and starts the network
     * thread.
     */
    public static UserNetwork open(List<HostForward> forwards) throws IOException {
        return open(forwards, true);
    }

    /**
     * Starts the network thread; opens the listeners of {@code forwards} now if {@code listen} (a port in use fails
     * here, naming it), else leaves them to {@link #bindForwards} (a migration's destination, whose guest has not
     * arrived yet while the source may still hold the same ports).
     */
    public static UserNetwork open(List<HostForward> forwards, boolean listen) throws IOException {
        Selector selector = Selector.open();
        List<Forward> open = new ArrayList<>();
        try {
            if (listen) {
                for (HostForward f : forwards) {
                    ServerSocketChannel ch = bind(f);
                    open.add(new Forward(f, ch, ((InetSocketAddress) ch.getLocalAddress()).getPort()));
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Forward f : open) f.channel().close();
            selector.close();
            throw e;
        }
        UserNetwork n = new UserNetwork(selector, forwards, readResolver(Path.of("/etc/resolv.conf")));
        for (int i = 0; i < open.size(); i++) {
            n.listeners[i] = open.get(i);
            open.get(i).channel().register(selector, SelectionKey.OP_ACCEPT, open.get(i));
        }
        n.thread.start();
        return n;
    }

    /** A non-blocking listener bound to the forward's host address and port; a port in use fails with a message naming it. */
    private static ServerSocketChannel bind(HostForward f) throws IOException {
        ServerSocketChannel ch = ServerSocketChannel.open();
        InetSocketAddress at = f.hostAddress().isEmpty() ? new InetSocketAddress(f.hostPort()) : new InetSocketAddress(f.hostAddress(), f.hostPort());
        try {
            // Connections the previous holder of the port reset linger in TIME_WAIT: they must not keep the forward out.
            ch.setOption(java.net.StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(at);
            ch.configureBlocking(false);
            return ch;
        } catch (BindException e) {
            ch.close();
            throw new PortInUseException("hostfwd=" + f + ": cannot listen on " + (f.hostAddress().isEmpty() ? "*" : f.hostAddress()) + ":" + f.hostPort()
                    + " (" + (e.getMessage() == null ? "in use" : e.getMessage().toLowerCase(java.util.Locale.ROOT))
                    + "); choose another host port or stop the program that holds it");
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** A forward's host port is taken (by another program, or by a migration's source not yet done with it). */
    private static final class PortInUseException extends IOException {
        PortInUseException(String message) {
            super(message);
        }
    }

    /** How long {@link #bindForwards} waits between attempts on a port still in use. */
    private static final long BIND_RETRY_MILLIS = 5;

    /**
     * Opens the listeners of the forwards that do not listen (all of them after {@code open(forwards, false)} or
     * {@link #closeForwards}). A port in use is tried again every few milliseconds for up to {@code patienceMillis}
     * (0: once): on the same host a migration's source holds the ports until it has sent GO, and closes them right
     * after. Throws, naming the port, if one stays in use; the forwards bound before it stay open.
     */
    public void bindForwards(long patienceMillis) throws IOException {
        long deadline = System.nanoTime() + patienceMillis * 1_000_000L;
        for (int i = 0; i < forwardSpecs.size(); i++) {
            if (closed) throw new IOException("the network is closed");
            if (listening(i)) continue;
            ServerSocketChannel bound;
            while (true) {
                try {
                    bound = bind(forwardSpecs.get(i));
                    break;
                } catch (PortInUseException e) {
                    if (System.nanoTime() - deadline >= 0) throw e;
                    try {
                        Thread.sleep(BIND_RETRY_MILLIS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new java.io.InterruptedIOException("interrupted while waiting for " + forwardSpecs.get(i) + "'s port");
                    }
                }
            }
            ServerSocketChannel ch = bound;
            Forward fw = new Forward(forwardSpecs.get(i), ch, ((InetSocketAddress) ch.getLocalAddress()).getPort());
            int index = i;
            lock.lock();
            try {
                if (closed) { // the network's shutdown closes what is in listeners: not this one, set too late
                    ch.close();
                    throw new IOException("the network is closed");
                }
                listeners[index] = fw;
            } finally {
                lock.unlock();
            }
            // Registered by the network thread (connections that come first wait in the listen backlog).
            tasks.add(() -> {
                try {
                    if (listeners[index] == fw && !closed) ch.register(selector, SelectionKey.OP_ACCEPT, fw);
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "user-mode network: cannot watch " + fw.spec() + ": " + e);
                }
            });
            selector.wakeup();
        }
    }

    /**
     * Closes every forward's listener and ends every connection this network relays (an RST to the host peer and
     * to the guest), and returns once the ports are free. The guest has left this process (a migration's source
     * after GO): its connections cannot follow it (they are host sockets of this process; the destination resets
     * them in the guest), and the destination takes the ports over. {@link #bindForwards} opens them again.
     */
    public void closeForwards() {
        if (closed) return;
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        tasks.add(() -> {
            closeListenersAndConnections(true);
            try {
                selector.selectNow(); // a registered channel's socket is released when its key is deregistered
            } catch (IOException e) {
                // the loop's next select deregisters them
            }
            done.countDown();
        });
        selector.wakeup();
        try {
            if (!done.await(2, java.util.concurrent.TimeUnit.SECONDS)) LOG.log(System.Logger.Level.WARNING, "user-mode network: closing the forwards took over 2 s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean listening(int index) {
        lock.lock();
        try {
            return listeners[index] != null;
        } finally {
            lock.unlock();
        }
    }

    /** The first IPv4 nameserver in a resolv.conf, or null. */
    static InetAddress readResolver(Path file) {
        try {
            for (String line : Files.readAllLines(file)) {
                String[] w = line.trim().split("\\s+");
                if (w.length >= 2 && w[0].equals("nameserver") && NetSpec.isIpv4(w[1])) return InetAddress.getByName(w[1]);
            }
        } catch (IOException | RuntimeException e) {
            // no resolver: DNS queries are dropped and counted
        }
        return null;
    }

    /** The host port forward {@code index} listens on (the one chosen when the forward asked for port 0), or 0 while it does not listen. */
    public int boundPort(int index) {
        lock.lock();
        try {
            return listeners[index] == null ? 0 : listeners[index].boundPort();
        } finally {
            lock.unlock();
        }
    }

    // ================================================================== NetBackend (run thread)

    @Override
    public void attach(byte[] mac, Runnable waiting) {
        this.guestMac = mac.clone();
        this.framesWaiting = waiting;
    }

    @Override
    public void sendFromGuest(byte[] frame, int length) {
        if (closed) return;
        fromGuest.add(java.util.Arrays.copyOf(frame, length));
        selector.wakeup();
    }

    @Override
    public byte[] peekForGuest() {
        return forGuest.peek();
    }

    @Override
    public void takeForGuest() {
        if (forGuest.poll() != null) queuedForGuest.decrementAndGet();
    }

    int framesQueuedForGuest() {
        return queuedForGuest.get();
    }

    @Override
    public byte[] saveGuestView() {
        lock.lock();
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeInt(VIEW_VERSION);
            List<TcpConnection> visible = tcp.values().stream().filter(TcpConnection::visibleToGuest).toList();
            out.writeInt(visible.size());
            for (TcpConnection c : visible) c.writeView(out);
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e); // a ByteArrayOutputStream does not fail
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void loadGuestView(byte[] view) {
        lock.lock();
        try {
            while (forGuest.poll() != null) queuedForGuest.decrementAndGet();
            Set<Long> known = new HashSet<>();
            try {
                DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(view));
                if (view.length > 0 && in.readInt() == VIEW_VERSION) {
                    int n = in.readInt();
                    for (int i = 0; i < n; i++) {
                        int guestPort = in.readUnsignedShort(), remoteIp = in.readInt(), remotePort = in.readUnsignedShort();
                        int sndUna = in.readInt(), sndNxt = in.readInt(), rcvNxt = in.readInt();
                        long key = TcpConnection.key(guestPort, remoteIp, remotePort);
                        known.add(key);
                        TcpConnection live = tcp.get(key);
                        if (live != null && live.visibleToGuest()) {
                            live.rolledBack();
                        } else {
                            // This process has no such connection (a restore in a new process): reset it in the guest.
                            // The RST at the sequence number the guest expects ends it; the old-sequence ACK makes the
                            // guest answer with its exact numbers if it expected another, and that answer gets an RST.
                            sendReset(guestPort, remoteIp, remotePort, sndNxt, rcvNxt, true);
                            toGuestTcp(guestPort, remoteIp, remotePort, sndUna - 1, rcvNxt, Packets.TCP_ACK, 0, null, null, 0, 0);
                        }
                    }
                }
            } catch (IOException e) {
                malformed++; // an unreadable view: nothing to reset
            }
            // Connections opened after the checkpoint do not exist in the guest any more.
            for (TcpConnection c : new ArrayList<>(tcp.values())) {
                if (!known.contains(c.key)) c.abort(false);
            }
        } finally {
            lock.unlock();
        }
        selector.wakeup();
        framesWaiting.run();
    }

    /** It terminates TCP itself, so a segment's size is only a matter of buffer space. */
    @Override
    public boolean takesLargeTcpFrames() {
        return true;
    }

    @Override
    public String kind() {
        return "user";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("guest-address", GUEST_ADDRESS_TEXT);
        m.put("gateway", Packets.ip(GATEWAY));
        m.put("dns", Packets.ip(DNS));
        m.put("dns-relay", resolver == null ? "none" : resolver.getHostAddress());
        List<Object> fw = new ArrayList<>();
        for (int i = 0; i < forwardSpecs.size(); i++) {
            HostForward f = forwardSpecs.get(i);
            int port = boundPort(i);
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("host-address", f.hostAddress().isEmpty() ? "0.0.0.0" : f.hostAddress());
            e.put("host-port", port != 0 ? port : f.hostPort());
            e.put("guest-port", f.guestPort());
            e.put("listening", port != 0);
            fw.add(e);
        }
        m.put("hostfwd", fw);
        m.put("tcp-connections", tcpCount());
        m.put("tcp-opened", tcpOpened);
        m.put("frames-from-guest", framesFromGuest);
        m.put("frames-to-guest", framesToGuest);
        m.put("bytes-from-guest", bytesFromGuest);
        m.put("bytes-to-guest", bytesToGuest);
        m.put("dropped-malformed", malformed);
        m.put("ignored", ignored);
        m.put("resets-to-guest", resetsToGuest);
        m.put("retransmits", retransmits);
        return m;
    }

    private int tcpCount() {
        lock.lock();
        try {
            return tcp.size();
        } finally {
            lock.unlock();
        }
    }

    public long malformedFrames() { return malformed; }
    public long tcpConnectionsOpened() { return tcpOpened; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        selector.wakeup();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ================================================================== the network thread

    private void loop() {
        try {
            while (!closed) {
                long wait = nextTimerMillis();
                selector.select(wait);
                if (closed) break;
                lock.lock();
                try {
                    Runnable task;
                    while ((task = tasks.poll()) != null) task.run();
                    step();
                } catch (RuntimeException e) {
                    // A bug of ours: log it and keep the network (the guest's TCP recovers or resets).
                    LOG.log(System.Logger.Level.ERROR, "user-mode network: internal error", e);
                } finally {
                    lock.unlock();
                }
                if (!forGuest.isEmpty()) framesWaiting.run();
            }
        } catch (IOException | java.nio.channels.ClosedSelectorException e) {
            LOG.log(System.Logger.Level.ERROR, "user-mode network stopped: " + e);
        } finally {
            shutdown();
        }
    }

    private void shutdown() {
        lock.lock();
        try {
            closeListenersAndConnections(false);
            Runnable task;
            while ((task = tasks.poll()) != null) task.run(); // a waiting closeForwards returns; late listeners are dropped
            try {
                selector.close();
            } catch (IOException e) {
                // nothing left to release
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes every forward's listener and ends every relayed connection and UDP relay (network thread, under the
     * lock); {@code tellGuest}: also send the guest a reset for each TCP connection (a source resumed after a failed
     * migration then knows them gone), not when the whole network shuts down.
     */
    private void closeListenersAndConnections(boolean tellGuest) {
        for (int i = 0; i < listeners.length; i++) {
            if (listeners[i] == null) continue;
            try {
                listeners[i].channel().close();
            } catch (IOException e) {
                // nothing left to release
            }
            listeners[i] = null;
        }
        for (TcpConnection c : new ArrayList<>(tcp.values())) c.abort(tellGuest);
        for (UdpRelay u : udp.values()) u.close();
        udp.clear();
    }

    /** One round: guest frames, host socket events, timers, owed ACKs, interest updates. */
    private void step() {
        byte[] f;
        while ((f = fromGuest.poll()) != null) handleFrame(f, f.length);
        for (SelectionKey k : selector.selectedKeys()) {
            if (!k.isValid()) continue;
            Object a = k.attachment();
            if (a instanceof TcpConnection c) {
                if (k.isConnectable()) c.onConnectable();
                else {
                    if (k.isValid() && k.isWritable()) c.onWritable();
                    if (k.isValid() && k.isReadable()) c.onReadable();
                }
            } else if (a instanceof UdpRelay u) {
                u.onReadable(this);
            } else if (a instanceof Forward fw) {
                accept(fw);
            }
        }
        selector.selectedKeys().clear();
        long now = System.nanoTime();
        for (TcpConnection c : new ArrayList<>(tcp.values())) c.onTimer(now);
        udp.values().removeIf(u -> {
            if (now - u.lastUsed < UdpRelay.IDLE_NANOS) return false;
            u.close();
            return true;
        });
        for (TcpConnection c : new ArrayList<>(tcp.values())) {
            c.flushAck();
            updateInterest(c);
        }
    }

    private long nextTimerMillis() {
        long now = System.nanoTime(), next = now + 1_000_000_000L;
        lock.lock();
        try {
            for (TcpConnection c : tcp.values()) {
                long d = c.timerDeadline();
                if (d != 0 && d < next) next = d;
            }
        } finally {
            lock.unlock();
        }
        return Math.max(1, (next - now) / 1_000_000L);
    }

    private void updateInterest(TcpConnection c) {
        if (c.state == TcpConnection.State.CLOSED) return;
        int ops = c.interestOps();
        try {
            if (c.selectionKey == null) c.selectionKey = c.channel.register(selector, ops, c);
            else if (c.selectionKey.isValid() && c.selectionKey.interestOps() != ops) c.selectionKey.interestOps(ops);
        } catch (ClosedChannelException | java.nio.channels.CancelledKeyException e) {
            c.abort(true);
        }
    }

    private void accept(Forward fw) {
        while (true) {
            SocketChannel client;
            try {
                client = fw.channel().accept();
            } catch (IOException e) {
                return;
            }
            if (client == null) return;
            int port = ((InetSocketAddress) socketAddress(client)).getPort();
            // The guest sees the connection come from the gateway, from the client's port if that is free.
            while (port == 0 || tcp.containsKey(TcpConnection.key(fw.spec().guestPort(), GATEWAY, port))) {
                port = nextForwardPort;
                nextForwardPort = nextForwardPort >= 60000 ? 40000 : nextForwardPort + 1;
            }
            try {
                TcpConnection c = TcpConnection.fromHostAccept(this, client, fw.spec().guestPort(), GATEWAY, port);
                tcp.put(c.key, c);
                tcpOpened++;
                updateInterest(c);
            } catch (IOException e) {
                try {
                    client.close();
                } catch (IOException ignored) {
                    // nothing left to release
                }
            }
        }
    }

    private static java.net.SocketAddress socketAddress(SocketChannel c) {
        try {
            java.net.SocketAddress a = c.getRemoteAddress();
            return a != null ? a : new InetSocketAddress(0);
        } catch (IOException e) {
            return new InetSocketAddress(0);
        }
    }

    // ================================================================== frames from the guest

    /** Handles one Ethernet frame from the guest; drops (and counts) what is malformed. Never throws. */
    void handleFrame(byte[] f, int len) {
        framesFromGuest++;
        if (len < Packets.ETH_HEADER) {
            malformed++;
            return;
        }
        int type = Packets.u16(f, 12);
        if (type == Packets.ETHERTYPE_ARP) {
            byte[] r = Arp.answer(f, len, OUR_MAC, ip -> ip == GATEWAY || ip == DNS);
            if (r == Arp.MALFORMED) malformed++;
            else if (r != null) enqueue(r);
        } else if (type == Packets.ETHERTYPE_IPV4) {
            handleIpv4(f, len);
        } else {
            ignored++; // IPv6 and everything else: not served here
        }
    }

    private void handleIpv4(byte[] f, int len) {
        int o = Packets.ETH_HEADER;
        if (len < o + Packets.IP_HEADER || (f[o] & 0xf0) != 0x40) {
            malformed++;
            return;
        }
        int ihl = (f[o] & 0x0f) * 4;
        int total = Packets.u16(f, o + 2);
        if (ihl < Packets.IP_HEADER || total < ihl || o + total > len || Checksum.finish(Checksum.add(0, f, o, ihl)) != 0) {
            malformed++;
            return;
        }
        if ((Packets.u16(f, o + 6) & 0x3fff) != 0) {
            ignored++; // fragments: the guest's path MTU is 1500 and it sets DF, so none are expected
            return;
        }
        int protocol = f[o + 9] & 0xff;
        int src = Packets.u32(f, o + 12), dst = Packets.u32(f, o + 16);
        int l4 = o + ihl, l4len = total - ihl;
        switch (protocol) {
            case Packets.PROTO_UDP -> handleUdp(f, l4, l4len, src, dst);
            case Packets.PROTO_TCP -> handleTcp(f, l4, l4len, src, dst);
            case Packets.PROTO_ICMP -> handleIcmp(f, l4, l4len, src, dst);
            default -> ignored++;
        }
    }

    private void handleUdp(byte[] f, int l4, int len, int src, int dst) {
        if (len < Packets.UDP_HEADER) {
            malformed++;
            return;
        }
        int udpLen = Packets.u16(f, l4 + 4);
        if (udpLen < Packets.UDP_HEADER || udpLen > len || !Packets.l4ChecksumOk(f, l4, udpLen, src, dst, Packets.PROTO_UDP)) {
            malformed++;
            return;
        }
        int sport = Packets.u16(f, l4), dport = Packets.u16(f, l4 + 2);
        int data = l4 + Packets.UDP_HEADER, dataLen = udpLen - Packets.UDP_HEADER;
        if (dport == DhcpServer.SERVER_PORT && (dst == BROADCAST || dst == GATEWAY)) {
            byte[] r = DhcpServer.answer(f, data, dataLen, GUEST, GATEWAY, DNS, NETMASK);
            if (r == null) {
                ignored++;
                return;
            }
            enqueue(Packets.udp(BROADCAST_MAC, OUR_MAC, GATEWAY, DhcpServer.SERVER_PORT, BROADCAST, DhcpServer.CLIENT_PORT, r, 0, r.length));
            return;
        }
        if (src != GUEST || sport == 0) {
            ignored++;
            return;
        }
        InetSocketAddress host;
        if (dst == DNS) {
            if (dport != 53 || resolver == null) {
                dnsUnavailable++;
                return;
            }
            host = new InetSocketAddress(resolver, 53);
        } else {
            InetAddress a = hostAddress(dst);
            if (a == null || dport == 0) {
                ignored++;
                return;
            }
            host = new InetSocketAddress(a, dport);
        }
        try {
            UdpRelay relay = udp.get(sport);
            if (relay == null) {
                relay = new UdpRelay(sport);
                relay.selectionKey = relay.channel.register(selector, SelectionKey.OP_READ, relay);
                udp.put(sport, relay);
            }
            relay.send(host, dst, dport, f, data, dataLen);
        } catch (IOException e) {
            ignored++; // unreachable destination or no socket: UDP may lose datagrams
        }
    }

    /** Where the guest's destination {@code dst} is on the host, or null if it is not reachable. */
    private static InetAddress hostAddress(int dst) {
        if (dst == GATEWAY) return InetAddress.getLoopbackAddress();
        if ((dst & NETMASK) == NETWORK || dst == 0 || dst == BROADCAST || (dst >>> 28) == 0xe || (dst >>> 24) == 127) return null;
        try {
            return Inet4Address.getByAddress(new byte[] {(byte) (dst >>> 24), (byte) (dst >>> 16), (byte) (dst >>> 8), (byte) dst});
        } catch (java.net.UnknownHostException e) {
            return null;
        }
    }

    private void handleTcp(byte[] f, int l4, int len, int src, int dst) {
        Segment s = segment;
        if (!s.parse(f, l4, len, src, dst) || !Packets.l4ChecksumOk(f, l4, len, src, dst, Packets.PROTO_TCP)) {
            malformed++;
            return;
        }
        if (src != GUEST) {
            ignored++;
            return;
        }
        TcpConnection c = tcp.get(TcpConnection.key(s.srcPort, dst, s.dstPort));
        if (c != null) {
            c.onSegment(s);
            return;
        }
        if ((s.flags & Packets.TCP_RST) != 0) return;
        if ((s.flags & (Packets.TCP_SYN | Packets.TCP_ACK)) == Packets.TCP_SYN) {
            reopen(s);
            return;
        }
        // A segment for a connection we do not have (one of an earlier process, or closed): reset it.
        int seqLen = s.payloadLen + ((s.flags & Packets.TCP_SYN) != 0 ? 1 : 0) + ((s.flags & Packets.TCP_FIN) != 0 ? 1 : 0);
        if ((s.flags & Packets.TCP_ACK) != 0) sendReset(s.srcPort, dst, s.dstPort, s.ack, 0, false);
        else sendReset(s.srcPort, dst, s.dstPort, 0, s.seq + seqLen, true);
    }

    /** Opens a connection for the guest's SYN {@code s} (or resets it if its destination is unreachable). */
    void reopen(Segment s) {
        InetAddress host = s.dstIp == DNS ? null : hostAddress(s.dstIp);
        if (host == null) {
            refused++;
            sendReset(s.srcPort, s.dstIp, s.dstPort, 0, s.seq + 1, true);
            return;
        }
        try {
            TcpConnection c = TcpConnection.fromGuestSyn(this, s, new InetSocketAddress(host, s.dstPort));
            tcp.put(c.key, c);
            tcpOpened++;
            updateInterest(c);
        } catch (IOException e) {
            refused++;
            sendReset(s.srcPort, s.dstIp, s.dstPort, 0, s.seq + 1, true);
        }
    }

    private void handleIcmp(byte[] f, int l4, int len, int src, int dst) {
        if (len < 8 || Checksum.finish(Checksum.add(0, f, l4, len)) != 0) {
            malformed++;
            return;
        }
        if ((f[l4] & 0xff) != 8 || (dst != GATEWAY && dst != DNS)) {
            ignored++; // only echo requests to our own addresses are answered
            return;
        }
        byte[] r = new byte[Packets.ETH_HEADER + Packets.IP_HEADER + len];
        Packets.ethernet(r, guestMac, OUR_MAC, Packets.ETHERTYPE_IPV4);
        Packets.ipv4(r, Packets.PROTO_ICMP, dst, src, len);
        int i = Packets.ETH_HEADER + Packets.IP_HEADER;
        System.arraycopy(f, l4, r, i, len);
        r[i] = 0; // echo reply
        Packets.put16(r, i + 2, 0);
        Packets.put16(r, i + 2, Checksum.finish(Checksum.add(0, r, i, len)));
        enqueue(r);
    }

    // ================================================================== frames to the guest

    private void enqueue(byte[] frame) {
        forGuest.add(frame);
        queuedForGuest.incrementAndGet();
        framesToGuest++;
    }

    /** A TCP segment of connection {@code c} to the guest. */
    void toGuest(TcpConnection c, int seq, int ack, int flags, int window, byte[] options, byte[] data, int off, int len) {
        toGuestTcp(c.guestPort, c.remoteIp, c.remotePort, seq, ack, flags, window, options, data, off, len);
    }

    private void toGuestTcp(int guestPort, int remoteIp, int remotePort, int seq, int ack, int flags, int window, byte[] options,
                            byte[] data, int off, int len) {
        enqueue(Packets.tcp(guestMac, OUR_MAC, remoteIp, remotePort, GUEST, guestPort, seq, ack, flags, window, options, data, off, len));
    }

    /** An RST to the guest's {@code guestPort} from {@code remoteIp:remotePort}. */
    void sendReset(int guestPort, int remoteIp, int remotePort, int seq, int ack, boolean withAck) {
        resetsToGuest++;
        toGuestTcp(guestPort, remoteIp, remotePort, seq, withAck ? ack : 0, Packets.TCP_RST | (withAck ? Packets.TCP_ACK : 0), 0, null, null, 0, 0);
    }

    void udpToGuest(int srcIp, int srcPort, int guestPort, byte[] data, int off, int len) {
        if (len > Packets.MAX_FRAME - Packets.ETH_HEADER - Packets.IP_HEADER - Packets.UDP_HEADER) {
            ignored++; // would need IP fragmentation
            return;
        }
        enqueue(Packets.udp(guestMac, OUR_MAC, srcIp, srcPort, GUEST, guestPort, data, off, len));
    }

    void removed(TcpConnection c) {
        tcp.remove(c.key, c);
        if (c.selectionKey != null) c.selectionKey.cancel();
    }

    int newIss() {
        return isn.nextInt();
    }
}
