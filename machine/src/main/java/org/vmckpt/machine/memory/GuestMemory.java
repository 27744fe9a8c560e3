package org.vmckpt.machine.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.BitSet;

/**
 * Guest RAM as an array of 4 KiB pages, allocated on first touch.
 *
 * <p>This is the one place that knows about dirty logging and copy-on-write, and it keeps both off the
 * hart's fast path: a hart caches a <em>write</em> mapping of a page only after {@link #pageForWrite} has
 * marked that page dirty in the current epoch (and copied it aside if it was frozen). So the first write to
 * a page in an epoch takes the slow path, every later write is a plain array store.
 *
 * <p>The page table has two levels: chunks of {@value #CHUNK_PAGES} page references (2 MiB of guest memory
 * each), and a table of chunks. {@link #freeze()} ends the epoch: it copies only the table of chunks (512
 * references per GiB), so the frozen view and the live memory share every chunk; the first change of a page
 * reference in a shared chunk copies that chunk (2 KiB), and the first write to a frozen page copies the page.
 * So the frozen view never changes, and the pause does not grow with the guest's RAM but with its chunks.
 *
 * <p>Threading: the hart thread (the machine's run thread) is the only writer. A saver thread may read a
 * {@link FrozenMemory} concurrently. Page arrays handed to the saver are never written again.
 */
public final class GuestMemory {
    public static final int PAGE_SHIFT = 12;
    public static final int PAGE_SIZE = 1 << PAGE_SHIFT;
    public static final int PAGE_MASK = PAGE_SIZE - 1;

    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long base;
    private final long size;
    private final int pageCount;

    /** Pages per chunk of the page table (a power of two). */
    static final int CHUNK_PAGES = 512;
    private static final int CHUNK_SHIFT = 9;
    private static final int CHUNK_MASK = CHUNK_PAGES - 1;

    /**
     * The page table: {@code chunks[idx >>> CHUNK_SHIFT][idx & CHUNK_MASK]} is the host array of page {@code idx};
     * {@code null} = never touched (zero), or not loaded yet under a lazy source. Every chunk is
     * {@value #CHUNK_PAGES} long (the last one's tail is unused). Change entries only through {@link #setPage}.
     */
    private byte[][][] chunks;
    /** Pages written in the current epoch. */
    private long[] dirty;
    /** The order of the guest's first writes in the current epoch (what a lazy restore fetches first). */
    private final WriteOrderLog writeOrder;
    /**
     * Pages that hold translated code (the hart's translator marks them). A write to one, by anyone, tells the
     * observers ({@link MemoryObserver#codePageWritten}) before it happens, and unmarks it.
     */
    private final long[] codePages;
    /**
     * Where each page's contents came from (a disk read, the boot loader), or null: host-side metadata for
     * page-cache eviction. Any change of a page drops its entry ({@link #noteChange}); a saver thread reads
     * entries racily, which is safe because they are immutable and checked against the frozen array.
     */
    private final PageOrigin[] origins;
    /**
     * Origins of frozen pages that the guest changed (copied) since the freeze, by page, so the saver still finds
     * them (null: none). Made once with the memory and emptied when the view is released ({@link #unfreeze}): an
     * array, not a map, because a map boxed every page index the saver looked up (an {@code Integer} per page, ~0.9
     * MiB a migration of a 1 GiB guest) and made a node per entry on the run thread (docs/BENCHMARKS.md, round 57).
     * The saver reads entries racily, as it reads {@link #origins}: each is immutable and checked against the frozen
     * array, and one missed in a race is a null origin (the page then goes as its bytes), as before.
     */
    private final PageOrigin[] movedAside;
    /** The lowest and highest page of {@link #movedAside} set since the freeze ({@code movedAsideFrom > movedAsideTo}: none). */
    private int movedAsideFrom = Integer.MAX_VALUE;
    private int movedAsideTo = -1;
    /**
     * The table of chunks at the last freeze, while a saver still reads it; else {@code null}. A chunk it shares
     * with {@link #chunks} is copied before any of its entries changes ({@link #setPage}), so neither this table
     * nor its chunks ever change.
     */
    private volatile byte[][][] frozen;
    /**
     * A zeroed dirty bitmap for the next epoch, made when the last frozen view was released (outside any pause),
     * so a freeze swaps bitmaps without allocating one (null before the first release).
     */
    private volatile long[] spareDirty;
    /** Lazy restore: pages not yet loaded come from here. */
    private PageSource lazySource;
    private BitSet lazyPending;
    /** Whether pages are still pending from a lazy source (for other threads: {@link #isLoadingLazily}). */
    private volatile boolean loadingLazily;
    private long copyOnWriteCount;
    /** Pages given a host array at their first touch, and pages whose array a discard dropped (counts for diagnostics). */
    private long materializedPages, discardedPages;

    /** Pages given a host array at their first touch since the machine started (a diagnostic's count). */
    public long materializedPages() {
        return materializedPages;
    }

    /** Pages with contents that {@link #discardPage} dropped since the machine started (a diagnostic's count). */
    public long discardedPages() {
        return discardedPages;
    }
    /** Arrays copy-on-write takes instead of allocating while a migration runs ({@link SparePages}). */
    private final SparePages spares;
    /** At most this many spares per memory (64 MiB). */
    private static final int MAX_SPARES = 16384;
    /**
     * Chunks of a frozen table released with recycling ({@link #recycleReplaced}) that the live table had replaced by
     * copies: the next freeze's chunk copies ({@link #setPage}) are written into them instead of new arrays (round 65:
     * ~2 KiB per 2 MiB of RAM the guest writes during a checkpoint, ~0.3 MB a checkpoint under memdirty, every one
     * promoted as it lives from one freeze to the next). Their stale entries are overwritten whole when taken. Run
     * thread; {@code spareChunkCount} of them, from index 0.
     */
    private final byte[][][] spareChunks;
    private int spareChunkCount;

    /** An array, not a list: iterating it allocates nothing (a list's iterator on every copy-on-write did). */
    private MemoryObserver[] observers = new MemoryObserver[0];

    public GuestMemory(long base, long size) {
        if ((base & PAGE_MASK) != 0 || (size & PAGE_MASK) != 0 || size <= 0) {
            throw new IllegalArgumentException("RAM base and size must be positive multiples of 4 KiB");
        }
        if (size / PAGE_SIZE > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("RAM too large: " + size);
        this.base = base;
        this.size = size;
        this.pageCount = (int) (size >>> PAGE_SHIFT);
        this.chunks = newChunks(pageCount);
        this.spareChunks = new byte[chunks.length][][];
        this.dirty = new long[(pageCount + 63) >>> 6];
        this.codePages = new long[(pageCount + 63) >>> 6];
        this.origins = new PageOrigin[pageCount];
        this.movedAside = new PageOrigin[pageCount];
        this.writeOrder = new WriteOrderLog(pageCount);
        // Recycling frozen views' arrays: room for every page (a checkpoint may see the guest rewrite all of them).
        this.spares = new SparePages(SparePages.RECYCLE ? pageCount : Math.min(pageCount, MAX_SPARES));
    }

    private static byte[][][] newChunks(int pageCount) {
        byte[][][] c = new byte[(pageCount + CHUNK_MASK) >>> CHUNK_SHIFT][][];
        for (int i = 0; i < c.length; i++) c[i] = new byte[CHUNK_PAGES][];
        return c;
    }

    /** The host array of page {@code idx} now (null: zero or not loaded). */
    private byte[] page(int idx) {
        return pageOf(chunks, idx);
    }

    /** The host array of page {@code idx} in the table of chunks {@code refs} (the live one or a frozen one). */
    static byte[] pageOf(byte[][][] refs, int idx) {
        return refs[idx >>> CHUNK_SHIFT][idx & CHUNK_MASK];
    }

    /**
     * Makes {@code p} page {@code idx}'s host array. A chunk still shared with the frozen view is copied first
     * (once per chunk and freeze), so the frozen view keeps the reference it had. The run thread only.
     */
    private void setPage(int idx, byte[] p) {
        int c = idx >>> CHUNK_SHIFT;
        byte[][] chunk = chunks[c];
        byte[][][] f = frozen;
        if (f != null && f[c] == chunk) {
            if (spareChunkCount > 0) {
                byte[][] copy = spareChunks[--spareChunkCount];
                spareChunks[spareChunkCount] = null;
                System.arraycopy(chunk, 0, copy, 0, CHUNK_PAGES);
                chunk = copy;
            } else {
                chunk = chunk.clone();
            }
            chunks[c] = chunk;
        }
        chunk[idx & CHUNK_MASK] = p;
    }

    public long base() { return base; }
    public long size() { return size; }
    public int pageCount() { return pageCount; }
    /** Number of pages cloned because the guest wrote them while frozen. */
    public long copyOnWriteCount() { return copyOnWriteCount; }
    /** Spare chunks held for copy-on-write's chunk copies ({@link #recycleReplaced}; run thread, others racily: tests). */
    public int spareChunkCount() { return spareChunkCount; }

    /**
     * Any thread: the pages the guest first wrote since the last freeze (the dirty log's epoch), at most 32,768; a
     * migration reads the guest's write rate from it while it sends a round.
     */
    public int pagesWrittenThisEpoch() { return writeOrder.count(); }
    /** The arrays copy-on-write may reuse while a migration runs. */
    public SparePages spares() { return spares; }

    public void addObserver(MemoryObserver o) {
        observers = java.util.Arrays.copyOf(observers, observers.length + 1);
        observers[observers.length - 1] = o;
    }

    /** True if {@code paddr .. paddr+len-1} lies inside RAM. */
    public boolean contains(long paddr, long len) {
        long off = paddr - base;
        return off >= 0 && len >= 0 && off <= size - len;
    }

    /** Page index of a physical address inside RAM, or -1. */
    public int pageIndexOf(long paddr) {
        long off = paddr - base;
        if (off < 0 || off >= size) return -1;
        return (int) (off >>> PAGE_SHIFT);
    }

    // ---------------------------------------------------------------- page access (slow path of the harts)

    /** The host array to read page {@code idx} from. Allocates (or lazily loads) on first touch. */
    public byte[] pageForRead(int idx) {
        byte[] p = page(idx);
        if (p == null) p = materialize(idx);
        return p;
    }

    /**
     * The host array {@link #pageForRead} would return for page {@code idx} without doing anything to get it: the page's
     * array if it has one and is not waiting for a lazy restore, else null (never allocates or loads). For a hart's TLB
     * filling the neighbours of a page it translated (Mmu's superpage fill), which must not touch pages the guest has not.
     */
    public byte[] pageIfPresent(int idx) {
        byte[] p = page(idx);
        if (p == null || (lazyPending != null && lazyPending.get(idx))) return null;
        return p;
    }

    /**
     * The host array {@link #pageForWrite} would return for page {@code idx} if that call would change nothing: the page
     * has an array, is dirty in this epoch, holds no translated code, has no origin and is not shared with a frozen view
     * (its copy-on-write already made). Else null, and nothing happens: the first write of a page in an epoch still goes
     * through {@link #pageForWrite} (dirty log, write order, copy-on-write, code pages, origins).
     */
    public byte[] pageIfGrantedForWrite(int idx) {
        byte[] p = page(idx);
        if (p == null || (dirty[idx >>> 6] & (1L << idx)) == 0 || (codePages[idx >>> 6] & (1L << idx)) != 0
                || origins[idx] != null || (lazyPending != null && lazyPending.get(idx))) {
            return null;
        }
        byte[][][] f = frozen;
        if (f != null && pageOf(f, idx) == p) return null;
        return p;
    }

    /**
     * The host array to write page {@code idx} through: marks the page dirty in this epoch and, if it is
     * part of the frozen view, replaces it by a private copy first. A hart may cache the result for writes
     * until {@link MemoryObserver#flushWriteMappings()}.
     */
    public byte[] pageForWrite(int idx) {
        noteChange(idx);
        byte[] p = page(idx);
        if (p == null) {
            p = materialize(idx);
        }
        byte[][][] f = frozen;
        if (f != null && pageOf(f, idx) == p) {
            byte[] copy = spares.take();
            if (copy == null) {
                copy = p.clone();
            } else {
                System.arraycopy(p, 0, copy, 0, PAGE_SIZE);
            }
            p = copy;
            setPage(idx, p);
            copyOnWriteCount++;
            for (MemoryObserver o : observers) o.pageReplaced(idx);
        }
        long word = dirty[idx >>> 6], bit = 1L << idx;
        if ((word & bit) == 0) {
            writeOrder.note(idx);
            dirty[idx >>> 6] = word | bit;
        }
        return p;
    }

    // ---------------------------------------------------------------- code pages (translations)

    /** True if the page holds translated code: writes to it must come through {@link #pageForWrite}. */
    public boolean isCodePage(int idx) {
        return (codePages[idx >>> 6] & (1L << idx)) != 0;
    }

    /** The translator put code of this page in its cache. */
    public void markCodePage(int idx) {
        codePages[idx >>> 6] |= 1L << idx;
    }

    /** The translator dropped this page's code. */
    public void clearCodePage(int idx) {
        codePages[idx >>> 6] &= ~(1L << idx);
    }

    private void codeWritten(int idx) {
        codePages[idx >>> 6] &= ~(1L << idx);
        for (MemoryObserver o : observers) o.codePageWritten(idx);
    }

    /**
     * Page {@code idx} is about to change: if it holds translated code, that code is dropped first; it no
     * longer equals what it was filled from.
     */
    private void noteChange(int idx) {
        if ((codePages[idx >>> 6] & (1L << idx)) != 0) codeWritten(idx);
        PageOrigin o = origins[idx];
        if (o != null) {
            byte[][][] f = frozen;
            if (f != null && pageOf(f, idx) == o.page) { // still true of the frozen page
                movedAside[idx] = o;
                if (idx < movedAsideFrom) movedAsideFrom = idx;
                if (idx > movedAsideTo) movedAsideTo = idx;
            }
            origins[idx] = null;
        }
    }

    // ---------------------------------------------------------------- origins (page-cache eviction)

    /**
     * Copies {@code len} bytes of a source into the guest at {@code paddr}, like {@link #writeBytes}, and
     * remembers for each page which sectors of the source it now holds. {@code sector} is the source sector
     * of {@code src[off]}; {@code paddr} and {@code len} need not be sector-aligned, but only whole sectors at
     * sector-aligned page offsets are remembered. Pieces of one page filled by several calls (a file system
     * of 1 KiB blocks reads a page in four requests) add up when they come from the same source in order.
     * Cached write mappings of such pages are dropped, so the guest's first write reaches {@link #noteChange}.
     */
    public void writeFromSource(long paddr, byte[] src, int off, int len, int source, long sector) {
        long srcPos = sector * PageOrigin.SECTOR_SIZE;
        while (len > 0) {
            int po = (int) (paddr & PAGE_MASK);
            int n = Math.min(len, PAGE_SIZE - po);
            int idx = index(paddr, n);
            byte[] before = page(idx);
            PageOrigin prev = origins[idx];
            byte[] p = pageForWrite(idx); // drops the old origin: the page changes
            System.arraycopy(src, off, p, po, n);
            if ((po & (PageOrigin.SECTOR_SIZE - 1)) == 0 && (n & (PageOrigin.SECTOR_SIZE - 1)) == 0
                    && (srcPos & (PageOrigin.SECTOR_SIZE - 1)) == 0) {
                int firstIn = po / PageOrigin.SECTOR_SIZE;
                long pageStart = srcPos / PageOrigin.SECTOR_SIZE - firstIn;
                if (pageStart >= 0) {
                    int mask = ((1 << (n / PageOrigin.SECTOR_SIZE)) - 1) << firstIn;
                    if (prev != null && prev.page == before && prev.source() == source && prev.firstSector() == pageStart) {
                        mask |= prev.sectorMask();
                    }
                    origins[idx] = new PageOrigin(p, source, pageStart, mask);
                    for (MemoryObserver o : observers) o.dropWriteMappings(idx);
                }
            }
            paddr += n; off += n; len -= n; srcPos += n;
        }
    }

    /**
     * Restore: page {@code idx}, just installed with {@link #installPage} (which leaves no cached mapping of it),
     * equals sectors {@code firstSector..+7} of {@code source}: the checkpoint said so and the bytes came from
     * there. (No mapping to drop: a restore of a whole memory would otherwise scan the TLBs once per page.)
     */
    public void recordOrigin(int idx, int source, long firstSector) {
        byte[] p = page(idx);
        if (p == null) return;
        origins[idx] = new PageOrigin(p, source, firstSector, PageOrigin.FULL_MASK);
    }

    /** Where page {@code idx} came from, if it still holds exactly those bytes; else null (for tests and tools). */
    public PageOrigin origin(int idx) {
        PageOrigin o = origins[idx];
        return o != null && o.page == page(idx) ? o : null;
    }

    /** For a frozen view: the origin recorded for page {@code idx} if it is still about {@code frozenPage}. */
    PageOrigin originOf(int idx, byte[] frozenPage) {
        if (frozenPage == null) return null;
        PageOrigin o = movedAside[idx];
        if (o != null && o.page == frozenPage) return o;
        o = origins[idx]; // a racy read of an immutable object: safe (a stale value fails the identity check or is true)
        return o != null && o.page == frozenPage ? o : null;
    }

    private byte[] materialize(int idx) {
        byte[] p = null;
        if (lazySource != null && lazyPending.get(idx)) {
            p = lazySource.loadPage(idx);
            int source = p == null ? -1 : lazySource.originSource(idx);
            if (source >= 0) origins[idx] = new PageOrigin(p, source, lazySource.originSector(idx), PageOrigin.FULL_MASK);
            lazyPending.clear(idx);
            if (lazyPending.isEmpty()) endLazyLoad();
        }
        if (p == null) p = new byte[PAGE_SIZE];
        materializedPages++;
        setPage(idx, p);
        return p;
    }

    public boolean isDirty(int idx) {
        return (dirty[idx >>> 6] & (1L << idx)) != 0;
    }

    // ---------------------------------------------------------------- physical access for devices and firmware

    public int read8(long paddr) {
        return pageForRead(index(paddr, 1))[(int) (paddr & PAGE_MASK)] & 0xff;
    }

    public int read16(long paddr) {
        if ((paddr & PAGE_MASK) > PAGE_SIZE - 2) return read8(paddr) | read8(paddr + 1) << 8;
        return (short) SHORT.get(pageForRead(index(paddr, 2)), (int) (paddr & PAGE_MASK)) & 0xffff;
    }

    public int read32(long paddr) {
        if ((paddr & PAGE_MASK) > PAGE_SIZE - 4) return read16(paddr) | read16(paddr + 2) << 16;
        return (int) INT.get(pageForRead(index(paddr, 4)), (int) (paddr & PAGE_MASK));
    }

    public long read64(long paddr) {
        if ((paddr & PAGE_MASK) > PAGE_SIZE - 8) return (read32(paddr) & 0xffffffffL) | (long) read32(paddr + 4) << 32;
        return (long) LONG.get(pageForRead(index(paddr, 8)), (int) (paddr & PAGE_MASK));
    }

    public void write8(long paddr, int v) {
        pageForWrite(index(paddr, 1))[(int) (paddr & PAGE_MASK)] = (byte) v;
    }

    public void write16(long paddr, int v) {
        if ((paddr & PAGE_MASK) > PAGE_SIZE - 2) { write8(paddr, v); write8(paddr + 1, v >>> 8); return; }
        SHORT.set(pageForWrite(index(paddr, 2)), (int) (paddr & PAGE_MASK), (short) v);
    }

    public void write32(long paddr, int v) {
        if ((paddr & PAGE_MASK) > PAGE_SIZE - 4) { write16(paddr, v); write16(paddr + 2, v >>> 16); return; }
        INT.set(pageForWrite(index(paddr, 4)), (int) (paddr & PAGE_MASK), v);
    }

    public void write64(long paddr, long v) {
        if ((paddr & PAGE_MASK) > PAGE_SIZE - 8) { write32(paddr, (int) v); write32(paddr + 4, (int) (v >>> 32)); return; }
        LONG.set(pageForWrite(index(paddr, 8)), (int) (paddr & PAGE_MASK), v);
    }

    /** Copies guest bytes out. The range must lie in RAM (check with {@link #contains}). */
    public void readBytes(long paddr, byte[] dst, int off, int len) {
        while (len > 0) {
            int po = (int) (paddr & PAGE_MASK);
            int n = Math.min(len, PAGE_SIZE - po);
            System.arraycopy(pageForRead(index(paddr, n)), po, dst, off, n);
            paddr += n; off += n; len -= n;
        }
    }

    /** Copies bytes into the guest. The range must lie in RAM (check with {@link #contains}). */
    public void writeBytes(long paddr, byte[] src, int off, int len) {
        while (len > 0) {
            int po = (int) (paddr & PAGE_MASK);
            int n = Math.min(len, PAGE_SIZE - po);
            System.arraycopy(src, off, pageForWrite(index(paddr, n)), po, n);
            paddr += n; off += n; len -= n;
        }
    }

    private int index(long paddr, int len) {
        long off = paddr - base;
        if (off < 0 || off > size - len) {
            throw new IndexOutOfBoundsException(String.format("physical address 0x%x (+%d) is outside RAM", paddr, len));
        }
        return (int) (off >>> PAGE_SHIFT);
    }

    // ---------------------------------------------------------------- epochs, freeze, restore

    /**
     * Ends the current epoch and freezes memory: returns the page references and the pages written during
     * the ending epoch. Until {@link FrozenMemory#release()}, a guest write to a frozen page copies it first.
     * Cost: a copy of the table of chunks (a reference per 2 MiB of RAM); the dirty bitmap is swapped for one
     * made ready when the previous view was released.
     */
    public FrozenMemory freeze() {
        if (frozen != null) throw new IllegalStateException("memory is already frozen by a checkpoint in progress");
        materializeAllLazy();
        byte[][][] refs = chunks.clone();
        long[] written = dirty;
        dirty = spareDirty != null ? spareDirty : new long[written.length];
        spareDirty = null;
        frozen = refs;
        for (MemoryObserver o : observers) o.flushWriteMappings();
        return new FrozenMemory(this, refs, pageCount, written, writeOrder.newEpoch());
    }

    /** Starts a new dirty-log epoch without freezing; returns the bitmap of pages written in the old one. */
    public long[] startNewEpoch() {
        long[] written = dirty;
        dirty = new long[written.length];
        writeOrder.newEpoch();
        for (MemoryObserver o : observers) o.flushWriteMappings();
        return written;
    }

    /** Pages the guest first wrote in epoch {@code epoch} so far, in order (any thread; empty once it ended). */
    int[] writeOrderOf(long epoch) {
        return writeOrder.since(epoch);
    }

    /** Ends copy-on-write for the frozen table {@code refs}. On the run thread (or with no run loop). */
    void unfreeze(byte[][][] refs) {
        unfreeze(refs, false);
    }

    /**
     * As {@link #unfreeze(byte[][][])}; with {@code recycle} (and {@link SparePages#recycling}), every array of
     * {@code refs} the guest replaced since the freeze goes to the spares. The caller promises that nothing reads the
     * view any more; the run thread (or no run loop) makes the rest true: the live table is this thread's to read, so
     * an array it no longer holds is held by nothing of memory's (its origin moved aside is dropped here, the harts'
     * mappings of it went when it was replaced).
     */
    void unfreeze(byte[][][] refs, boolean recycle) {
        unfreeze(refs, recycle, null);
    }

    /**
     * As {@link #unfreeze(byte[][][], boolean)}; with recycling, {@code written} (the view's bitmap of the epoch its
     * freeze ended, which nothing reads any more either) is zeroed and becomes the next epoch's bitmap instead of a new
     * one (round 65: a bitmap a checkpoint, 32 KiB per GiB, promoted as it lived from one release to the next freeze).
     */
    void unfreeze(byte[][][] refs, boolean recycle, long[] written) {
        if (frozen == refs) {
            boolean recycling = recycle && spares.recycling();
            if (recycling) recycleReplaced(refs);
            if (spareDirty == null) { // here, not in the next freeze's pause
                if (recycling && written != null && written.length == dirty.length && written != dirty) {
                    java.util.Arrays.fill(written, 0L);
                    spareDirty = written;
                } else {
                    spareDirty = new long[dirty.length];
                }
            }
            if (movedAsideFrom <= movedAsideTo) java.util.Arrays.fill(movedAside, movedAsideFrom, movedAsideTo + 1, null);
            movedAsideFrom = Integer.MAX_VALUE;
            movedAsideTo = -1;
            frozen = null;
        }
    }

    /**
     * Hands to the spares every array of the frozen table {@code refs} that the live table no longer holds (copied on
     * write, discarded or restored over since the freeze). Chunks the guest left alone are the same object in both
     * tables and are skipped, so this reads only the chunks the freeze's copy-on-write copied (2 KiB each); those
     * frozen chunks become spare chunks for the next freeze's copies. Run thread.
     */
    private void recycleReplaced(byte[][][] refs) {
        for (int c = 0; c < refs.length; c++) {
            byte[][] was = refs[c], now = chunks[c];
            if (was == now) continue;
            for (int i = 0; i < CHUNK_PAGES; i++) {
                byte[] p = was[i];
                if (p != null && p != now[i]) spares.recycle(p);
            }
            if (spareChunkCount < spareChunks.length) spareChunks[spareChunkCount++] = was; // nothing reads it any more
        }
    }

    public boolean isFrozen() {
        return frozen != null;
    }

    /** Current host array of a page, or {@code null} if never touched. For savers and state hashing. */
    public byte[] peekPage(int idx) {
        return page(idx);
    }

    /**
     * Replaces one page's contents (restore, reset). {@code data == null} means zeros. The page is marked
     * dirty, as any write is.
     */
    public void restorePage(int idx, byte[] data) {
        if (data != null && data.length != PAGE_SIZE) throw new IllegalArgumentException("page must be 4096 bytes");
        noteChange(idx);
        byte[] p = page(idx);
        byte[][][] f = frozen;
        if (p == null || (f != null && pageOf(f, idx) == p)) {
            setPage(idx, data == null ? null : data.clone());
            if (p != null) for (MemoryObserver o : observers) o.pageReplaced(idx);
        } else if (data == null) {
            java.util.Arrays.fill(p, (byte) 0);
        } else {
            System.arraycopy(data, 0, p, 0, PAGE_SIZE);
        }
        if (lazyPending != null) lazyPending.clear(idx);
        dirty[idx >>> 6] |= 1L << idx;
    }

    /**
     * The guest does not need the contents of page {@code idx} (ballooned, reported or hinted free): from now
     * on it reads as zeros and its host array is dropped. A frozen view keeps its own reference, so a
     * checkpoint in progress still sees the old contents. Cached mappings are dropped and the page is marked
     * dirty, as for any change. The caller checks {@code 0 <= idx < pageCount()}.
     */
    public void discardPage(int idx) {
        noteChange(idx);
        byte[] p = page(idx);
        if (lazyPending != null) {
            // Its saved contents are not needed either: do not load them on the next touch.
            lazyPending.clear(idx);
            if (lazyPending.isEmpty()) endLazyLoad();
        }
        if (p != null) {
            discardedPages++;
            setPage(idx, null);
            for (MemoryObserver o : observers) o.pageReplaced(idx);
            // Only a page that had contents changes; discarding a page that is already zero (the guest reports
            // the same free page again) is not a write, and must not inflate incremental checkpoints or resets.
            dirty[idx >>> 6] |= 1L << idx;
        }
    }

    /**
     * Restore: makes {@code data} (4096 bytes, now owned by memory; {@code null} for zeros) the page's
     * contents without copying. Only on a machine that is not running.
     */
    public void installPage(int idx, byte[] data) {
        if (data != null && data.length != PAGE_SIZE) throw new IllegalArgumentException("page must be 4096 bytes");
        noteChange(idx);
        byte[] old = page(idx);
        setPage(idx, data);
        if (lazyPending != null) lazyPending.clear(idx);
        dirty[idx >>> 6] |= 1L << idx;
        // The same array written in place (a migration's destination): cached mappings of it stay valid.
        if (old != null && old != data) for (MemoryObserver o : observers) o.pageReplaced(idx);
    }

    /**
     * Lazy restore: every page in {@code pending} is loaded from {@code source} on first touch. Pages not in
     * {@code pending} are zero. Must be called on a fresh memory before the machine runs.
     */
    public void setLazySource(PageSource source, BitSet pending) {
        this.chunks = newChunks(pageCount);
        java.util.Arrays.fill(origins, null);
        loadLazilyFrom(source, pending);
    }

    /**
     * Post-copy after pre-copy rounds: the pages in {@code pending} hold stale contents (the guest wrote them again
     * since they were sent) and are loaded from {@code source} on first touch; every other page keeps what it
     * holds. Must be called before the machine runs.
     */
    public void setLazySourceKeepingOthers(PageSource source, BitSet pending) {
        for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) {
            setPage(i, null);
            origins[i] = null;
        }
        loadLazilyFrom(source, pending);
    }

    /** The pages in {@code pending} (now null) come from {@code source} on first touch; no mapping may skip that. */
    private void loadLazilyFrom(PageSource source, BitSet pending) {
        this.lazySource = pending.isEmpty() ? null : source;
        this.lazyPending = pending.isEmpty() ? null : (BitSet) pending.clone();
        this.loadingLazily = !pending.isEmpty();
        for (MemoryObserver o : observers) o.flushAllMappings();
    }

    /** Loads one pending lazy page now (the background prefetcher calls this on the run thread). */
    public void prefetch(int idx) {
        if (lazyPending != null && lazyPending.get(idx) && page(idx) == null) materialize(idx);
    }

    /** Every page is in: no lazy source any more. */
    private void endLazyLoad() {
        lazySource = null;
        lazyPending = null;
        loadingLazily = false;
    }

    /** Whether some pages are still to come from a lazy restore or post-copy (any thread). */
    public boolean isLoadingLazily() {
        return loadingLazily;
    }

    /** Pages a lazy restore has not loaded yet. */
    public int lazyPendingCount() {
        BitSet p = lazyPending;
        return p == null ? 0 : p.cardinality();
    }

    /** Loads every page still pending from a lazy restore (needed before a freeze or hash). */
    public void materializeAllLazy() {
        BitSet p = lazyPending;
        if (p == null) return;
        BitSet todo = (BitSet) p.clone(); // materialize() clears bits and drops the set when it empties
        for (int i = todo.nextSetBit(0); i >= 0; i = todo.nextSetBit(i + 1)) {
            if (page(i) == null && lazyPending != null && lazyPending.get(i)) materialize(i);
        }
        endLazyLoad();
    }

    /** True if the page is all zeros (or was never touched). */
    public static boolean isZeroPage(byte[] p) {
        if (p == null) return true;
        for (int i = 0; i < PAGE_SIZE; i += 8) {
            if ((long) LONG.get(p, i) != 0) return false;
        }
        return true;
    }
}
