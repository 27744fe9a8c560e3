package org.vmckpt.checkpoint.migration;

import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.BitSet;

/**
 * The source's record of which post-copy pages have gone out, shared by the background stream and the thread that
 * answers the destination's requests: each page is claimed exactly once, and its CRC goes into the digest as it
 * is claimed (under the same lock, so that END's digest, taken after the last claim, sees every one).
 */
final class PostCopyClaims {
    /** What {@link #claim} returns for a page already sent (or not owed). */
    static final byte[] TAKEN = new byte[0];

    private final FrozenMemory view;
    private final BitSet pending;
    private final StateDigest digest;
    private final BitSet claimed;
    private int count;

    PostCopyClaims(FrozenMemory view, BitSet pending, StateDigest digest) {
        this.view = view;
        this.pending = pending;
        this.digest = digest;
        this.claimed = new BitSet(view.pageCount());
    }

    /** Page {@code i} as it travels (null: zeros), or {@link #TAKEN} if it went out already or is not owed. */
    synchronized byte[] claim(int i) {
        if (!pending.get(i) || claimed.get(i)) return TAKEN;
        claimed.set(i);
        count++;
        byte[] p = view.page(i);
        if (p != null && GuestMemory.isZeroPage(p)) p = null;
        digest.page(i, StateDigest.crc(p));
        return p;
    }

    /**
     * Claims page {@code first} and the pending pages after it, up to {@code max} pages in all, into
     * {@code index}/{@code data}; returns how many.
     */
    synchronized int claimRun(int first, int max, int[] index, byte[][] data) {
        int n = 0;
        for (int i = first; i >= 0 && n < max && i < view.pageCount(); i = pending.nextSetBit(i + 1)) {
            byte[] p = claim(i);
            if (p == TAKEN) {
                if (i == first) continue;
                break; // the background stream is past here: it sends the rest soon enough
            }
            index[n] = i;
            data[n++] = p;
        }
        return n;
    }

    synchronized int count() {
        return count;
    }
}
