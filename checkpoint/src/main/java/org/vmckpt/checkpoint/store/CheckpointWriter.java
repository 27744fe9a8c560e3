package org.vmckpt.checkpoint.store;


import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Writes one checkpoint. Obtain it from {@link Repository#begin}, put everything, then {@link #commit} (or
 * {@link #abort}). Nothing becomes visible in the repository before the commit, and a crash at any moment
 * leaves either the whole checkpoint or no trace of it.
 *
 * <h2>What to put</h2>
 * <ul>
 *   <li>State records: {@link #putRecord} for each record.</li>
 *   <li>Every guest page, in any order (index order is what makes the pack follow memory order): its
 *       contents with {@link #putPage}, or its kind with {@link #putPageKind}. A page that is never put is
 *       ZERO in a full checkpoint and INHERITED in an incremental one.</li>
 *   <li>Disk overlay blocks: {@link #putDiskBlock} or {@link #putDiskBlockKind}. In a full checkpoint the
 *       overlay is exactly the blocks put; in an incremental one, blocks not put keep the parent's entry.</li>
 *   <li>Timings with {@link #setStat} (for example {@link Stats#PAUSE_NS}); counts and sizes are computed.</li>
 * </ul>
 * Each page and each block may be put once.
 *
 * <h2>Threads and speed</h2>
 * All methods are thread-safe (synchronized), so a saver thread may put pages while another thread puts disk
 * blocks. {@link #putPage} only records a reference to the array: a small pool of background threads
 * copies, compresses (64 pages per frame) and checksums it, and frames are written in order. The array
 * must therefore not change until {@link #commit} or {@link #abort} returns; the pages of a
 * machine's frozen memory view never change, so pass them as they are. Kinds cost a
 * table entry each: a 1 GiB guest of mostly zero pages is written in milliseconds.
 *
 * <h2>Errors</h2>
 * An {@link IOException} from a put (disk full, for example) or from commit leaves the writer failed: later
 * calls throw too, and {@link #abort} (or {@link #close}) removes its files. Earlier checkpoints are never
 * affected. Wrong use (a page index out of range, a page put twice, a wrong array size) throws
 * {@link IllegalArgumentException}.
 */
public final class CheckpointWriter implements AutoCloseable {
    /** Table value of a page or block that was not put. */
    private static final long UNSET = TableEntry.make(15, 0, 0);
    /**
     * Pack index of this writer's own pack while writing: after the parent's packs, whose indices stay as they are, so
     * the parent's tables are overlaid as they are (until round 64 the new pack was 0 and the writer shifted a copy of
     * each parent table by one pack first). {@link #buildManifest} renumbers: this writer's pack first, then the
     * parent's in their order.
     */
    private final int newPack;
    private static final int UNITS_PER_FRAME = PackFormat.UNITS_PER_FRAME;

    private enum State { OPEN, FAILED, COMMITTED, ABORTED }

    private record PendingFrame(CompletableFuture<FrameSlot> future) {
    }

    private final Repository repo;
    private final String id;
    private final CheckpointMeta meta;
    private final Instant created = Instant.now();
    private final long beganNanos = System.nanoTime();
    private final Manifest parent;
    private final RunTable parentPages;
    private final RunTable parentDisk;
    /** The parent's boot-file deltas (pages it inherits keep theirs), and this writer's, by page. */
    private final RunTable parentDeltas;
    private final TreeMap<Integer, Long> deltaPuts = new TreeMap<>();
    private final Codec codec;
    private final int level;
    private final int compressThreads;
    private final Workspace workspace;

    private final long[] pages;
    private final BitSet pagesPut;
    private final HashMap<Long, Long> diskPuts = new HashMap<>();
    private final LinkedHashMap<String, StateRecord> records = new LinkedHashMap<>();
    private final TreeMap<String, Long> stats = new TreeMap<>();
    /** Pages a lazy restore should fetch first (see {@link #setWorkingSet}); empty if none was given. */
    private BitSet workingSet = new BitSet();
    /** Whether {@link #workingSet} was taken from {@code repo.reuse} (then given back when the writer is done). */
    private boolean workingSetTaken;
    /** Pages a lazy restore should fetch before the working set, in order (see {@link #setWriteOrder}). */
    private int[] writeOrder = new int[0];

    private final byte[] packId = Ids.newPackId();
    private final String packIdHex = Ids.hex(packId);
    private PackWriter pack;
    private FrameCompressor compressor;
    /** The frame being filled (null: none yet, or the last one was submitted). */
    private FrameSlot frame;
    /** Where frame slots come from and go back once written (null: reuse off, a new slot per frame). */
    private final FrameSlots frameSlots;
    private long units;
    private final ArrayDeque<PendingFrame> inFlight = new ArrayDeque<>();
    private final int maxInFlight;
    private long framesSubmitted;
    private long framesWritten;

    private State state = State.OPEN;
    /** The manifest this writer published ({@link #committedInfo}), once committed. */
    private Manifest committed;
    private IOException failure;
    private boolean cleanedUp;
    /** After an abort: whether the compressors' threads have ended (none were started: true). */
    private boolean compressorStopped = true;

    /**
     * The parent's manifest was read before a compaction that moved some of its units ({@link Repository#compact}):
     * its packs are not all there any more; {@link Repository#begin} reads it again.
     */
    static final class ParentMovedException extends IOException {
        ParentMovedException(String message) {
            super(message);
        }
    }

    /** Whether this writer holds its parent pinned ({@link Repository#pinParent}): until it commits or aborts. */
    private boolean parentPinned;

    /**
     * @param parentGeneration {@link Repository#compactionCount} when the parent's manifest was taken: if a compaction
     *                         ran since, the parent's packs are checked under the lock before it is pinned
     */
    CheckpointWriter(Repository repo, CheckpointMeta meta, Codec codec, int level, Manifest parent, long parentGeneration,
                     int compressThreads) throws IOException {
        this.repo = repo;
        this.meta = Objects.requireNonNull(meta, "meta");
        this.codec = Objects.requireNonNull(codec, "codec");
        if (codec == Codec.ZSTD && (level < Codec.MIN_ZSTD_LEVEL || level > Codec.MAX_ZSTD_LEVEL)) {
            throw new IllegalArgumentException("zstd level " + level + " outside " + Codec.MIN_ZSTD_LEVEL + ".." + Codec.MAX_ZSTD_LEVEL);
        }
        this.level = level;
        this.parent = parent;
        if (parent != null) {
            if (parent.info().pageCount() != meta.pageCount()) {
                throw new IllegalArgumentException("parent " + parent.info().id() + " has " + parent.info().pageCount()
                        + " pages, this checkpoint " + meta.pageCount());
            }
            if (parent.packs().size() >= TableEntry.MAX_PACK_INDEX - 1) {
                throw new IllegalArgumentException("parent " + parent.info().id() + " uses " + parent.packs().size() + " packs");
            }
            this.newPack = parent.packs().size();
            this.parentPages = parent.pages();
            this.parentDisk = parent.disk();
            this.parentDeltas = parent.deltas();
        } else {
            this.newPack = 0;
            this.parentPages = RunTable.uniform(meta.pageCount(), TableEntry.ZERO);
            this.parentDisk = RunTable.EMPTY;
            this.parentDeltas = RunTable.EMPTY;
        }
        this.compressThreads = compressThreads;
        this.maxInFlight = 2 * compressThreads + 2;
        this.frameSlots = repo.reuse.frameSlots();
        this.pages = repo.reuse.takeTable(meta.pageCount());
        Arrays.fill(pages, UNSET);
        this.pagesPut = repo.reuse.takeBitmap(meta.pageCount());
        this.id = Ids.newCheckpointId();
        try (RepositoryLock l = repo.lock()) {
            if (parent != null) {
                if (parentGeneration != repo.compactionCount()) {
                    for (Manifest.PackRef p : parent.packs()) {
                        if (!Files.exists(repo.packPath(p.id()))) {
                            throw new ParentMovedException("pack " + p.id() + " of parent " + parent.info().id() + " was compacted away");
                        }
                    }
                }
                // Under the lock: a compaction either ran before (and the check above saw its result) or sees the pin.
                repo.pinParent(parent);
                parentPinned = true;
            }
            try {
                this.workspace = Workspace.create(repo.tmpDir());
            } catch (IOException | RuntimeException e) {
                unpinParent();
                throw e;
            }
        }
    }

    private void unpinParent() {
        if (parentPinned) {
            parentPinned = false;
            repo.unpinParent(parent);
        }
    }

    /** The id this checkpoint will have once committed. */
    public String id() {
        return id;
    }

    public int pageCount() {
        return pages.length;
    }

    // ------------------------------------------------------------------------------------------- records and stats

    /** Stores a state record. Names are unique within a checkpoint. The payload is copied. */
    public synchronized void putRecord(String name, int version, byte[] payload) throws IOException {
        checkOpen();
        StateRecord r = new StateRecord(name, version, payload);
        if (records.containsKey(name)) throw new IllegalArgumentException("record '" + name + "' was already put");
        records.put(name, r);
    }

    /** Stores a state record (as {@code StateRecords.save} makes them). Names are unique within a checkpoint. */
    public synchronized void putRecord(StateRecord r) throws IOException {
        checkOpen();
        if (records.containsKey(r.name())) throw new IllegalArgumentException("record '" + r.name() + "' was already put");
        records.put(r.name(), r);
    }

    /** Stores a statistic (a timing, usually). The counts and sizes of {@link Stats} are computed, not set. */
    public synchronized void setStat(String key, long value) throws IOException {
        checkOpen();
        Objects.requireNonNull(key, "key");
        if (key.isEmpty() || key.length() > 200) throw new IllegalArgumentException("stat key must have 1..200 characters");
        if (Stats.COMPUTED.contains(key)) throw new IllegalArgumentException("stat '" + key + "' is computed by the writer");
        stats.put(key, value);
    }

    /**
     * Records the guest's working set: the pages a lazy restore of this checkpoint fetches before the others
     * (the engine gives the pages written in the epoch that ended at this checkpoint). Pages outside the
     * checkpoint's range are ignored. Stored in the manifest (version 4); optional.
     */
    public synchronized void setWorkingSet(BitSet pagesFirst) throws IOException {
        checkOpen();
        BitSet ws = (BitSet) pagesFirst.clone();
        if (ws.length() > pages.length) ws.clear(pages.length, ws.length());
        workingSet = ws;
    }

    /**
     * {@link #setWorkingSet(BitSet)} from a bitmap's words (64 pages a word, as {@code FrozenMemory.writtenBitmap}):
     * read at once, not kept; built in a bitmap a writer before gave back (no copy of the words, no clone: round 66).
     */
    public synchronized void setWorkingSet(long[] words) throws IOException {
        checkOpen();
        BitSet ws = repo.reuse.takeBitmap(pages.length);
        for (int w = 0; w < words.length; w++) {
            long bits = words[w];
            while (bits != 0) {
                int page = (w << 6) + Long.numberOfTrailingZeros(bits);
                if (page >= pages.length) break;
                ws.set(page);
                bits &= bits - 1;
            }
        }
        if (workingSetTaken) repo.reuse.giveBitmap(workingSet);
        workingSet = ws;
        workingSetTaken = true;
    }

    /**
     * Records the order in which the guest wrote pages first after this checkpoint's freeze (the engine gives it
     * just before committing): a lazy restore fetches them first, in that order. Pages outside the checkpoint's
     * range and repeats are dropped. Stored in the manifest (version 5); optional. The array is kept as given when
     * nothing is dropped: it must not change afterwards.
     */
    public synchronized void setWriteOrder(int[] pagesInOrder) throws IOException {
        checkOpen();
        // The engine's order has each page once, in range: kept as given (it made the array for this writer); only one
        // that must drop pages is copied (round 66: no copy, no kept array and no trimmed copy for every checkpoint).
        BitSet seen = repo.reuse.takeBitmap(pages.length);
        int n = 0;
        int[] kept = pagesInOrder;
        for (int i = 0; i < pagesInOrder.length; i++) {
            int p = pagesInOrder[i];
            if (p < 0 || p >= pages.length || seen.get(p)) {
                if (kept == pagesInOrder) kept = java.util.Arrays.copyOf(pagesInOrder, pagesInOrder.length); // [0..i-1] kept
                continue;
            }
            seen.set(p);
            if (kept != pagesInOrder) kept[n] = p;
            n++;
        }
        repo.reuse.giveBitmap(seen);
        writeOrder = kept == pagesInOrder ? pagesInOrder : java.util.Arrays.copyOf(kept, n);
    }

    // ------------------------------------------------------------------------------------------- pages

    /**
     * Stores page {@code index} as DATA: its 4096 bytes. The array is read later, on a background thread:
     * it must not change until {@link #commit} or {@link #abort} returns.
     */
    public synchronized void putPage(int index, byte[] data) throws IOException {
        checkOpen();
        checkUnit(data);
        markPage(index);
        pages[index] = TableEntry.data(newPack, addUnit(data));
    }

    /**
     * Stores page {@code index} as ZERO, FREE, DISK_BLOCK (equal to block {@code diskBlock} of the disk's
     * base image) or INHERITED (incremental only: as in the parent). {@code diskBlock} is ignored for the
     * other kinds. DATA pages go through {@link #putPage}.
     */
    public synchronized void putPageKind(int index, PageKind kind, long diskBlock) throws IOException {
        checkOpen();
        Objects.requireNonNull(kind, "kind");
        long v = switch (kind) {
            case ZERO -> TableEntry.ZERO;
            case FREE -> TableEntry.FREE;
            case DISK_BLOCK -> {
                if (diskBlock < 0 || diskBlock >= TableEntry.MAX_BASE - 1) {
                    throw new IllegalArgumentException("disk block " + diskBlock + " out of range");
                }
                yield TableEntry.diskBlock(diskBlock);
            }
            case INHERITED -> {
                if (parent == null) requireParent("page " + index); // the message only when it fails (no String a put)
                yield UNSET;
            }
            case DATA -> throw new IllegalArgumentException("DATA pages are put with putPage");
            case SOURCE -> throw new IllegalArgumentException("SOURCE pages are put with putPageSource");
            case SOURCE_DELTA -> throw new IllegalArgumentException("SOURCE_DELTA pages are put with putPageDelta");
        };
        markPage(index);
        pages[index] = v;
    }

    /**
     * Stores page {@code index} as SOURCE_DELTA: its XOR with the 4096 bytes of source {@code source} at sector
     * {@code sector} is {@code xor}, stored as a DATA unit (mostly zeros, it compresses to little), the reference in
     * the manifest's boot-file delta section (version 6). The array is read later, as {@link #putPage}'s.
     */
    public synchronized void putPageDelta(int index, byte[] xor, int source, long sector) throws IOException {
        checkOpen();
        checkUnit(xor);
        if (source < 0 || source >= TableEntry.MAX_SOURCE) throw new IllegalArgumentException("source " + source + " out of range");
        if (sector < 0 || sector > TableEntry.MAX_BASE - 1 - TableEntry.SOURCE_SECTORS_PER_PAGE) {
            throw new IllegalArgumentException("sector " + sector + " out of range");
        }
        markPage(index);
        pages[index] = TableEntry.data(newPack, addUnit(xor));
        deltaPuts.put(index, TableEntry.source(source, sector));
    }

    /**
     * Stores page {@code index} as SOURCE: equal to the 4096 bytes of source {@code source} (a number the
     * capture side defines; docs/FORMAT.md) starting at 512-byte sector {@code sector}.
     */
    public synchronized void putPageSource(int index, int source, long sector) throws IOException {
        checkOpen();
        if (source < 0 || source >= TableEntry.MAX_SOURCE) throw new IllegalArgumentException("source " + source + " out of range");
        if (sector < 0 || sector > TableEntry.MAX_BASE - 1 - TableEntry.SOURCE_SECTORS_PER_PAGE) {
            throw new IllegalArgumentException("sector " + sector + " out of range");
        }
        markPage(index);
        pages[index] = TableEntry.source(source, sector);
    }

    /**
     * Stores pages {@code start..end-1} as ZERO, FREE or INHERITED in one call: a checkpoint of a large,
     * mostly idle guest puts hundreds of thousands of such pages, and one synchronized call each costs more
     * than the rest of the save.
     */
    public synchronized void putPageKindRange(int start, int end, PageKind kind) throws IOException {
        checkOpen();
        Objects.requireNonNull(kind, "kind");
        if (start < 0 || end > pages.length || start > end) {
            throw new IllegalArgumentException("pages " + start + ".." + end + " outside 0.." + pages.length);
        }
        long v = switch (kind) {
            case ZERO -> TableEntry.ZERO;
            case FREE -> TableEntry.FREE;
            case INHERITED -> {
                if (parent == null) requireParent("pages " + start + ".." + end); // the message only when it fails
                yield UNSET;
            }
            default -> throw new IllegalArgumentException(kind + " pages cannot be put as a range");
        };
        int already = pagesPut.nextSetBit(start);
        if (already >= 0 && already < end) throw new IllegalArgumentException("page " + already + " was already put");
        pagesPut.set(start, end);
        java.util.Arrays.fill(pages, start, end, v);
    }

    /** {@link #putPageKind(int, PageKind, long)} for the kinds without a disk block. */
    public void putPageKind(int index, PageKind kind) throws IOException {
        if (kind == PageKind.DISK_BLOCK) throw new IllegalArgumentException("DISK_BLOCK needs the block number");
        putPageKind(index, kind, 0);
    }

    private void markPage(int index) {
        if (index < 0 || index >= pages.length) {
            throw new IllegalArgumentException("page " + index + " outside 0.." + (pages.length - 1));
        }
        if (pagesPut.get(index)) throw new IllegalArgumentException("page " + index + " was already put");
        pagesPut.set(index);
    }

    // ------------------------------------------------------------------------------------------- disk overlay

    /** Stores overlay block {@code block} as DATA. Same rule as {@link #putPage}: do not change the array. */
    public synchronized void putDiskBlock(long block, byte[] data) throws IOException {
        checkOpen();
        checkUnit(data);
        markBlock(block);
        diskPuts.put(block, TableEntry.data(newPack, addUnit(data)));
    }

    /** Stores overlay block {@code block} as ZERO, or INHERITED (incremental only: as in the parent). */
    public synchronized void putDiskBlockKind(long block, PageKind kind) throws IOException {
        checkOpen();
        Objects.requireNonNull(kind, "kind");
        long v;
        if (kind == PageKind.ZERO) {
            v = TableEntry.ZERO;
        } else if (kind == PageKind.INHERITED) {
            if (parent == null) requireParent("disk block " + block);
            v = UNSET;
        } else {
            throw new IllegalArgumentException("disk blocks are DATA (putDiskBlock), ZERO or INHERITED, not " + kind);
        }
        markBlock(block);
        diskPuts.put(block, v);
    }

    private void markBlock(long block) {
        if (block < 0 || block >= TableEntry.MAX_BASE - 1) throw new IllegalArgumentException("disk block " + block + " out of range");
        if (diskPuts.containsKey(block)) throw new IllegalArgumentException("disk block " + block + " was already put");
    }

    private void requireParent(String what) {
        if (parent == null) throw new IllegalArgumentException(what + ": INHERITED needs a parent (this is a full checkpoint)");
    }

    private static void checkUnit(byte[] data) {
        Objects.requireNonNull(data, "data");
        if (data.length != PackFormat.UNIT_SIZE) {
            throw new IllegalArgumentException("pages and blocks are " + PackFormat.UNIT_SIZE + " bytes, not " + data.length);
        }
    }

    // ------------------------------------------------------------------------------------------- the pack pipeline

    /** Queues one 4 KiB unit for this writer's pack and returns its unit number. */
    private long addUnit(byte[] data) throws IOException {
        try {
            if (pack == null) {
                RepositoryKey key = repo.keyForWriting();
                compressor = new FrameCompressor(codec, level, compressThreads, key, packId, repo.reuse.encoderBuffers());
                pack = new PackWriter(repo.files(), workspace.dir().resolve(PackFormat.fileName(packIdHex)), packId,
                        key == null ? PackFormat.PLAIN_VERSION : PackFormat.VERSION);
            }
            long unit = units++;
            if (frame == null) frame = frameSlots != null ? frameSlots.take() : new FrameSlot();
            frame.units[frame.count++] = data;
            if (frame.count == UNITS_PER_FRAME) submitFrame();
            return unit;
        } catch (IOException | RuntimeException e) {
            throw fail(e);
        }
    }

    private void submitFrame() throws IOException {
        frame.frameIndex = (int) framesSubmitted;
        inFlight.add(new PendingFrame(compressor.submit(frame)));
        framesSubmitted++;
        frame = null;
        writeFinishedFrames(maxInFlight, ProgressListener.NONE);
    }

    /** Writes frames in order until at most {@code keep} are in flight, and any further ones already done. */
    private void writeFinishedFrames(int keep, ProgressListener progress) throws IOException {
        while (!inFlight.isEmpty() && (inFlight.size() > keep || inFlight.peek().future().isDone())) {
            PendingFrame f = inFlight.poll();
            FrameSlot done = await(f.future());
            pack.writeFrame(done.encoded, done.encodedLength, done.count);
            if (frameSlots != null) frameSlots.give(done); // written: its buffer serves a later frame
            framesWritten++;
            progress.progress("commit", framesWritten, framesSubmitted);
        }
    }

    private static FrameSlot await(CompletableFuture<FrameSlot> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for frame compression");
        } catch (ExecutionException e) {
            throw new IOException("compressing a frame failed: " + e.getCause(), e.getCause());
        }
    }

    // ------------------------------------------------------------------------------------------- commit, abort

    /**
     * Finishes the pack, writes the manifest and publishes both: packs are renamed into {@code packs/}, then
     * the manifest into {@code checkpoints/}, which is the commit point; files and directories are fsynced
     * first. Returns the checkpoint id. On failure nothing is visible and the writer's files are removed.
     *
     * @throws IOException for example when the disk is full, or when this incremental checkpoint's parent
     *                     was deleted and garbage-collected meanwhile (its packs are gone)
     */
    public synchronized String commit(ProgressListener progress) throws IOException {
        checkOpen();
        Objects.requireNonNull(progress, "progress");
        try {
            long packBytes = 0;
            if (pack != null) {
                if (frame != null && frame.count > 0) submitFrame();
                writeFinishedFrames(0, progress);
                packBytes = pack.finish();
            }
            if (compressor != null) compressor.close();
            Path manifestFile = workspace.dir().resolve("manifest");
            // The manifest's buffers: kept from the last commit (WriterReuse), else this commit's own.
            ManifestBuffers kept = repo.reuse.takeManifestBuffers();
            ManifestBuffers mb = kept != null ? kept : new ManifestBuffers();
            Manifest m;
            try {
                m = buildManifest(packBytes, mb);
                ByteSink bytes = ManifestCodec.encode(m, repo.keyForWriting(), mb);
                FileOps.writeDurably(repo.files(), manifestFile, bytes.array(), bytes.size());
            } finally {
                repo.reuse.giveManifestBuffers(kept);
            }
            publish(m, manifestFile);
            unpinParent();
            state = State.COMMITTED;
            committed = m;
            repo.reuse.committed(m, parent);
        } catch (IOException | RuntimeException | Error e) {
            fail(e);
            abort();
            throw e;
        }
        repo.reuse.giveTable(pages); // committed: its entries are in the manifest, and nothing reads them again
        giveBitmaps();
        try {
            workspace.release();
        } catch (IOException ignored) {
            // The checkpoint is committed; gc removes what is left in tmp/.
        }
        return id;
    }

    private void publish(Manifest m, Path manifestFile) throws IOException {
        try (RepositoryLock l = repo.lock()) {
            for (Manifest.PackRef p : m.packs()) {
                if (!p.id().equals(packIdHex) && !Files.exists(repo.packPath(p.id()))) {
                    throw new IOException("cannot commit checkpoint " + id + ": pack " + p.id() + " of its parent "
                            + parent.info().id() + " is gone (the parent was deleted and garbage-collected while this"
                            + " checkpoint was written); take a full checkpoint instead");
                }
            }
            if (Files.exists(repo.manifestPath(id))) throw new IOException("checkpoint id " + id + " is already taken");
            if (pack != null) {
                FileOps.atomicRename(pack.path(), repo.packPath(packIdHex));
                FileOps.fsyncDirectory(repo.packsDir());
            }
            FileOps.atomicRename(manifestFile, repo.manifestPath(id));
            FileOps.fsyncDirectory(repo.checkpointsDir());
            repo.rememberPacks(m);
            repo.noteRam(m.info().pageCount()); // the launcher's hint for sizing a restore's heap (LARGEST-RAM)
        }
    }

    /**
     * The committed checkpoint's description, as its manifest (which this writer built and published) says: what
     * {@code repo.open(id).info()} reads back, without reading and decoding the manifest again. Null until committed.
     */
    public synchronized CheckpointInfo committedInfo() {
        return committed == null ? null : committed.info();
    }

    /** Discards the checkpoint: stops compression and deletes the writer's files. Idempotent; never throws. */
    public synchronized void abort() {
        if (state == State.COMMITTED || cleanedUp) return;
        if (state == State.OPEN) state = State.ABORTED;
        cleanedUp = true;
        unpinParent();
        repo.reuse.parentDropped(parent);
        repo.reuse.giveTable(pages); // no put or commit reads it after this (the compressors read frames, not the table)
        giveBitmaps();
        if (compressor != null) {
            compressor.close();
            // Each finishes the frame it is on: after that no thread reads a page put here (readsNoMore).
            compressorStopped = compressor.awaitStopped(2000);
        }
        inFlight.clear();
        if (pack != null) pack.closeQuietly();
        try {
            workspace.release();
        } catch (IOException ignored) {
            // gc removes what is left in tmp/.
        }
    }

    /** Committed or aborted: the bitmaps taken from {@code repo.reuse} go back (the manifest's encoding has read them). */
    private void giveBitmaps() {
        repo.reuse.giveBitmap(pagesPut);
        if (workingSetTaken) {
            workingSetTaken = false;
            repo.reuse.giveBitmap(workingSet);
            workingSet = new BitSet();
        }
    }

    /**
     * Whether this writer reads no array it was given any more, nor will: committed (its frames are written), or aborted
     * with its compressors' threads ended. A live checkpoint's engine then recycles the frozen arrays.
     */
    public synchronized boolean readsNoMore() {
        return state == State.COMMITTED || (cleanedUp && compressorStopped);
    }

    /** Aborts unless committed. */
    @Override
    public void close() {
        abort();
    }

    private void checkOpen() throws IOException {
        switch (state) {
            case OPEN -> { }
            case FAILED -> throw new IOException("checkpoint writer " + id + " failed earlier: " + failure.getMessage(), failure);
            case COMMITTED -> throw new IllegalStateException("checkpoint " + id + " is already committed");
            case ABORTED -> throw new IllegalStateException("checkpoint " + id + " was aborted");
        }
    }

    private IOException fail(Throwable e) {
        if (state == State.OPEN) {
            state = State.FAILED;
            failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
        }
        return e instanceof IOException io ? io : new IOException(e.toString(), e);
    }

    // ------------------------------------------------------------------------------------------- the manifest

    /** The manifest; its page puts are listed in {@code mb}'s arrays (read here only: the tables are built in their own). */
    private Manifest buildManifest(long packBytes, ManifestBuffers mb) {
        int putCount = 0;
        for (long v : pages) if (v != UNSET) putCount++;
        long[] keys = mb.keys(putCount);
        long[] vals = mb.vals(putCount);
        int n = 0;
        for (int i = 0; i < pages.length; i++) {
            if (pages[i] != UNSET) {
                keys[n] = i;
                vals[n++] = pages[i];
            }
        }
        // Built once, in arrays of the exact size counted first (or a dead table's, WriterReuse): no doubling.
        RunTable pageTable = parentPages.overlay(keys, vals, n, pages.length,
                repo.reuse.takeRunBuilder(parentPages.overlayRunCount(keys, vals, n, pages.length), pages.length));
        // Every page put here replaces the parent's delta (none, unless it was put as a delta again).
        long[] deltaVals = mb.deltaVals(n);
        // Both in page order: a walk, not a boxed look-up per page put (round 66; a delta page is always a put one).
        Arrays.fill(deltaVals, 0, n, TableEntry.ABSENT);
        int at = 0;
        for (Map.Entry<Integer, Long> e : deltaPuts.entrySet()) {
            int page = e.getKey();
            while (at < n && keys[at] < page) at++;
            if (at < n && keys[at] == page) deltaVals[at] = e.getValue();
        }
        RunTable deltaTable = parentDeltas.overlay(keys, deltaVals, n, pages.length, new RunTable.Builder(parentDeltas.runCount() + 16));
        long deltaPages = 0;
        for (int r = 0; r < deltaTable.runCount(); r++) {
            if (TableEntry.kind(deltaTable.value(r)) == TableEntry.KIND_SOURCE) deltaPages += deltaTable.runEnd(r) - deltaTable.start(r);
        }

        long[] blocks = new long[diskPuts.size()];
        int m = 0;
        for (Map.Entry<Long, Long> e : diskPuts.entrySet()) if (e.getValue() != UNSET) blocks[m++] = e.getKey();
        Arrays.sort(blocks, 0, m);
        long[] blockVals = new long[m];
        for (int i = 0; i < m; i++) blockVals[i] = diskPuts.get(blocks[i]);
        long diskEnd = m == 0 ? 0 : blocks[m - 1] + 1;
        RunTable diskTable = parentDisk.overlay(blocks, blockVals, m, diskEnd, new RunTable.Builder(parentDisk.overlayRunCount(blocks, blockVals, m, diskEnd)));

        // Statistics, before pack renumbering: pack newPack is this writer's.
        TreeMap<String, Long> all = new TreeMap<>(stats);
        long[] pageKinds = countKinds(pageTable, all, Stats.PAGES_DATA_NEW, newPack);
        all.put(Stats.PAGES_ZERO, pageKinds[TableEntry.KIND_ZERO]);
        all.put(Stats.PAGES_FREE, pageKinds[TableEntry.KIND_FREE]);
        all.put(Stats.PAGES_DISK_BLOCK, pageKinds[TableEntry.KIND_DISK_BLOCK]);
        all.put(Stats.PAGES_DATA, pageKinds[TableEntry.KIND_DATA]);
        all.put(Stats.PAGES_SOURCE, pageKinds[TableEntry.KIND_SOURCE]);
        all.put(Stats.PAGES_SOURCE_DELTA, deltaPages);
        all.put(Stats.PAGES_INHERITED, parent == null ? 0 : (long) pages.length - putCount);
        long[] diskKinds = countKinds(diskTable, all, Stats.DISK_DATA_NEW, newPack);
        all.put(Stats.DISK_DATA, diskKinds[TableEntry.KIND_DATA]);
        all.put(Stats.DISK_ZERO, diskKinds[TableEntry.KIND_ZERO]);
        all.put(Stats.DISK_BLOCKS, diskKinds[TableEntry.KIND_DATA] + diskKinds[TableEntry.KIND_ZERO]);
        all.put(Stats.DISK_INHERITED, parent == null ? 0 : diskKinds[TableEntry.KIND_DATA] + diskKinds[TableEntry.KIND_ZERO] - m);
        all.put(Stats.BYTES_RAW, units * PackFormat.UNIT_SIZE);
        all.put(Stats.BYTES_PACK, packBytes);
        long recordBytes = 0;
        for (StateRecord r : records.values()) recordBytes += r.payloadLength();
        all.put(Stats.BYTES_RECORDS, recordBytes);
        all.put(Stats.WRITE_NS, System.nanoTime() - beganNanos);

        // Keep only the packs some entry uses: this writer's first, then the parent's in their order.
        int parentPacks = parent == null ? 0 : parent.packs().size();
        boolean[] used = new boolean[parentPacks + 1];
        markUsed(pageTable, used);
        markUsed(diskTable, used);
        int[] renumber = new int[parentPacks + 1];
        List<Manifest.PackRef> packs = new ArrayList<>();
        if (used[newPack]) {
            renumber[newPack] = 0;
            packs.add(new Manifest.PackRef(packIdHex, units));
        }
        for (int i = 0; i < parentPacks; i++) {
            if (!used[i]) continue;
            renumber[i] = packs.size();
            packs.add(parent.packs().get(i));
        }
        java.util.function.LongUnaryOperator remap = v ->
                TableEntry.kind(v) == TableEntry.KIND_DATA ? TableEntry.withPack(v, renumber[TableEntry.pack(v)]) : v;

        CheckpointInfo info = new CheckpointInfo(id, meta.label(), parent == null ? null : parent.info().id(), created,
                parent == null ? CheckpointKind.FULL : CheckpointKind.INCREMENTAL, meta.mode(), pages.length, all);
        // Renumbered in their own arrays (the tables were built here and nothing else holds them).
        return new Manifest(info, meta.config(), new LinkedHashMap<>(records), packs,
                pageTable.mapValuesInPlace(remap), diskTable.mapValuesInPlace(remap), workingSet, writeOrder, deltaTable);
    }

    /** Keys per kind over a table; also stores under {@code newKey} the DATA keys in this writer's pack. */
    private static long[] countKinds(RunTable t, Map<String, Long> out, String newKey, int newPack) {
        long[] byKind = new long[16];
        long fresh = 0;
        for (int r = 0; r < t.runCount(); r++) {
            long len = t.runEnd(r) - t.start(r);
            long v = t.value(r);
            byKind[TableEntry.kind(v)] += len;
            if (TableEntry.kind(v) == TableEntry.KIND_DATA && TableEntry.pack(v) == newPack) fresh += len;
        }
        out.put(newKey, fresh);
        return byKind;
    }

    private static void markUsed(RunTable t, boolean[] used) {
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            if (TableEntry.kind(v) == TableEntry.KIND_DATA) used[TableEntry.pack(v)] = true;
        }
    }
}
