package org.vmckpt.machine.device.virtio;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.vmckpt.machine.net.Checksum;
import org.vmckpt.machine.net.NetBackend;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * virtio network device (device ID 1, virtio 1.2 section 5.1): one receive queue (0) and one transmit
 * queue (1), the MAC and the link status in configuration space, and a {@link NetBackend} on the host side.
 *
 * <p>Features, offered honestly: MAC, STATUS (the link is up), CSUM (the guest may leave a TCP/UDP checksum
 * to us: we complete it from csum_start/csum_offset before the frame goes to the backend), GUEST_CSUM
 * (frames we deliver carry correct checksums and say so with DATA_VALID), and HOST_TSO4 when the backend
 * takes TCP frames larger than the MTU (the user-mode network does: it terminates TCP; a TAP device does not
 * get it). No receive offload and no mergeable buffers: every frame for the guest is at most 1514 bytes and
 * fits one receive buffer of Linux's driver.
 *
 * <p>Transmit runs synchronously on the queue notify. Receive: the backend queues frames on its own thread
 * and tells us through {@code runOnRunThread}; they are copied into the guest's receive buffers on the run
 * thread. A frame the guest gives no buffer for waits in the backend's queue.
 *
 * <p>Malformed transmit buffers (no header, a header asking for segmentation we did not offer, a checksum
 * position outside the frame, a frame over 1514 bytes or under 14, a device-writable descriptor) are
 * returned to the guest unsent and counted in {@link #droppedFrames()}; the device keeps running. Broken
 * rings (loops, addresses outside RAM) stop the device as for every virtio device (NEEDS_RESET).
 */
public final class VirtioNet implements VirtioDevice {
    public static final int DEVICE_ID = 1;
    public static final int QUEUE_SIZE = 256;
    public static final int RX = 0, TX = 1;
    public static final int F_CSUM = 0, F_GUEST_CSUM = 1, F_MAC = 5, F_HOST_TSO4 = 11, F_STATUS = 16;
    /** struct virtio_net_hdr with num_buffers (always present with VERSION_1). */
    public static final int HEADER_SIZE = 12;
    public static final int HDR_F_NEEDS_CSUM = 1, HDR_F_DATA_VALID = 2;
    public static final int GSO_NONE = 0, GSO_TCPV4 = 1;
    public static final int MAX_FRAME = 1514;
    /** Largest TCPv4 frame the guest may hand over with HOST_TSO4: 64 KiB of IP plus the Ethernet header. */
    public static final int MAX_TSO_FRAME = 14 + 65535;
    static final int CONFIG_SIZE = 12;
    static final int STATUS_LINK_UP = 1;
    private static final int STATE_VERSION = 1;

    private final byte[] mac;
    private final NetBackend backend;
    private final Consumer<Runnable> runOnRunThread;
    private final AtomicBoolean deliveryScheduled = new AtomicBoolean();
    private final Runnable deliver = this::deliverScheduled;
    private final byte[] txBuffer;
    private final boolean tso;
    private final byte[] rxHeader = new byte[HEADER_SIZE];
    private VirtioTransport transport;
    private DescriptorChain txChain;
    private DescriptorChain rxChain;

    private long framesSent, framesReceived, droppedFrames, droppedForGuest;

    /**
     * @param mac            the guest's MAC address (6 bytes)
     * @param backend        the host side
     * @param runOnRunThread runs a task on the machine's run thread between instructions ({@code Machine::submit})
     */
    public VirtioNet(byte[] mac, NetBackend backend, Consumer<Runnable> runOnRunThread) {
        if (mac.length != 6) throw new IllegalArgumentException("a MAC address has 6 bytes");
        this.mac = mac.clone();
        this.backend = backend;
        this.runOnRunThread = runOnRunThread;
        this.tso = backend.takesLargeTcpFrames();
        this.txBuffer = new byte[HEADER_SIZE + (tso ? MAX_TSO_FRAME : MAX_FRAME)];
    }

    public NetBackend backend() { return backend; }
    public byte[] mac() { return mac.clone(); }
    /** Frames the guest sent that reached the backend. */
    public long framesSent() { return framesSent; }
    /** Frames delivered into the guest's receive buffers. */
    public long framesReceived() { return framesReceived; }
    /** Malformed transmit buffers dropped (see the class comment). */
    public long droppedFrames() { return droppedFrames; }
    /** Frames for the guest dropped because its receive buffer was too small. */
    public long droppedForGuest() { return droppedForGuest; }

    @Override public int deviceId() { return DEVICE_ID; }

    @Override
    public long deviceFeatures() {
        return 1L << F_CSUM | 1L << F_GUEST_CSUM | 1L << F_MAC | 1L << F_STATUS | (tso ? 1L << F_HOST_TSO4 : 0);
    }

    @Override public int queueCount() { return 2; }
    @Override public int queueMaxSize(int queue) { return QUEUE_SIZE; }
    @Override public int configSize() { return CONFIG_SIZE; }

    @Override
    public long readConfig(int offset, int size) {
        byte[] cfg = new byte[CONFIG_SIZE];
        System.arraycopy(mac, 0, cfg, 0, 6);
        ConfigBytes.write(cfg, 6, 2, STATUS_LINK_UP);
        ConfigBytes.write(cfg, 8, 2, 1); // max_virtqueue_pairs (valid only with MQ, which is not offered)
        ConfigBytes.write(cfg, 10, 2, 1500); // mtu (valid only with MTU, not offered)
        return ConfigBytes.read(cfg, offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) { } // the MAC is writable only with CTRL_MAC_ADDR, not offered

    @Override
    public void attach(VirtioTransport transport) {
        this.transport = transport;
        this.txChain = new DescriptorChain(transport.memory());
        this.rxChain = new DescriptorChain(transport.memory());
        backend.attach(mac, this::framesWaiting);
    }

    @Override
    public void reset() { }

    @Override
    public void queueNotify(int queue) {
        if (queue == TX) transmit();
        else if (queue == RX) deliver();
    }

    // ---------------------------------------------------------------- transmit

    private void transmit() {
        Virtqueue vq = transport.queue(TX);
        boolean used = false;
        while (vq.pop(txChain)) {
            sendOne();
            vq.pushUsed(txChain.head(), 0);
            used = true;
        }
        if (used) transport.signalUsed(TX);
    }

    /** Checks and sends the frame in {@link #txChain}. */
    private void sendOne() {
        long total = txChain.readableLength();
        if (txChain.writableSegments() != 0 || total < HEADER_SIZE + 14 || total > txBuffer.length) {
            droppedFrames++;
            return;
        }
        int n = (int) total;
        txChain.read(0, txBuffer, 0, n);
        int flags = txBuffer[0] & 0xff, gso = txBuffer[1] & 0xff;
        int frameLen = n - HEADER_SIZE;
        // A frame over the MTU must be a TCPv4 segmentation-offload frame, which only HOST_TSO4 allows; the user-mode
        // network takes it whole (it terminates TCP), so nothing is cut into MTU-sized frames here.
        boolean large = gso == GSO_TCPV4 && transport.hasFeature(F_HOST_TSO4) && (flags & HDR_F_NEEDS_CSUM) != 0;
        if ((gso != GSO_NONE && !large) || (flags & ~HDR_F_NEEDS_CSUM) != 0 || (frameLen > MAX_FRAME && !large)) {
            droppedFrames++;
            return;
        }
        if ((flags & HDR_F_NEEDS_CSUM) != 0) {
            if (!transport.hasFeature(F_CSUM)) {
                droppedFrames++;
                return;
            }
            int start = (int) ConfigBytes.read(txBuffer, 6, 2), offset = (int) ConfigBytes.read(txBuffer, 8, 2);
            if (start + offset + 2 > frameLen) {
                droppedFrames++;
                return;
            }
            // The field holds the pseudo-header sum; the checksum covers it and everything from csum_start on.
            int at = HEADER_SIZE + start;
            int sum = Checksum.finish(Checksum.add(0, txBuffer, at, frameLen - start));
            if (sum == 0 && txBuffer[HEADER_SIZE + 23] == 17) sum = 0xffff; // UDP writes a zero checksum as all ones
            txBuffer[at + offset] = (byte) (sum >>> 8);
            txBuffer[at + offset + 1] = (byte) sum;
        }
        framesSent++;
        backend.sendFromGuest(java.util.Arrays.copyOfRange(txBuffer, HEADER_SIZE, n), frameLen);
    }

    // ---------------------------------------------------------------- receive

    /** The backend queued frames (any thread): deliver them on the run thread, once per burst. */
    private void framesWaiting() {
        if (deliveryScheduled.compareAndSet(false, true)) runOnRunThread.accept(deliver);
    }

    private void deliverScheduled() {
        deliveryScheduled.set(false);
        deliver();
    }

    /** Copies waiting frames into the guest's receive buffers. Run thread. */
    private void deliver() {
        if (!transport.isLive()) return;
        Virtqueue vq = transport.queue(RX);
        boolean used = false;
        boolean held = false; // a buffer popped but not filled (the frame did not fit): used for the next frame
        byte[] frame;
        while ((frame = backend.peekForGuest()) != null) {
            if (!held) {
                if (!vq.pop(rxChain)) break; // no buffer: the frame waits for the guest to post one
                held = true;
            }
            backend.takeForGuest();
            if (rxChain.writableLength() < HEADER_SIZE + frame.length) {
                droppedForGuest++;
                continue;
            }
            java.util.Arrays.fill(rxHeader, (byte) 0);
            if (transport.hasFeature(F_GUEST_CSUM)) rxHeader[0] = HDR_F_DATA_VALID;
            rxHeader[10] = 1; // num_buffers
            rxChain.write(0, rxHeader, 0, HEADER_SIZE);
            rxChain.write(HEADER_SIZE, frame, 0, frame.length);
            vq.pushUsed(rxChain.head(), HEADER_SIZE + frame.length);
            held = false;
            framesReceived++;
            used = true;
        }
        if (held) {
            vq.pushUsed(rxChain.head(), 0); // returned empty: the driver counts a length error and posts it again
            used = true;
        }
        if (used) transport.signalUsed(RX);
    }

    // ---------------------------------------------------------------- state

    @Override public String stateName() { return "virtio-net"; }
    @Override public int stateVersion() { return STATE_VERSION; }

    /**
     * The MAC, and what the guest sees of the backend (for the user-mode network, the guest's TCP connections
     * and their sequence numbers; never a host socket). The device holds no buffer between notifications.
     */
    @Override
    public void saveState(StateWriter out) {
        out.writeBytes(mac);
        out.writeString(backend.kind());
        out.writeBytes(backend.saveGuestView());
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        byte[] savedMac = in.readBytes();
        String kind = in.readString();
        byte[] view = in.readBytes();
        in.expectEnd();
        if (!java.util.Arrays.equals(savedMac, mac)) throw in.error("the checkpoint's network device has another MAC address");
        // A view from another kind of backend says nothing about this one's connections.
        backend.loadGuestView(kind.equals(backend.kind()) ? view : new byte[0]);
    }
}
