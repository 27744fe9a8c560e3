package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * A stored checkpoint, opened for reading by {@link Repository#open}. Opening reads only the manifest: the
 * description, configuration, state records and the complete page and disk tables. Page data is read from
 * the packs on demand; the first read opens and checks every pack this checkpoint uses and keeps them open
 * until {@link #close}, so deleting the checkpoint and collecting garbage afterwards cannot take data away
 * from a running lazy restore.
 *
 * <p>A checkpoint never needs its parent: incremental checkpoints point straight at the parent's packs.
 * Reads are thread-safe (a lazy restore may read on the run thread and a prefetch thread at once) and each
 * decompresses at most one frame of 64 pages, keeping the last 8 frames decoded.
 */
public final class Checkpoint implements AutoCloseable {
    static final int CACHED_FRAMES = 8;

    private final Repository repo;
    /**
     * The manifest as read; replaced once, before any pack is opened, if a compaction ({@link Repository#compact})
     * moved its units meanwhile ({@link #openPacks}): the pages' contents are the same, only where they are stored.
     */
    private volatile Manifest manifest;
    private final FrameCache cache = new FrameCache(CACHED_FRAMES);
    private volatile PackReader[] packs;
    private ZstdDecompressCtx zstd;
    private long framesDecoded;
    private boolean closed;
    /**
     * The page table as this class reports it: the stored one, with each boot-file delta page (a DATA entry there)
     * as a DELTA entry holding its reference. The stored table still gives such a page's unit ({@link #readPage}).
     */
    private volatile RunTable view;

    Checkpoint(Repository repo, Manifest manifest) {
        this.repo = repo;
        this.manifest = manifest;
        this.view = withDeltas(manifest);
    }

    private static RunTable withDeltas(Manifest m) {
        if (!m.hasDeltas()) return m.pages();
        RunTable d = m.deltas();
        int n = 0;
        for (int r = 0; r < d.runCount(); r++) if (TableEntry.kind(d.value(r)) == TableEntry.KIND_SOURCE) n += (int) (d.runEnd(r) - d.start(r));
        long[] keys = new long[n], vals = new long[n];
        int k = 0;
        for (int r = 0; r < d.runCount(); r++) {
            long v = d.value(r);
            if (TableEntry.kind(v) != TableEntry.KIND_SOURCE) continue;
            for (long p = d.start(r); p < d.runEnd(r); p++) {
                long s = TableEntry.advance(v, p - d.start(r));
                keys[k] = p;
                vals[k++] = TableEntry.make(TableEntry.KIND_DELTA, TableEntry.pack(s), TableEntry.base(s));
            }
        }
        return m.pages().overlay(keys, vals, k, m.pages().end());
    }

    // ------------------------------------------------------------------------------------------- description

    public CheckpointInfo info() {
        return manifest.info();
    }

    /** The repository this checkpoint belongs to. */
    public Repository repository() {
        return repo;
    }

    public String id() {
        return manifest.info().id();
    }

    /** The machine configuration saved with the checkpoint, sorted by key. */
    public Map<String, String> config() {
        return manifest.config();
    }

    /**
     * How {@code machine} differs from the saved configuration, one line per differing key (empty if they
     * match): the restore side refuses to restore onto a machine with differences.
     */
    public List<String> configDifferences(Map<String, String> machine) {
        List<String> out = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(manifest.config().keySet());
        keys.addAll(machine.keySet());
        for (String k : keys) {
            String saved = manifest.config().get(k);
            String now = machine.get(k);
            if (!Objects.equals(saved, now)) {
                out.add(k + ": checkpoint has " + (saved == null ? "(none)" : "'" + saved + "'")
                        + ", machine has " + (now == null ? "(none)" : "'" + now + "'"));
            }
        }
        return out;
    }

    /** The state records by name, in the order they were put. */
    public Map<String, StateRecord> records() {
        return manifest.records();
    }

    /** The record named {@code name}, or {@code null}. */
    public StateRecord record(String name) {
        return manifest.records().get(name);
    }

    // ------------------------------------------------------------------------------------------- page table

    public int pageCount() {
        return manifest.info().pageCount();
    }

    /** ZERO, FREE, DISK_BLOCK, SOURCE, SOURCE_DELTA or DATA. */
    public PageKind pageKind(int index) {
        return TableEntry.pageKind(view.valueAt(checkPage(index)));
    }

    /** For a DISK_BLOCK page, the base image block it equals; otherwise -1. */
    public long pageDiskBlock(int index) {
        long v = view.valueAt(checkPage(index));
        return TableEntry.kind(v) == TableEntry.KIND_DISK_BLOCK ? TableEntry.base(v) : -1;
    }

    /** For a SOURCE or SOURCE_DELTA page, the source number it refers to; otherwise -1. */
    public int pageSource(int index) {
        long v = view.valueAt(checkPage(index));
        return TableEntry.kind(v) == TableEntry.KIND_SOURCE || TableEntry.kind(v) == TableEntry.KIND_DELTA ? TableEntry.pack(v) : -1;
    }

    /** For a SOURCE or SOURCE_DELTA page, the 512-byte sector of its source where the page's bytes start; otherwise -1. */
    public long pageSourceSector(int index) {
        long v = view.valueAt(checkPage(index));
        return TableEntry.kind(v) == TableEntry.KIND_SOURCE || TableEntry.kind(v) == TableEntry.KIND_DELTA ? TableEntry.base(v) : -1;
    }

    /** The page table as runs of one kind, covering 0..pageCount-1 in order. */
    public List<Extent> pageExtents() {
        return extents(view);
    }

    /**
     * Reads page {@code index}: for DATA fills {@code dst} (4096 bytes) from its pack, checking the frame's
     * CRC; for ZERO and FREE fills it with zeros; for DISK_BLOCK leaves it untouched (read block
     * {@link #pageDiskBlock} of the disk's base image); for SOURCE_DELTA fills it with the stored XOR (XOR it with the
     * source's page: the caller holds the boot files). Returns the kind.
     *
     * @throws CheckpointFormatException if a pack is missing or damaged
     */
    public PageKind readPage(int index, byte[] dst) throws IOException {
        checkDst(dst);
        checkPage(index);
        // The packs are opened before the entry is taken: opening them may take a compacted manifest's tables.
        if (packs == null && TableEntry.kind(manifest.pages().valueAt(index)) == TableEntry.KIND_DATA) ensureOpen();
        Manifest m = manifest;
        long v = m.pages().valueAt(index);
        PageKind kind = readValue(v, dst);
        RunTable vw = view;
        return kind == PageKind.DATA && vw != m.pages() ? TableEntry.pageKind(vw.valueAt(index)) : kind;
    }

    private int checkPage(int index) {
        if (index < 0 || index >= pageCount()) {
            throw new IndexOutOfBoundsException("page " + index + " outside 0.." + (pageCount() - 1));
        }
        return index;
    }

    // ------------------------------------------------------------------------------------------- disk overlay

    /** ZERO or DATA for a block in the disk overlay; {@code null} for a block that is as in the base image. */
    public PageKind diskBlockKind(long block) {
        return TableEntry.pageKind(manifest.disk().valueAt(block));
    }

    /** The overlay's blocks as runs of one kind (ZERO or DATA), in block order; blocks not listed are as in the base image. */
    public List<Extent> diskExtents() {
        return extents(manifest.disk());
    }

    /**
     * Reads overlay block {@code block} into {@code dst}: DATA from its pack, ZERO as zeros. Returns the kind,
     * or {@code null} (leaving {@code dst} untouched) if the block is not in the overlay.
     */
    public PageKind readDiskBlock(long block, byte[] dst) throws IOException {
        checkDst(dst);
        if (packs == null && TableEntry.kind(manifest.disk().valueAt(block)) == TableEntry.KIND_DATA) ensureOpen();
        long v = manifest.disk().valueAt(block);
        if (TableEntry.kind(v) == TableEntry.KIND_ABSENT) return null;
        return readValue(v, dst);
    }

    private static List<Extent> extents(RunTable t) {
        List<Extent> out = new ArrayList<>(t.runCount());
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            if (TableEntry.kind(v) == TableEntry.KIND_ABSENT) continue;
            int kind = TableEntry.kind(v);
            long block = kind == TableEntry.KIND_DISK_BLOCK || kind == TableEntry.KIND_SOURCE || kind == TableEntry.KIND_DELTA ? TableEntry.base(v) : -1;
            int source = kind == TableEntry.KIND_SOURCE || kind == TableEntry.KIND_DELTA ? TableEntry.pack(v) : -1;
            out.add(new Extent(t.start(r), t.runEnd(r) - t.start(r), TableEntry.pageKind(v), block, source));
        }
        return out;
    }

    private static void checkDst(byte[] dst) {
        if (dst.length != PackFormat.UNIT_SIZE) throw new IllegalArgumentException("buffer must be 4096 bytes, not " + dst.length);
    }

    // ------------------------------------------------------------------------------------------- pack data

    private PageKind readValue(long v, byte[] dst) throws IOException {
        PageKind kind = TableEntry.pageKind(v);
        switch (kind) {
            case ZERO, FREE -> Arrays.fill(dst, (byte) 0);
            case DATA -> readUnit(TableEntry.pack(v), TableEntry.base(v), dst);
            default -> { }
        }
        return kind;
    }

    private synchronized void readUnit(int packIndex, long unit, byte[] dst) throws IOException {
        if (closed) throw new IllegalStateException("checkpoint " + id() + " is closed");
        if (packs == null) openPacks();
        PackReader p = packs[packIndex];
        int frame = (int) (unit / p.unitsPerFrame());
        int slot = (int) (unit % p.unitsPerFrame());
        long key = FrameCache.key(packIndex, frame);
        byte[] decoded = cache.get(key);
        if (decoded == null) {
            decoded = p.readFrame(frame, zstd);
            framesDecoded++;
            cache.put(key, decoded);
        }
        System.arraycopy(decoded, slot * PackFormat.UNIT_SIZE, dst, 0, PackFormat.UNIT_SIZE);
    }

    private synchronized void ensureOpen() throws IOException {
        if (closed) throw new IllegalStateException("checkpoint " + id() + " is closed");
        if (packs == null) openPacks();
    }

    /**
     * Opens every pack the manifest names. If one is missing and the checkpoint's manifest file now names other packs
     * (a compaction moved its units after this checkpoint was opened), takes that manifest and opens its packs.
     */
    private void openPacks() throws IOException {
        PackReader[] opened;
        try {
            opened = openPacksOf(manifest);
        } catch (CheckpointFormatException e) {
            Manifest now;
            try {
                now = repo.readManifest(id());
            } catch (IOException | RuntimeException again) {
                throw e;
            }
            if (now.packs().equals(manifest.packs())) throw e;
            opened = openPacksOf(now);
            // Before the packs are published: a reader that sees them takes this manifest's entries.
            view = withDeltas(now);
            manifest = now;
        }
        zstd = new ZstdDecompressCtx();
        packs = opened;
    }

    private PackReader[] openPacksOf(Manifest manifest) throws IOException {
        List<Manifest.PackRef> refs = manifest.packs();
        PackReader[] opened = new PackReader[refs.size()];
        try {
            for (int i = 0; i < opened.length; i++) {
                Manifest.PackRef r = refs.get(i);
                opened[i] = PackReader.open(repo.packPath(r.id()), r.id(), r.unitCount(), repo.key());
            }
        } catch (IOException | RuntimeException e) {
            for (PackReader p : opened) if (p != null) closeQuietly(p);
            throw e;
        }
        return opened;
    }

    /**
     * Checks the header and CRC of every frame that holds one of this checkpoint's pages or disk blocks (not
     * the other frames of its packs), without decompressing: what a lazy restore does before the guest runs,
     * so a damaged frame refuses the restore instead of stopping the guest later.
     *
     * @throws CheckpointFormatException naming the pack and frame of the first damage found
     */
    public synchronized void checkReferencedFrames() throws IOException {
        if (closed) throw new IllegalStateException("checkpoint " + id() + " is closed");
        if (packs == null) openPacks();
        java.util.BitSet[] frames = new java.util.BitSet[packs.length];
        for (RunTable t : List.of(manifest.pages(), manifest.disk())) {
            for (int r = 0; r < t.runCount(); r++) {
                long v = t.value(r);
                if (TableEntry.kind(v) != TableEntry.KIND_DATA) continue;
                int pack = TableEntry.pack(v);
                if (pack < 0 || pack >= packs.length) throw new CheckpointFormatException(repo.dir(), "checkpoint " + id() + " refers to pack " + pack + " of " + packs.length);
                long first = TableEntry.base(v), last = first + (t.runEnd(r) - t.start(r)) - 1;
                long perFrame = packs[pack].unitsPerFrame();
                if (frames[pack] == null) frames[pack] = new java.util.BitSet();
                frames[pack].set((int) (first / perFrame), (int) Math.min(packs[pack].frameCount(), last / perFrame + 1));
            }
        }
        // Runs of up to 16 consecutive frames per read, into one buffer: no garbage per frame for the collector to
        // meet while a lazy restore's loaders fill guest memory.
        byte[] scratch = new byte[0];
        for (int p = 0; p < packs.length; p++) {
            if (frames[p] == null) continue;
            for (int f = frames[p].nextSetBit(0); f >= 0; ) {
                int end = Math.min(frames[p].nextClearBit(f), f + 16);
                scratch = packs[p].checkFrames(f, end - f, scratch);
                f = frames[p].nextSetBit(end);
            }
        }
    }

    /**
     * The frames that hold this checkpoint's DATA pages, in batches of at most {@code maxFrames} consecutive
     * frames of one pack, ordered by each batch's lowest page: every DATA page is in exactly one batch. Read them
     * with {@link #openBatchReader}, one reader per thread. Opens the packs if needed.
     *
     * @throws CheckpointFormatException if the page table refers to a frame its pack does not have
     */
    public synchronized List<FrameBatch> dataBatches(int maxFrames) throws IOException {
        if (maxFrames < 1) throw new IllegalArgumentException("maxFrames must be at least 1");
        if (closed) throw new IllegalStateException("checkpoint " + id() + " is closed");
        if (packs == null) openPacks();
        // A boot-file delta page is not in a batch: it is read with the reference pages (it needs the file). The
        // manifest's own table lists it as DATA (its stored XOR); the view as SOURCE.
        RunTable t = view;
        List<long[]> segments = new ArrayList<>(); // pack, frame, slot, page, count
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            if (TableEntry.kind(v) != TableEntry.KIND_DATA) continue;
            int pack = TableEntry.pack(v);
            if (pack < 0 || pack >= packs.length) throw new CheckpointFormatException(repo.dir(), "checkpoint " + id() + " refers to pack " + pack + " of " + packs.length);
            PackReader p = packs[pack];
            long unit = TableEntry.base(v), page = t.start(r), left = t.runEnd(r) - t.start(r);
            while (left > 0) {
                long frame = unit / p.unitsPerFrame();
                int slot = (int) (unit % p.unitsPerFrame());
                if (frame >= p.frameCount() || slot >= p.frameUnits((int) frame)) {
                    throw new CheckpointFormatException(p.path(), "checkpoint " + id() + " refers to unit " + unit + " of a pack holding " + p.unitCount());
                }
                int n = (int) Math.min(left, p.unitsPerFrame() - slot);
                segments.add(new long[] {pack, frame, slot, page, n});
                unit += n;
                page += n;
                left -= n;
            }
        }
        segments.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : a[1] != b[1] ? Long.compare(a[1], b[1]) : Long.compare(a[2], b[2]));
        List<FrameBatch> out = new ArrayList<>();
        int i = 0;
        while (i < segments.size()) {
            long[] first = segments.get(i);
            int pack = (int) first[0], firstFrame = (int) first[1], lastFrame = firstFrame;
            int upf = packs[pack].unitsPerFrame();
            // The batch's segments as (page, unit among its frames, count) triples, straight into an int array.
            int[] seg = new int[3 * 8];
            int n = 0;
            while (i < segments.size()) {
                long[] s = segments.get(i);
                int frame = (int) s[1];
                if (s[0] != pack || frame > lastFrame + 1 || frame - firstFrame >= maxFrames) break;
                lastFrame = frame;
                if (n + 3 > seg.length) seg = java.util.Arrays.copyOf(seg, seg.length * 2);
                seg[n++] = (int) s[3];
                seg[n++] = (frame - firstFrame) * upf + (int) s[2];
                seg[n++] = (int) s[4];
                i++;
            }
            out.add(new FrameBatch(pack, firstFrame, lastFrame - firstFrame + 1, java.util.Arrays.copyOf(seg, n)));
        }
        out.sort(FrameBatch.BY_FIRST_PAGE);
        return out;
    }

    /** A reader of {@link #dataBatches} for one thread (its own decompressor and buffers). Opens the packs if needed. */
    public BatchReader openBatchReader() throws IOException {
        return openBatchReader(false);
    }

    /**
     * As {@link #openBatchReader()}, reading into direct buffers or heap arrays as asked: tests, and an eager restore
     * whose collector may be locked out ({@code OldGenerationWindow}), as direct buffers need no JNI critical region.
     */
    public synchronized BatchReader openBatchReader(boolean direct) throws IOException {
        if (closed) throw new IllegalStateException("checkpoint " + id() + " is closed");
        if (packs == null) openPacks();
        return new BatchReader(packs, direct);
    }

    /** The decoded manifest (tests). */
    Manifest manifestForTests() {
        return manifest;
    }

    /** Frames decompressed so far (for tests of the cache). */
    synchronized long framesDecoded() {
        return framesDecoded;
    }

    /**
     * The guest's working set recorded at checkpoint time (the pages it wrote in its last epoch; empty for a
     * checkpoint that has none, e.g. one written by an older vmckpt): a lazy restore prefetches these first.
     */
    public java.util.BitSet workingSet() throws CheckpointFormatException {
        return (java.util.BitSet) manifest.workingSet().clone();
    }

    /**
     * The pages the guest wrote first after this checkpoint's freeze, in that order (manifest version 5; empty for
     * older checkpoints and for a guest that did not run while it was saved): a lazy restore fetches them first.
     */
    public int[] writeOrder() throws CheckpointFormatException {
        return manifest.writeOrder().clone();
    }

    // ------------------------------------------------------------------------------------------- verify

    /**
     * Reads every frame of every pack this checkpoint uses: checks the packs' headers, indexes and unit counts,
     * each frame's CRC, and that it decodes to its declared size. Problems are collected, not thrown.
     */
    public VerifyReport verify(ProgressListener progress) throws IOException {
        List<String> problems = new ArrayList<>();
        try {
            manifest.decodeFirstTouches(); // opening the checkpoint left them undecoded
        } catch (CheckpointFormatException e) {
            problems.add(e.getMessage());
        }
        List<PackReader> readers = new ArrayList<>();
        long frames = 0;
        long bytes = 0;
        try (ZstdDecompressCtx z = new ZstdDecompressCtx()) {
            for (Manifest.PackRef r : manifest.packs()) {
                try {
                    readers.add(PackReader.open(repo.packPath(r.id()), r.id(), r.unitCount(), repo.key()));
                } catch (CheckpointFormatException e) {
                    problems.add(e.getMessage());
                }
            }
            long total = 0;
            for (PackReader p : readers) total += p.frameCount();
            long done = 0;
            for (PackReader p : readers) {
                for (int f = 0; f < p.frameCount(); f++) {
                    try {
                        p.readFrame(f, z); // with the key: authenticated and decoded; a plain frame: decoded
                        frames++;
                        bytes += p.frameExtent(f);
                    } catch (CheckpointFormatException e) {
                        problems.add(e.getMessage());
                    }
                    progress.progress("verify", ++done, total);
                }
            }
        } finally {
            for (PackReader p : readers) closeQuietly(p);
        }
        return new VerifyReport(id(), manifest.packs().size(), frames, bytes, problems);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (packs != null) for (PackReader p : packs) closeQuietly(p);
        if (zstd != null) zstd.close();
        cache.clear();
    }

    private static void closeQuietly(PackReader p) {
        try {
            p.close();
        } catch (IOException ignored) {
            // read-only file
        }
    }
}
