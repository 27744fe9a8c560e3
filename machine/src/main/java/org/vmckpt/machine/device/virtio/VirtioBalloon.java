package org.vmckpt.machine.device.virtio;

import java.util.BitSet;
import java.util.TreeMap;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * Traditional memory balloon device (device ID 5, virtio 1.2 section 5.5): inflate and deflate queues, the
 * statistics queue, free page hinting and free page reporting. Page poisoning is not offered, so Linux turns
 * free page reporting off by itself if its free pages must keep a poison pattern.
 *
 * <p>For checkpoints this is how the guest tells us which pages it does not need: inflated pages, pages
 * reported free and pages hinted free. Each such page is discarded from guest memory
 * ({@link GuestMemory#discardPage}: it reads as zeros and takes no space) unless discarding is switched off
 * for that reason, and recorded in the set of the reason it was last given for ({@link #inflatedPages()},
 * {@link #reportedFreePages()}, {@link #hintedFreePages()}), so the checkpoint engine can attribute the
 * pages it leaves out.
 *
 * <p>Queues are numbered as Linux numbers them: inflate 0, deflate 1, then stats, free page hint and
 * reporting, each only if negotiated (virtio_mmio skips the queues of features not negotiated).
 *
 * <p>Control methods ({@link #setTargetPages}, {@link #requestStats}, {@link #startFreePageHint}, ...) must
 * run on the machine's run thread, as every device call does.
 */
public final class VirtioBalloon implements VirtioDevice {
    public static final int DEVICE_ID = 5;
    public static final int QUEUE_SIZE = 128; // Linux needs >= 32 (PAGE_REPORTING_CAPACITY) for reporting

    public static final int F_MUST_TELL_HOST = 0;
    public static final int F_STATS_VQ = 1;
    public static final int F_DEFLATE_ON_OOM = 2;
    public static final int F_FREE_PAGE_HINT = 3;
    public static final int F_PAGE_POISON = 4;
    public static final int F_REPORTING = 5;

    public static final int CMD_ID_STOP = 0;
    public static final int CMD_ID_DONE = 1;
    /** Balloon pages are 4 KiB whatever the guest's page size (VIRTIO_BALLOON_PFN_SHIFT). */
    public static final int PFN_SHIFT = 12;

    private static final int CONFIG_SIZE = 16; // num_pages, actual, free_page_hint_cmd_id, poison_val
    private static final int STAT_ENTRY_SIZE = 10; // le16 tag, le64 value, packed
    private static final int MAX_STAT_ENTRIES = 64;
    private static final int STATE_VERSION = 1;

    /** Where the free page hinting protocol stands. */
    public enum FreePageHintState {
        /** No hinting asked for since the device was reset. */
        IDLE,
        /** {@link #startFreePageHint()} published a new command ID; the guest has not answered yet. */
        REQUESTED,
        /** The guest acknowledged the command ID and is sending free page blocks. */
        STARTED,
        /** The guest sent its stop ID: every free page it found was hinted. It still holds them. */
        STOPPED,
        /** We told the guest it may use the hinted pages again (command ID DONE). */
        DONE
    }

    private enum Role { INFLATE, DEFLATE, STATS, FREE_PAGE_HINT, REPORTING, NONE }

    private VirtioTransport transport;
    private GuestMemory memory;
    private DescriptorChain chain;
    private final byte[] scratch = new byte[1024];

    private int targetPages;
    private int actualPages;
    private FreePageHintState hintState = FreePageHintState.IDLE;
    private int hintCmdId = CMD_ID_DONE;
    /** Head of the stats buffer the guest gave us, held until we want fresh stats; -1 if none. */
    private int heldStatsHead = -1;
    private BalloonStats stats = BalloonStats.NONE;

    // Plain words, not BitSets: a capture writes and ORs them without a copy (PageBitmap).
    private PageBitmap inflated = new PageBitmap();
    private PageBitmap reported = new PageBitmap();
    private PageBitmap hinted = new PageBitmap();
    private long pagesInflated;
    private long pagesDeflated;
    private long pagesReported;
    private long pagesHinted;
    private long pagesDiscarded;

    // Policy switches (machine configuration, not guest state: not saved).
    private boolean discardInflated = true;
    private boolean discardReported = true;
    private boolean discardHinted = true;
    private boolean autoFinishFreePageHint = true;

    // ---------------------------------------------------------------- control (the host's side)

    /** Asks the guest to balloon to {@code pages} 4 KiB pages (config num_pages) and tells it so. */
    public void setTargetPages(int pages) {
        targetPages = pages;
        transport.signalConfigChange();
    }

    public int targetPages() { return targetPages; }

    /** Pages the guest says it has in the balloon (config actual, written by the driver). */
    public int actualPages() { return actualPages; }

    /**
     * Hands the held stats buffer back so the guest refills it with fresh statistics. Returns false if no
     * buffer is held (the driver did not negotiate the stats queue, or an update is already in flight).
     * The new values arrive asynchronously: watch {@link #lastStats()}'s sequence.
     */
    public boolean requestStats() {
        if (heldStatsHead < 0 || !transport.isLive()) return false;
        int q = queueOf(Role.STATS);
        if (q < 0) return false;
        transport.queue(q).pushUsed(heldStatsHead, 0);
        heldStatsHead = -1;
        transport.signalUsed(q);
        return true;
    }

    public BalloonStats lastStats() { return stats; }

    /**
     * Asks the guest to hint its free pages under a new command ID (clearing the previous round's
     * {@link #hintedFreePages()}). Returns the command ID, or -1 if the driver did not negotiate hinting.
     */
    public int startFreePageHint() {
        if (!transport.isLive() || !transport.hasFeature(F_FREE_PAGE_HINT)) return -1;
        hintCmdId++;
        if (Integer.compareUnsigned(hintCmdId, CMD_ID_DONE) <= 0) hintCmdId = CMD_ID_DONE + 1;
        hintState = FreePageHintState.REQUESTED;
        hinted.clear();
        transport.signalConfigChange();
        return hintCmdId;
    }

    /** Lets the guest use its hinted pages again (command ID DONE). */
    public void finishFreePageHint() {
        if (hintState == FreePageHintState.IDLE || hintState == FreePageHintState.DONE) return;
        hintState = FreePageHintState.DONE;
        transport.signalConfigChange();
    }

    public FreePageHintState freePageHintState() { return hintState; }

    public int freePageHintCommandId() { return hintCmdId; }

    /** Whether the guest is told DONE as soon as it finishes hinting (default true). */
    public void setAutoFinishFreePageHint(boolean on) { autoFinishFreePageHint = on; }

    public void setDiscardInflated(boolean on) { discardInflated = on; }
    public void setDiscardReported(boolean on) { discardReported = on; }
    public void setDiscardHinted(boolean on) { discardHinted = on; }

    /** Pages whose last word from the guest was "inflated" (copies). */
    public BitSet inflatedPages() { return inflated.toBitSet(); }
    /** Pages whose last word from the guest was "reported free" (copies). */
    public BitSet reportedFreePages() { return reported.toBitSet(); }
    /** Pages hinted free in the current or last hinting round (copies). */
    public BitSet hintedFreePages() { return hinted.toBitSet(); }

    /**
     * Copies the words of the three sets (inflated, reported free, hinted free) into {@code into[0..2]}, each zeros;
     * allocates nothing where each is at least {@link #givenPagesWords} long (a checkpoint's capture calls it inside the
     * guest's pause), else puts a longer array in its place. Run thread.
     */
    public void copyGivenPagesInto(long[][] into) {
        PageBitmap[] sets = {inflated, reported, hinted};
        for (int i = 0; i < 3; i++) {
            if (into[i].length < sets[i].wordCount()) into[i] = new long[sets[i].wordCount()]; // grew since the room was made
            sets[i].copyInto(into[i]);
        }
    }

    /**
     * How many words each set (inflated, reported, hinted) holds now, for a capture's room made on another thread: a
     * racy read, a size only ({@link #copyGivenPagesInto} copes with a set that grew since).
     */
    public int givenPagesWords(int set) {
        return (set == 0 ? inflated : set == 1 ? reported : hinted).wordCount();
    }

    public long pagesInflated() { return pagesInflated; }
    public long pagesDeflated() { return pagesDeflated; }
    public long pagesReported() { return pagesReported; }
    public long pagesHinted() { return pagesHinted; }
    public long pagesDiscarded() { return pagesDiscarded; }

    // ---------------------------------------------------------------- VirtioDevice

    @Override public int deviceId() { return DEVICE_ID; }

    @Override
    public long deviceFeatures() {
        return 1L << F_STATS_VQ | 1L << F_FREE_PAGE_HINT | 1L << F_REPORTING;
    }

    @Override public int queueCount() { return 5; }
    @Override public int queueMaxSize(int queue) { return QUEUE_SIZE; }
    @Override public int configSize() { return CONFIG_SIZE; }

    private byte[] configBytes() {
        byte[] cfg = new byte[CONFIG_SIZE];
        ConfigBytes.write(cfg, 0, 4, targetPages);
        ConfigBytes.write(cfg, 4, 4, actualPages);
        int cmd = switch (hintState) {
            case REQUESTED, STARTED -> hintCmdId;
            case DONE -> CMD_ID_DONE;
            case IDLE, STOPPED -> CMD_ID_STOP;
        };
        ConfigBytes.write(cfg, 8, 4, cmd);
        return cfg;
    }

    @Override
    public long readConfig(int offset, int size) {
        return ConfigBytes.read(configBytes(), offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) {
        // Only "actual" belongs to the driver (poison_val too, but page poisoning is not offered).
        byte[] cfg = configBytes();
        ConfigBytes.write(cfg, offset, size, value);
        actualPages = (int) ConfigBytes.read(cfg, 4, 4);
    }

    @Override
    public void attach(VirtioTransport transport) {
        this.transport = transport;
        this.memory = transport.memory();
        this.chain = new DescriptorChain(memory);
    }

    @Override
    public void reset() {
        heldStatsHead = -1;
        hintState = FreePageHintState.IDLE;
        actualPages = 0;
        inflated.clear(); // a driver that resets has given its balloon back
    }

    private Role roleOf(int queue) {
        if (queue == 0) return Role.INFLATE;
        if (queue == 1) return Role.DEFLATE;
        int next = 2;
        if (transport.hasFeature(F_STATS_VQ) && queue == next++) return Role.STATS;
        if (transport.hasFeature(F_FREE_PAGE_HINT) && queue == next++) return Role.FREE_PAGE_HINT;
        if (transport.hasFeature(F_REPORTING) && queue == next) return Role.REPORTING;
        return Role.NONE;
    }

    private int queueOf(Role role) {
        for (int q = 0; q < queueCount(); q++) if (roleOf(q) == role) return q;
        return -1;
    }

    @Override
    public void queueNotify(int queue) {
        switch (roleOf(queue)) {
            case INFLATE -> pageNumberQueue(queue, true);
            case DEFLATE -> pageNumberQueue(queue, false);
            case STATS -> statsQueue(queue);
            case FREE_PAGE_HINT -> freePageHintQueue(queue);
            case REPORTING -> reportingQueue(queue);
            case NONE -> { }
        }
    }

    /** Inflate or deflate: each buffer is an array of le32 page frame numbers (4 KiB units). */
    private void pageNumberQueue(int queue, boolean inflate) {
        Virtqueue vq = transport.queue(queue);
        boolean used = false;
        while (vq.pop(chain)) {
            long total = chain.readableLength() & ~3L;
            for (long off = 0; off < total; off += scratch.length) {
                int n = (int) Math.min(scratch.length, total - off);
                chain.read(off, scratch, 0, n);
                for (int i = 0; i < n; i += 4) {
                    long pfn = ConfigBytes.read(scratch, i, 4);
                    int page = memory.pageIndexOf(pfn << PFN_SHIFT);
                    if (page < 0) continue; // not RAM: nothing to do
                    if (inflate) {
                        pagesInflated++;
                        mark(page, inflated, discardInflated);
                    } else {
                        pagesDeflated++;
                        inflated.clear(page);
                    }
                }
            }
            vq.pushUsed(chain.head(), 0);
            used = true;
        }
        if (used) transport.signalUsed(queue);
    }

    /** Records that the guest gave up {@code page} for the reason {@code set} stands for, discarding it if asked. */
    private void mark(int page, PageBitmap set, boolean discard) {
        inflated.clear(page);
        reported.clear(page);
        hinted.clear(page);
        set.set(page);
        if (discard) {
            memory.discardPage(page);
            pagesDiscarded++;
        }
    }

    /** Marks every whole page inside {@code [addr, addr+len)} (a range already checked to lie in RAM). */
    private long markRange(long addr, long len, PageBitmap set, boolean discard) {
        long off = addr - memory.base();
        long first = (off + GuestMemory.PAGE_MASK) >>> GuestMemory.PAGE_SHIFT;
        long end = (off + len) >>> GuestMemory.PAGE_SHIFT;
        for (long p = first; p < end; p++) mark((int) p, set, discard);
        return Math.max(0, end - first);
    }

    private void statsQueue(int queue) {
        Virtqueue vq = transport.queue(queue);
        boolean used = false;
        while (vq.pop(chain)) {
            if (heldStatsHead >= 0) {
                // A second buffer while we hold one: give the older back rather than lose it.
                vq.pushUsed(heldStatsHead, 0);
                used = true;
            }
            TreeMap<Integer, Long> values = new TreeMap<>();
            long entries = Math.min(chain.readableLength() / STAT_ENTRY_SIZE, MAX_STAT_ENTRIES);
            for (int i = 0; i < entries; i++) {
                chain.read((long) i * STAT_ENTRY_SIZE, scratch, 0, STAT_ENTRY_SIZE);
                values.put((int) ConfigBytes.read(scratch, 0, 2), ConfigBytes.read(scratch, 2, 8));
            }
            stats = new BalloonStats(stats.sequence() + 1, values);
            heldStatsHead = chain.head();
        }
        if (used) transport.signalUsed(queue);
    }

    /**
     * Free page hinting (Linux: virtio_balloon_report_free_page): the guest sends the command ID it read
     * (device-readable le32), then blocks of free pages it has allocated for the purpose (device-writable
     * buffers whose address and length are the block), then another ID buffer to say it stopped.
     */
    private void freePageHintQueue(int queue) {
        Virtqueue vq = transport.queue(queue);
        boolean used = false;
        while (vq.pop(chain)) {
            if (chain.readableLength() >= 4) {
                chain.read(0, scratch, 0, 4);
                int id = (int) ConfigBytes.read(scratch, 0, 4);
                if (hintState == FreePageHintState.REQUESTED && id == hintCmdId) {
                    hintState = FreePageHintState.STARTED;
                } else if (hintState == FreePageHintState.STARTED) {
                    // Any ID once started means stop, as in QEMU; a stale ID before the start is ignored.
                    hintState = FreePageHintState.STOPPED;
                    if (autoFinishFreePageHint) finishFreePageHint();
                }
            }
            if (hintState == FreePageHintState.STARTED) {
                for (int i = 0; i < chain.writableSegments(); i++) {
                    pagesHinted += markRange(chain.writableAddress(i), chain.writableSegmentLength(i), hinted, discardHinted);
                }
            }
            vq.pushUsed(chain.head(), 0);
            used = true;
        }
        if (used) transport.signalUsed(queue);
    }

    /** Free page reporting: each segment of a buffer is a free range (Linux adds them device-writable). */
    private void reportingQueue(int queue) {
        Virtqueue vq = transport.queue(queue);
        boolean used = false;
        while (vq.pop(chain)) {
            for (int i = 0; i < chain.readableSegments(); i++) {
                pagesReported += markRange(chain.readableAddress(i), chain.readableSegmentLength(i), reported, discardReported);
            }
            for (int i = 0; i < chain.writableSegments(); i++) {
                pagesReported += markRange(chain.writableAddress(i), chain.writableSegmentLength(i), reported, discardReported);
            }
            vq.pushUsed(chain.head(), 0);
            used = true;
        }
        if (used) transport.signalUsed(queue);
    }

    // ---------------------------------------------------------------- state

    @Override public String stateName() { return "virtio-balloon"; }
    @Override public int stateVersion() { return STATE_VERSION; }

    @Override
    public void saveState(StateWriter out) {
        out.writeInt(targetPages);
        out.writeInt(actualPages);
        out.writeByte(hintState.ordinal());
        out.writeInt(hintCmdId);
        out.writeInt(heldStatsHead);
        out.writeLong(stats.sequence());
        out.writeInt(stats.values().size());
        stats.values().forEach((tag, value) -> {
            out.writeShort(tag);
            out.writeLong(value);
        });
        // The same bytes as writeLongs(set.toLongArray()) of a BitSet, without the copy (inside the pause).
        inflated.writeTo(out);
        reported.writeTo(out);
        hinted.writeTo(out);
        out.writeLong(pagesInflated);
        out.writeLong(pagesDeflated);
        out.writeLong(pagesReported);
        out.writeLong(pagesHinted);
        out.writeLong(pagesDiscarded);
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        int target = in.readInt();
        int actual = in.readInt();
        int hintOrdinal = in.readByte();
        int cmdId = in.readInt();
        int statsHead = in.readInt();
        long statsSequence = in.readLong();
        int statCount = in.readInt();
        if (hintOrdinal >= FreePageHintState.values().length) throw in.error("bad free page hint state " + hintOrdinal);
        if (statsHead < -1 || statsHead >= QUEUE_SIZE) throw in.error("bad stats buffer head " + statsHead);
        if (statCount < 0 || statCount > MAX_STAT_ENTRIES) throw in.error("bad stats entry count " + statCount);
        TreeMap<Integer, Long> values = new TreeMap<>();
        for (int i = 0; i < statCount; i++) values.put(in.readShort(), in.readLong());
        PageBitmap inf = readPageSet(in, "inflated pages");
        PageBitmap rep = readPageSet(in, "reported pages");
        PageBitmap hin = readPageSet(in, "hinted pages");
        long nInflated = in.readLong();
        long nDeflated = in.readLong();
        long nReported = in.readLong();
        long nHinted = in.readLong();
        long nDiscarded = in.readLong();
        in.expectEnd();
        targetPages = target;
        actualPages = actual;
        hintState = FreePageHintState.values()[hintOrdinal];
        hintCmdId = cmdId;
        heldStatsHead = statsHead;
        stats = statsSequence == 0 && values.isEmpty() ? BalloonStats.NONE : new BalloonStats(statsSequence, values);
        inflated = inf;
        reported = rep;
        hinted = hin;
        pagesInflated = nInflated;
        pagesDeflated = nDeflated;
        pagesReported = nReported;
        pagesHinted = nHinted;
        pagesDiscarded = nDiscarded;
    }

    private PageBitmap readPageSet(StateReader in, String what) throws StateFormatException {
        PageBitmap set = PageBitmap.of(in.readLongs());
        if (set.length() > memory.pageCount()) throw in.error(what + " reach page " + (set.length() - 1) + ", beyond RAM");
        return set;
    }
}
