package org.vmckpt.machine.device.virtio;

import org.vmckpt.machine.memory.GuestMemory;

/**
 * One buffer popped from a virtqueue: the descriptor chain's head index and its segments, device-readable
 * ones first, then device-writable ones. Every segment was checked to lie in RAM when the chain was read,
 * so the copy methods never leave RAM. Zero-length descriptors are left out.
 *
 * <p>Reusable: a device keeps one instance and {@link Virtqueue#pop} refills it, so popping a request makes
 * no garbage once the segment arrays have grown to the longest chain seen.
 */
public final class DescriptorChain {
    private final GuestMemory memory;
    private int head = -1;
    private long[] address = new long[8];
    private long[] length = new long[8];
    private int count;
    /** Index of the first writable segment; == count when there is none. */
    private int firstWritable;
    private long readableLength;
    private long writableLength;

    public DescriptorChain(GuestMemory memory) {
        this.memory = memory;
    }

    void reset(int head) {
        this.head = head;
        count = 0;
        firstWritable = 0;
        readableLength = 0;
        writableLength = 0;
    }

    void addReadable(long addr, long len) {
        add(addr, len);
        firstWritable = count;
        readableLength += len;
    }

    void addWritable(long addr, long len) {
        add(addr, len);
        writableLength += len;
    }

    private void add(long addr, long len) {
        if (count == address.length) {
            address = java.util.Arrays.copyOf(address, count * 2);
            length = java.util.Arrays.copyOf(length, count * 2);
        }
        address[count] = addr;
        length[count] = len;
        count++;
    }

    boolean hasWritable() {
        return firstWritable < count;
    }

    /** Descriptor index of the chain's head: the id to hand back in the used ring. */
    public int head() { return head; }

    public long readableLength() { return readableLength; }

    public long writableLength() { return writableLength; }

    public int readableSegments() { return firstWritable; }

    public long readableAddress(int i) { return address[i]; }

    public long readableSegmentLength(int i) { return length[i]; }

    public int writableSegments() { return count - firstWritable; }

    public long writableAddress(int i) { return address[firstWritable + i]; }

    public long writableSegmentLength(int i) { return length[firstWritable + i]; }

    /**
     * Copies device-readable bytes {@code [offset, offset+len)} of the chain into {@code dst}. Returns the
     * number copied, which is less than {@code len} if the readable part ends first.
     */
    public int read(long offset, byte[] dst, int dstOff, int len) {
        return copy(0, firstWritable, offset, dst, dstOff, len, false, NO_SOURCE, 0);
    }

    /**
     * Copies {@code src} into the device-writable bytes {@code [offset, offset+len)} of the chain. Returns the
     * number copied, which is less than {@code len} if the writable part ends first.
     */
    public int write(long offset, byte[] src, int srcOff, int len) {
        return copy(firstWritable, count, offset, src, srcOff, len, true, NO_SOURCE, 0);
    }

    /**
     * {@link #write}, for bytes that are {@code sector}'s and the following sectors of source {@code source}:
     * guest memory remembers where the pages it fills came from ({@link GuestMemory#writeFromSource}).
     */
    public int writeFromSource(long offset, byte[] src, int srcOff, int len, int source, long sector) {
        return copy(firstWritable, count, offset, src, srcOff, len, true, source, sector * 512);
    }

    private static final int NO_SOURCE = -1;

    /**
     * Copies between {@code buf} and the segments {@code from..to}. Writes with a {@code source} (not
     * {@link #NO_SOURCE}) tell guest memory which bytes of that source ({@code srcPos} is the byte position of
     * {@code buf[bufOff]} in it) fill each segment that starts on a sector boundary.
     */
    private int copy(int from, int to, long offset, byte[] buf, int bufOff, int len, boolean toGuest, int source, long srcPos) {
        int done = 0;
        if (offset < 0) return 0;
        for (int i = from; i < to && done < len; i++) {
            long segLen = length[i];
            if (offset >= segLen) {
                offset -= segLen;
                continue;
            }
            int n = (int) Math.min(segLen - offset, len - done);
            long addr = address[i] + offset;
            long pos = srcPos + done;
            if (!toGuest) memory.readBytes(addr, buf, bufOff + done, n);
            else if (source != NO_SOURCE && (pos & 511) == 0) memory.writeFromSource(addr, buf, bufOff + done, n, source, pos / 512);
            else memory.writeBytes(addr, buf, bufOff + done, n);
            done += n;
            offset = 0;
        }
        return done;
    }
}
