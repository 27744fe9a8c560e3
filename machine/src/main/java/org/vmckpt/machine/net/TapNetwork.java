package org.vmckpt.machine.net;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A host TAP device as the network (Firecracker's only mode, QEMU's {@code -nic tap}): every guest frame is
 * written to the device and every frame the host sends to it goes to the guest. The device must exist
 * (created by an administrator: {@code ip tuntap add NAME mode tap user USER}); the host decides what it
 * is connected to. libc is reached through JNA (open, ioctl TUNSETIFF, poll, read, write, close).
 *
 * <p>The guest's connections live in the guest and its peers, so a checkpoint holds nothing of this backend;
 * a restore attaches to the same device name again.
 */
public final class TapNetwork implements NetBackend {
    interface LibC extends Library {
        int open(String path, int flags);
        int ioctl(int fd, NativeLong request, byte[] arg);
        int poll(byte[] fds, int nfds, int timeoutMillis);
        NativeLong read(int fd, byte[] buf, NativeLong count);
        NativeLong write(int fd, byte[] buf, NativeLong count);
        int close(int fd);
        String strerror(int errnum);
    }

    private static final int O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP = 0x0002, IFF_NO_PI = 0x1000;
    private static final int POLLIN = 1;
    private static final int MAX_QUEUED = 1024;

    private final LibC libc;
    private final int fd;
    private final String ifname;
    private final Thread reader;
    private final ConcurrentLinkedQueue<byte[]> forGuest = new ConcurrentLinkedQueue<>();
    private final java.util.concurrent.atomic.AtomicInteger queued = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean closed;
    private volatile Runnable framesWaiting = () -> { };
    private volatile long framesFromGuest, framesToGuest, dropped;

    private TapNetwork(LibC libc, int fd, String ifname) {
        this.libc = libc;
        this.fd = fd;
        this.ifname = ifname;
        this.reader = new Thread(this::readLoop, "vmckpt-tap-" + ifname);
        reader.setDaemon(true);
    }

    /** Attaches to the existing TAP device {@code ifname}; the message says what to do when that fails. */
    public static TapNetwork open(String ifname) throws IOException {
        Path sys = Path.of("/sys/class/net", ifname);
        if (!Files.exists(sys)) {
            throw new IOException("there is no network device '" + ifname + "' on this host; create the TAP device first: "
                    + "ip tuntap add " + ifname + " mode tap user $(id -un) && ip link set " + ifname + " up");
        }
        if (!Files.exists(sys.resolve("tun_flags"))) throw new IOException("network device '" + ifname + "' is not a TAP device");
        LibC libc;
        try {
            libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("cannot reach the C library to open a TAP device: " + e.getMessage());
        }
        int fd = libc.open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) throw new IOException("cannot open /dev/net/tun: " + libc.strerror(Native.getLastError()));
        byte[] ifreq = new byte[40];
        byte[] name = ifname.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        System.arraycopy(name, 0, ifreq, 0, name.length);
        short flags = (short) (IFF_TAP | IFF_NO_PI);
        ifreq[16] = (byte) flags;
        ifreq[17] = (byte) (flags >>> 8);
        if (libc.ioctl(fd, new NativeLong(TUNSETIFF), ifreq) < 0) {
            int errno = Native.getLastError();
            libc.close(fd);
            throw new IOException("cannot attach to TAP device '" + ifname + "': " + libc.strerror(errno)
                    + (errno == 1 || errno == 16 ? " (it belongs to another user or is in use: ip tuntap add " + ifname + " mode tap user $(id -un))" : ""));
        }
        TapNetwork t = new TapNetwork(libc, fd, ifname);
        t.reader.start();
        return t;
    }

    private void readLoop() {
        byte[] pfd = new byte[8];
        pfd[0] = (byte) fd;
        pfd[1] = (byte) (fd >>> 8);
        pfd[2] = (byte) (fd >>> 16);
        pfd[3] = (byte) (fd >>> 24);
        pfd[4] = POLLIN;
        byte[] buf = new byte[65536];
        while (!closed) {
            pfd[6] = pfd[7] = 0;
            if (libc.poll(pfd, 1, 200) <= 0) continue;
            while (!closed) {
                long n = libc.read(fd, buf, new NativeLong(buf.length)).longValue();
                if (n <= 0) break;
                if (n > Packets.MAX_FRAME || queued.get() >= MAX_QUEUED) {
                    dropped++; // too long for the guest's buffers, or the guest does not take frames
                    continue;
                }
                forGuest.add(java.util.Arrays.copyOf(buf, (int) n));
                queued.incrementAndGet();
                framesToGuest++;
            }
            if (!forGuest.isEmpty()) framesWaiting.run();
        }
    }

    @Override
    public void attach(byte[] guestMac, Runnable waiting) {
        this.framesWaiting = waiting;
    }

    @Override
    public void sendFromGuest(byte[] frame, int length) {
        if (closed) return;
        framesFromGuest++;
        if (libc.write(fd, frame, new NativeLong(length)).longValue() != length) dropped++;
    }

    @Override
    public byte[] peekForGuest() {
        return forGuest.peek();
    }

    @Override
    public void takeForGuest() {
        if (forGuest.poll() != null) queued.decrementAndGet();
    }

    @Override
    public byte[] saveGuestView() {
        return new byte[0];
    }

    @Override
    public void loadGuestView(byte[] view) {
        while (forGuest.poll() != null) queued.decrementAndGet();
    }

    @Override
    public String kind() {
        return "tap";
    }

    @Override
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ifname", ifname);
        m.put("frames-from-guest", framesFromGuest);
        m.put("frames-to-guest", framesToGuest);
        m.put("dropped", dropped);
        return m;
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            reader.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        libc.close(fd);
    }
}
