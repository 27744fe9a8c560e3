package org.vmckpt.machine.device.virtio;

import java.util.random.RandomGenerator;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * virtio entropy device (device ID 4, virtio 1.2 section 5.4): fills every device-writable buffer of its one
 * queue with bytes from the generator it was given (SecureRandom normally, a seeded generator in
 * deterministic mode).
 *
 * <p>The generator's own state is not part of the checkpoint (generators cannot export it portably): after
 * a restore the device draws from whatever generator the new machine gives it, so random bytes read by the
 * guest after a restore differ from an uninterrupted run unless the machine re-seeds it the same way.
 */
public final class VirtioRng implements VirtioDevice {
    public static final int DEVICE_ID = 4;
    public static final int QUEUE_SIZE = 64;
    /** A request may ask for more; the device may return fewer bytes than asked, and says how many. */
    public static final int MAX_BYTES_PER_REQUEST = 64 * 1024;

    private static final int STATE_VERSION = 1;

    private final RandomGenerator random;
    private final byte[] scratch = new byte[4096];
    private VirtioTransport transport;
    private DescriptorChain chain;
    private long bytesProvided;

    public VirtioRng(RandomGenerator random) {
        this.random = random;
    }

    /** Total random bytes handed to the guest (not saved in the state record). */
    public long bytesProvided() { return bytesProvided; }

    @Override public int deviceId() { return DEVICE_ID; }
    @Override public long deviceFeatures() { return 0; }
    @Override public int queueCount() { return 1; }
    @Override public int queueMaxSize(int queue) { return QUEUE_SIZE; }
    @Override public int configSize() { return 0; }
    @Override public long readConfig(int offset, int size) { return 0; }
    @Override public void writeConfig(int offset, int size, long value) { }

    @Override
    public void attach(VirtioTransport transport) {
        this.transport = transport;
        this.chain = new DescriptorChain(transport.memory());
    }

    @Override
    public void queueNotify(int queue) {
        Virtqueue vq = transport.queue(0);
        boolean used = false;
        while (vq.pop(chain)) {
            int n = (int) Math.min(chain.writableLength(), MAX_BYTES_PER_REQUEST);
            int done = 0;
            while (done < n) {
                int k = Math.min(n - done, scratch.length);
                fill(scratch, k);
                chain.write(done, scratch, 0, k);
                done += k;
            }
            bytesProvided += n;
            vq.pushUsed(chain.head(), n);
            used = true;
        }
        if (used) transport.signalUsed(0);
    }

    /** Fills {@code buf[0..n)}, drawing exactly ceil(n/8) longs, so a seeded generator gives reproducible bytes. */
    private void fill(byte[] buf, int n) {
        for (int i = 0; i < n; i += 8) {
            long r = random.nextLong();
            for (int j = 0; j < 8 && i + j < n; j++) buf[i + j] = (byte) (r >>> (8 * j));
        }
    }

    @Override
    public void reset() { }

    @Override public String stateName() { return "virtio-rng"; }
    @Override public int stateVersion() { return STATE_VERSION; }

    /** The record is empty: the device holds no buffers between notifications (see the class comment). */
    @Override
    public void saveState(StateWriter out) { }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        in.expectEnd();
    }
}
