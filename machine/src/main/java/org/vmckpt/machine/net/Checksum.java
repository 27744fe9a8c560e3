package org.vmckpt.machine.net;

/** The Internet checksum (RFC 1071): a ones' complement sum of 16-bit big-endian words. */
public final class Checksum {
    private Checksum() { }

    /** Adds {@code b[off, off+len)} to {@code sum} (unfolded); an odd last byte is padded with zero. */
    public static long add(long sum, byte[] b, int off, int len) {
        int i = off, end = off + len;
        for (; i + 1 < end; i += 2) sum += ((b[i] & 0xff) << 8) | (b[i + 1] & 0xff);
        if (i < end) sum += (b[i] & 0xff) << 8;
        return sum;
    }

    /** Folds a sum into 16 bits and complements it: the value to store in a header. */
    public static int finish(long sum) {
        while ((sum >>> 16) != 0) sum = (sum & 0xffff) + (sum >>> 16);
        return (int) (~sum & 0xffff);
    }

    /** The IPv4 pseudo-header sum for TCP or UDP. */
    public static long pseudoHeader(int src, int dst, int protocol, int length) {
        return (src >>> 16) + (src & 0xffff) + (dst >>> 16) + (dst & 0xffff) + protocol + length;
    }
}
