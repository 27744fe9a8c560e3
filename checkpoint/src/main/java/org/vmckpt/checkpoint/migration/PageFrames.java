package org.vmckpt.checkpoint.migration;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdDecompressCtx;
import org.vmckpt.checkpoint.PageReferences;
import org.vmckpt.checkpoint.store.IncompressibleRun;
import org.vmckpt.machine.memory.GuestMemory;

/**
 * The PAGES and DISK frames: up to 64 units (guest pages or disk-overlay blocks) per frame, as the repository
 * packs them. A table of unit numbers and kinds, then the data units concatenated and compressed with zstd
 * (level 1: the link, not the CPU, should be the limit; a source sets level 3 for the rounds of a guest that writes
 * little, {@link #setLevel}), or stored as they are where zstd does not shrink them.
 * Zero pages, absent blocks and pages sent as references (to a file both ends hold) carry no data. One instance per thread: it keeps its zstd contexts (making one
 * per frame costs more than compressing the frame).
 */
final class PageFrames {
    static final int ZSTD_LEVEL = 1;
    /**
     * zstd's shortest match (its minMatch parameter, 3-7), 0 for the level's own (level 1: 6 for 256 KiB frames). Off by
     * default: offline, on a checkpoint pack of memdirty's guest (297 MiB of pages recompressed in 64-page frames), 7
     * made the frames 0.72 of level 1's bytes at the same compression and decompression CPU (docs/BENCHMARKS.md, round
     * 42); in 4 post-copy migrations the bytes sent were 0.70-0.71 of the checkpoint (0.98-1.00 without), the total shorter
     * in 1 of 4. The destination reads any zstd frame: not on the wire, no protocol change.
     */
    static final int ZSTD_MIN_MATCH = Integer.getInteger("vmckpt.migration.zstdMinMatch", 0);
    /**
     * Whether a destination reads the pages it rebuilds from references (a page of a disk image, a boot file or an
     * initramfs file, and a kernel page sent as the file's page plus its XOR) into arrays of its pool ({@link #usePool})
     * instead of new ones, as it copies data pages into them. <b>Off by default</b> ({@code
     * -Dvmckpt.migration.referencePagesInPool=true}): in round 56's A/B (1 GiB memdirty, load 4-14, 16 interleaved pairs
     * in both orders, docs/BENCHMARKS.md) it cut the destination's young collections during the migration from 4-5 to 2-3
     * in 16 of 16 and their stop-the-world time in 15 of 16, but the guest's longest stall was lower in only 6 of 16 and
     * the total shorter in 4 of 16 (not explained: the source's code is the same, yet its CPU was lower in 4 of 16); in 8
     * pairs of this jar with and without it, quieter (load 2-6), collections 8 of 8 fewer, totals 7 of 8 shorter, the
     * longest stall lower in 3 of 8.
     */
    static final boolean REFERENCE_PAGES_IN_POOL = Boolean.getBoolean("vmckpt.migration.referencePagesInPool");
    private boolean referencePagesInPool = REFERENCE_PAGES_IN_POOL;

    /** Sets {@link #REFERENCE_PAGES_IN_POOL} for this instance (tests). */
    void referencePagesInPool(boolean on) {
        referencePagesInPool = on;
    }
    /** The zstd level of the frames encoded next ({@link #setLevel}). */
    private int level = ZSTD_LEVEL;
    private int minMatch = ZSTD_MIN_MATCH;
    private static final int UNIT = GuestMemory.PAGE_SIZE;
    private static final int STORED = 0;
    private static final int ZSTD = 1;
    /**
     * A data chunk's encoding (protocol 14): the next part of the connection's zstd stream ({@link ChunkStream}), which
     * may refer to the chunks streamed before it. The source streams its chunks until GO, at the stream's level; a chunk
     * at another level (a quiet round's), after GO, or on a connection that resumes a post-copy is compressed on its own.
     */
    static final int STREAM = 2;
    /**
     * A PAGES frame's table as runs (protocol 13): a count, then per run the gap before it (unsigned LEB128 of first index
     * - the previous run's last - 1, the first after -1), a kind (zero, data or delta: the kinds that carry nothing in the
     * table) and a length (LEB128, at least 1). Round 0 of memory that does not compress lists 64-512 consecutive data
     * pages a frame: about 5 bytes as runs, where the page-by-page table cost 9 bytes of lengths and about 30 of zstd
     * frame for 128 bytes of steps and kinds (docs/BENCHMARKS.md round 53). The encoder sends whichever is smaller.
     */
    static final int RUNS = 2;

    /**
     * The most a PAGES frame's page table takes a page: its index's step (5 bytes), kind, and a reference's step (10)
     * or a PAGE_WORDS page's word count (1) and word steps (2 each, 32 at most).
     */
    static final int MAX_TABLE_PER_PAGE = 5 + 1 + 1 + 2 * MigrationWire.MAX_PAGE_WORDS;
    /** 512-byte sectors in a page: the step between the references of consecutive pages of a file. */
    private static final long PAGE_SECTORS = UNIT / 512;
    /**
     * The chunk being compressed (the source's: at most {@link MigrationWire#DATA_CHUNK}), or a frame's data unpacked
     * (the destination's): a chunk's size until a frame holds more ({@link #unpackData} grows it to
     * {@link MigrationWire#MAX_FRAME_DATA} then, for frames of more than 64 data pages). A frame's size from the start
     * made each source's encoder 1.75 MiB it never used, in the young generation while its migration ran.
     */
    private byte[] raw = new byte[MigrationWire.DATA_CHUNK];
    private final byte[] packed = new byte[(int) Zstd.compressBound(Math.max(MigrationWire.DATA_CHUNK, MigrationWire.MAX_PAGES_PER_FRAME * MAX_TABLE_PER_PAGE))];
    private ZstdCompressCtx cctx;
    private ZstdDecompressCtx dctx;
    /** After a data part that did not compress, whether the next is worth a whole attempt (as a pack frame's). */
    private final IncompressibleRun run;

    PageFrames() {
        this(IncompressibleRun.ENABLED);
    }

    /** {@code sampleRuns}: as {@link IncompressibleRun#ENABLED} (tests set it). */
    PageFrames(boolean sampleRuns) {
        this(sampleRuns, StreamBudget.BYTES);
    }

    /** {@code streamBudget}: the chunk bytes the stream may carry ({@link StreamBudget#BYTES}; tests set it). */
    PageFrames(boolean sampleRuns, long streamBudget) {
        run = new IncompressibleRun(MigrationWire.DATA_CHUNK, sampleRuns);
        budget = new StreamBudget(streamBudget);
    }

    /** The connection's zstd stream: this end's chunks of encoding {@link #STREAM}, sent or received. */
    private final ChunkStream stream = new ChunkStream();
    /** Whether the data chunks encoded here go through {@link #stream} (a source's, until GO). */
    private boolean streaming;
    /** How much the stream may carry here ({@link StreamBudget}). */
    private final StreamBudget budget;

    /** Chunk input the stream carried here, and whether its budget is spent (vmckpt-bytes). */
    long streamedBytes() {
        return budget.streamed();
    }

    boolean streamBudgetSpent() {
        return budget.spent();
    }

    /**
     * Whether the chunks this instance encodes from now on go through the connection's stream ({@link #STREAM}), those
     * at the stream's level; every instance decodes stream chunks. A source streams from its first frame to GO, on one
     * instance; an instance whose frames share a connection with another's must not (their order on the wire would not
     * be the order they were encoded in).
     */
    void streamChunks(boolean on) {
        streaming = on;
    }

    /** Data chunks that went through the stream here (encoded or decoded). */
    long streamChunks() {
        return stream.chunks();
    }

    /** A decoded unit: its number and its data (null: zero page / absent block). */
    interface UnitConsumer {
        void unit(long number, byte[] data) throws MigrationException;
    }

    /**
     * A decoded page: its index, its data (null: zero page), and its origin as a reference ({@code source << 40 |
     * sector}, {@link PageReferences}) that this end has checked: the page was rebuilt from its own copy of those
     * bytes (kind SOURCE) or equals them byte for byte (kind DATA_ORIGIN); else {@link PageReferences#NONE}.
     */
    interface PageConsumer {
        void page(int index, byte[] data, long origin) throws MigrationException;
    }

    /** Origins the source named for data pages that did not equal this end's copy of those bytes (kept as plain data). */
    private long originsRefused;

    long originsRefused() {
        return originsRefused;
    }

    /** SOURCE_DELTA pages decoded (rebuilt from this end's file page and the XOR). */
    private long fileDeltas;

    long fileDeltas() {
        return fileDeltas;
    }

    /** PAGES payload (see below) of plain data and zero pages. */
    byte[] encodePages(int[] index, byte[][] data, int n) {
        return encodePages(index, data, null, null, n);
    }

    /**
     * PAGES payload: count, then the page table (per page its index and kind, each index and reference as its step
     * from the one before), compressed on its own, then the data pages compressed as in DISK (protocol 6: the table
     * cost 5 bytes a page and 13 a reference in protocol 5, about 0.1 MiB of an idle guest's 9 MiB; it now costs a
     * fraction of a byte). The data part is compressed on its own, as a checkpoint's pack frame is: zstd picks its
     * parameters by input size, and a table in front would push a full frame past 256 KiB into other ones (measured:
     * 25% fewer bytes for memdirty's patterned pages, 2% more for an idle guest's). Page {@code k} with {@code ref[k] >= 0}
     * travels as that reference (kind SOURCE, then the reference as i64: {@link PageReferences}), not as data; else
     * one with a {@code base[k]} (the copy the destination holds) as the XOR of the two (kind DELTA). A page with both
     * a reference and a base travels as SOURCE_DELTA: the reference, and the XOR with the base, which must be the
     * file's bytes the reference names. Either array may be null.
     */
    byte[] encodePages(int[] index, byte[][] data, long[] ref, byte[][] base, int n) {
        return encodePages(index, data, ref, base, null, n);
    }

    /**
     * As above, and a data page {@code k} (no reference, no delta) with {@code origin[k] >= 0} carries that origin
     * (kind DATA_ORIGIN: the data, and the reference its bytes were copied from, unconfirmed here; the destination
     * checks it). {@code origin} may be null.
     */
    byte[] encodePages(int[] index, byte[][] data, long[] ref, byte[][] base, long[] origin, int n) {
        return encodePagesShared(index, data, ref, base, origin, n).toByteArray();
    }

    /** This instance's buffers for a frame's table and its whole payload, reused frame after frame. */
    private final MigrationWire.PayloadWriter table = new MigrationWire.PayloadWriter();
    private final MigrationWire.PayloadWriter frame = new MigrationWire.PayloadWriter();

    /**
     * As {@link #encodePages(int[], byte[][], long[], byte[][], long[], int)}, into this instance's own buffer: the
     * writer returned holds the payload until the next encode here (send it at once). Allocates nothing once the buffers
     * have grown to a full frame: a migration sends tens of thousands of frames, and their copies were most of what
     * filled the source's young generation while the guest ran (docs/BENCHMARKS.md run 19).
     */
    MigrationWire.PayloadWriter encodePagesShared(int[] index, byte[][] data, long[] ref, byte[][] base, long[] origin, int n) {
        java.util.Arrays.fill(wordCount, 0, n, -1);
        table.reset();
        int previous = -1;
        long previousRef = 0;
        boolean runsApply = true; // every page zero, data or delta, in increasing index order
        for (int k = 0; k < n; k++) {
            // Pages go in index order, references mostly to consecutive sectors: each as its step from the one before.
            table.zigzag((long) index[k] - previous - 1);
            if (index[k] <= previous) runsApply = false;
            previous = index[k];
            int lengthBefore = table.length();
            if (data[k] == null) {
                table.u8(MigrationWire.PAGE_ZERO);
            } else if (ref != null && ref[k] >= 0 && base != null && base[k] != null) {
                // Both: the file's page is the base (PAGE_SOURCE_DELTA); the data part holds the XOR (compress).
                table.u8(MigrationWire.PAGE_SOURCE_DELTA).zigzag(ref[k] - previousRef - PAGE_SECTORS);
                previousRef = ref[k];
            } else if (ref != null && ref[k] >= 0) {
                table.u8(MigrationWire.PAGE_SOURCE).zigzag(ref[k] - previousRef - PAGE_SECTORS);
                previousRef = ref[k];
                data[k] = null; // no bytes in the data part
            } else if (base != null && base[k] != null) {
                int n0 = changedWords(data[k], base[k], k);
                if (n0 == 0) unchangedPages++;
                if (n0 >= 0) {
                    table.u8(MigrationWire.PAGE_WORDS).zigzag(n0);
                    int previousWord = -1;
                    for (int w = 0; w < n0; w++) {
                        int word = words[k * MigrationWire.MAX_PAGE_WORDS + w];
                        table.zigzag(word - previousWord - 1);
                        previousWord = word;
                    }
                } else {
                    table.u8(MigrationWire.PAGE_DELTA);
                }
            } else if (origin != null && origin[k] >= 0) {
                table.u8(MigrationWire.PAGE_DATA_ORIGIN).zigzag(origin[k] - previousRef - PAGE_SECTORS);
                previousRef = origin[k];
            } else {
                table.u8(MigrationWire.PAGE_DATA);
            }
            int kind = table.array()[lengthBefore];
            kindOf[k] = kind;
            if (kind != MigrationWire.PAGE_ZERO && kind != MigrationWire.PAGE_DATA && kind != MigrationWire.PAGE_DELTA) runsApply = false;
            count(kind, k);
        }
        MigrationWire.PayloadWriter w = frame.reset().i32(n);
        packTable(w, table.array(), table.length());
        if (runsApply) {
            encodeRuns(index, n);
            if (1 + runs.length() <= w.length() - 4) {
                w.truncate(4);
                w.u8(RUNS).raw(runs.array(), runs.length());
                runTables++;
            }
        }
        int afterTable = w.length();
        tableBytes += afterTable - 4;
        long chunksBefore = chunks;
        compress(w, data, base, wordCount, n);
        dataBytes += w.length() - afterTable;
        pageChunks += chunks - chunksBefore;
        pagesFrames++;
        return w;
    }

    /** The kind each page of the frame being encoded went as. */
    private final int[] kindOf = new int[MigrationWire.MAX_PAGES_PER_FRAME];
    /** The frame's table as runs ({@link #RUNS}), built when every page is zero, data or delta. */
    private final MigrationWire.PayloadWriter runs = new MigrationWire.PayloadWriter();

    /** Encodes pages {@code 0..n)} (increasing indices, kinds in {@link #kindOf}) as runs into {@link #runs}. */
    private void encodeRuns(int[] index, int n) {
        int count = 0;
        for (int k = 0; k < n; k++) {
            if (k == 0 || index[k] != index[k - 1] + 1 || kindOf[k] != kindOf[k - 1]) count++;
        }
        runs.reset().varint(count);
        int previousLast = -1;
        int k = 0;
        while (k < n) {
            int end = k + 1;
            while (end < n && index[end] == index[end - 1] + 1 && kindOf[end] == kindOf[k]) end++;
            runs.varint((long) index[k] - previousLast - 1).u8(kindOf[k]).varint(end - k);
            previousLast = index[end - 1];
            k = end;
        }
    }

    /** Counts a page encoded as {@code kind} (vmckpt-bytes: what the data parts hold). */
    private void count(int kind, int k) {
        switch (kind) {
            case MigrationWire.PAGE_DATA, MigrationWire.PAGE_DATA_ORIGIN, MigrationWire.PAGE_SOURCE_DELTA -> wholePages++;
            case MigrationWire.PAGE_DELTA -> deltaPages++;
            case MigrationWire.PAGE_WORDS -> {
                wordsPages++;
                wordBytes += 8L * wordCount[k];
            }
            default -> { }
        }
    }

    /** Of the PAGES frames encoded here: how many, how many had their table as runs, their data chunks (5 bytes of header each). */
    private long pagesFrames;
    private long runTables;
    private long pageChunks;
    /** Data chunks encoded here (PAGES and DISK). */
    private long chunks;

    long pageChunks() {
        return pageChunks;
    }
    /** Pages encoded whole (data, data with origin, boot-file delta), as deltas, as words (and the words' data bytes). */
    private long wholePages;
    private long deltaPages;
    private long wordsPages;
    private long wordBytes;

    long pagesFrames() {
        return pagesFrames;
    }

    long runTables() {
        return runTables;
    }

    long wholePages() {
        return wholePages;
    }

    long deltaPages() {
        return deltaPages;
    }

    long wordsPages() {
        return wordsPages;
    }

    long wordBytes() {
        return wordBytes;
    }

    /** Of the PAGES payloads encoded here: bytes of their page tables (codec and lengths included), of their data parts. */
    private long tableBytes;
    private long dataBytes;
    /** Pages encoded against a base they equal (a page sent again unchanged: no word differs). */
    private long unchangedPages;

    long tableBytes() {
        return tableBytes;
    }

    long dataBytes() {
        return dataBytes;
    }

    long unchangedPages() {
        return unchangedPages;
    }

    /** Data parts stored without a whole zstd attempt: their sample, after one that did not compress, did not shrink. */
    long storedOnSample() {
        return run.skipped();
    }

    /** Per frame slot, the word indices a PAGE_WORDS page lists ({@link #changedWords}), and their count (-1: not one). */
    private final int[] words = new int[MigrationWire.MAX_PAGES_PER_FRAME * MigrationWire.MAX_PAGE_WORDS];
    private final int[] wordCount = new int[MigrationWire.MAX_PAGES_PER_FRAME];

    /**
     * The 8-byte words in which {@code page} differs from {@code base}, into {@link #words} for slot {@code k}: their
     * count, or -1 if more than {@link MigrationWire#MAX_PAGE_WORDS} (the page then goes as a DELTA).
     */
    private int changedWords(byte[] page, byte[] base, int k) {
        int n = 0;
        int at = 0;
        while (true) {
            int m = java.util.Arrays.mismatch(page, at, UNIT, base, at, UNIT);
            if (m < 0) break;
            if (n == MigrationWire.MAX_PAGE_WORDS) {
                wordCount[k] = -1;
                return -1;
            }
            int word = (at + m) >>> 3;
            words[k * MigrationWire.MAX_PAGE_WORDS + n++] = word;
            at = (word + 1) << 3;
            if (at >= UNIT) break;
        }
        wordCount[k] = n;
        return n;
    }

    /** DISK payload: disk number, count, then per block its number and kind, then the data as in PAGES. */
    byte[] encodeBlocks(int disk, long[] block, byte[][] data, int n) {
        return encodeBlocksShared(disk, block, data, n).toByteArray();
    }

    /** As {@link #encodeBlocks}, into this instance's own buffer (as {@link #encodePagesShared}). */
    MigrationWire.PayloadWriter encodeBlocksShared(int disk, long[] block, byte[][] data, int n) {
        MigrationWire.PayloadWriter w = frame.reset().i32(disk).i32(n);
        for (int k = 0; k < n; k++) w.i64(block[k]).u8(data[k] == null ? MigrationWire.BLOCK_ABSENT : MigrationWire.BLOCK_DATA);
        return compress(w, data, null, null, n);
    }

    /**
     * STATE's body (protocol 12): {@code body[0..length)} as a PAGES frame's table is packed (encoding u8, its length i32,
     * then length i32 and its bytes, zstd where that shrinks it). The records and post-copy's bitmap of pages still to
     * come went raw until protocol 11: 33 KiB and 32 KiB of an idle 1 GiB guest's 2.6 MiB, where a checkpoint's
     * manifest holds the same records compressed (docs/BENCHMARKS.md run 28).
     */
    void packBody(MigrationWire.PayloadWriter w, byte[] body, int length) {
        packTable(w, body, length);
    }

    /** The body {@link #packBody} packed, read from {@code p} (at most {@code max} bytes unpacked): a new array. */
    byte[] unpackBody(MigrationWire.Payload p, int max) throws MigrationException {
        int codec = p.u8();
        int length = p.count(max, "unpacked length");
        byte[] stored = p.bytes(MigrationWire.MAX_PAYLOAD, "stored length");
        return unpack(p, codec, stored, length, "packed records");
    }

    /** A PAGES frame's table: encoding u8, its length i32, then length i32 and its bytes, compressed where that shrinks it. */
    private void packTable(MigrationWire.PayloadWriter w, byte[] table, int length) {
        int size = length == 0 ? 0 : context().compressByteArray(packed, 0, packed.length, table, 0, length);
        boolean zstd = length > 0 && size < length;
        w.u8(zstd ? ZSTD : STORED).i32(length);
        if (zstd) w.bytes(packed, size);
        else w.bytes(table, length);
    }

    private ZstdCompressCtx context() {
        if (cctx == null) {
            cctx = new ZstdCompressCtx();
            cctx.setLevel(level);
            cctx.setChecksum(false);
            if (minMatch != 0) cctx.setMinMatch(minMatch); // kept by setLevel: zstd keeps what was set by hand
        }
        return cctx;
    }

    /**
     * The zstd level of the frames encoded from now on (tables, data, packed bodies; {@link #ZSTD_LEVEL} until set). The
     * destination reads any level: it is not on the wire.
     */
    void setLevel(int level) {
        if (level == this.level) return;
        this.level = level;
        if (cctx != null) cctx.setLevel(level);
    }

    /** zstd's shortest match for the frames encoded from now on (0: the level's own; see {@link #ZSTD_MIN_MATCH}). */
    void setMinMatch(int minMatch) {
        this.minMatch = minMatch;
        if (cctx != null) {
            cctx.close();
            cctx = null; // made again with it at the next frame
        }
    }

    /**
     * The data units concatenated (a unit with a base as its XOR with it; one listed by words as those words' new
     * values), in chunks of at most {@link MigrationWire#DATA_CHUNK} bytes (protocol 13; a page's words never split), each
     * compressed on its own where that shrinks it: a chunk of 64 whole pages is a checkpoint's pack frame's input. After
     * a chunk that did not shrink, one whose sample does not shrink either is stored without a whole attempt
     * ({@link IncompressibleRun}). No data, no chunk.
     */
    private MigrationWire.PayloadWriter compress(MigrationWire.PayloadWriter w, byte[][] data, byte[][] base, int[] wordsOf, int n) {
        int length = 0;
        for (int k = 0; k < n; k++) {
            if (data[k] == null) continue;
            int size = wordsOf != null && wordsOf[k] >= 0 ? 8 * wordsOf[k] : UNIT;
            if (length + size > MigrationWire.DATA_CHUNK) {
                chunk(w, length);
                length = 0;
            }
            if (wordsOf != null && wordsOf[k] >= 0) {
                for (int x = 0; x < wordsOf[k]; x++) {
                    int word = words[k * MigrationWire.MAX_PAGE_WORDS + x];
                    System.arraycopy(data[k], word << 3, raw, length, 8);
                    length += 8;
                }
                continue;
            }
            if (base != null && base[k] != null) {
                org.vmckpt.checkpoint.PageDelta.xor(data[k], base[k], raw, length);
            } else {
                System.arraycopy(data[k], 0, raw, length, UNIT);
            }
            length += UNIT;
        }
        if (length > 0) chunk(w, length);
        return w;
    }

    /** One chunk of a data part: {@code raw[0..length)}, compressed where that shrinks it (encoding u8, length i32, bytes). */
    private void chunk(MigrationWire.PayloadWriter w, int length) {
        chunks++;
        if (streaming && level == ChunkStream.LEVEL) {
            // Through the stream, unless it follows a chunk that did not shrink and its sample says this one will not
            // either (then stored, outside the stream). A streamed chunk is sent whatever its size: it is in the stream.
            // Once the stream has carried its budget (StreamBudget), each chunk on its own with the stream's matcher.
            if (!run.worthAttempt(context(), raw, length)) {
                w.u8(STORED).bytes(raw, length);
            } else if (budget.take(length)) {
                int size = stream.compress(raw, length, packed);
                run.attempted(size < length);
                w.u8(STREAM).bytes(packed, size);
            } else {
                int size = stream.compressOnItsOwn(raw, length, packed);
                run.attempted(size < length);
                if (size < length) w.u8(ZSTD).bytes(packed, size);
                else w.u8(STORED).bytes(raw, length);
            }
            return;
        }
        int size = run.compress(context(), packed, raw, length);
        if (size >= 0) w.u8(ZSTD).bytes(packed, size);
        else w.u8(STORED).bytes(raw, length);
    }

    /**
     * Decodes a PAGES payload; pages sent as references are rebuilt from {@code refs} (this end's copies of the
     * files; null: none are accepted) and delivered as data.
     */
    void decodePages(MigrationWire.Payload p, int pageCount, PageReferences refs, UnitConsumer out) throws MigrationException {
        decodePages(p, pageCount, refs, null, out);
    }

    void decodePages(MigrationWire.Payload p, int pageCount, PageReferences refs, java.util.function.IntFunction<byte[]> current,
                     UnitConsumer out) throws MigrationException {
        decodePages(p, pageCount, refs, current, (PageConsumer) (i, data, origin) -> out.unit(i, data));
    }

    /**
     * As above, and DELTA pages are XORed into the copy {@code current} gives for their index (null: this end
     * takes no deltas, such a frame is malformed; a null copy is a zero page).
     */
    void decodePages(MigrationWire.Payload p, int pageCount, PageReferences refs, java.util.function.IntFunction<byte[]> current,
                     PageConsumer out) throws MigrationException {
        decodePages(p, pageCount, refs, current, false, out);
    }

    /**
     * As above; with {@code inPlace}, a page sent again (delta, words or whole data) whose copy {@code current} gives is
     * written into that array and handed to {@code out} as the same array, instead of a new one: for a destination
     * filling a machine that is not running, where nothing else holds the page's array (each new array is one more
     * page the collector copies into the old generation's fresh memory, and the old one garbage).
     */
    void decodePages(MigrationWire.Payload p, int pageCount, PageReferences refs, java.util.function.IntFunction<byte[]> current,
                     boolean inPlace, PageConsumer out) throws MigrationException {
        int n = p.count(MigrationWire.MAX_PAGES_PER_FRAME, "page count");
        int tableCodec = p.u8();
        MigrationWire.Payload t = null; // the page-by-page table; null: runs, read into runIndex and runKind
        if (tableCodec == RUNS) {
            decodeRuns(p, n, pageCount);
        } else {
            int tableLength = p.count(n * MAX_TABLE_PER_PAGE, "page table length");
            byte[] tableStored = p.bytes(MigrationWire.MAX_PAYLOAD, "page table's stored length");
            t = new MigrationWire.Payload("PAGES", unpackTable(p, tableCodec, tableStored, tableLength));
        }
        long[] index = new long[n];
        boolean[] hasData = new boolean[n];
        byte[][] rebuilt = null;
        byte[][] base = null;
        byte[][] reuse = null; // in place: the held arrays whole data pages are copied into
        long[] origin = new long[n];
        java.util.Arrays.fill(origin, PageReferences.NONE);
        long dataBytes = 0;
        long previous = -1;
        long previousRef = 0;
        for (int k = 0; k < n; k++) {
            long at = t == null ? runIndex[k] : previous + 1 + t.zigzag();
            if (at < 0 || at >= pageCount) throw p.malformed("page " + at + " is outside the guest's " + pageCount + " pages");
            int i = (int) at;
            previous = at;
            index[k] = i;
            int kind = t == null ? runKind[k] : t.u8();
            if (kind == MigrationWire.PAGE_SOURCE || kind == MigrationWire.PAGE_SOURCE_DELTA) {
                long ref = previousRef + PAGE_SECTORS + t.zigzag();
                previousRef = ref;
                // With REFERENCE_PAGES_IN_POOL, into an array of the destination's pool, as a data page goes (pageArray):
                // a new array here is a page the next young collection copies into the old generation, on both cores while
                // the source's guest shares them (a 1 GiB default guest sends some 7,000 such pages: 28 MiB, half of what
                // its destination allocated during the migration; docs/BENCHMARKS.md round 56). Every byte is read below.
                byte[] page = referencePagesInPool ? pageArray() : new byte[UNIT];
                boolean ok;
                try {
                    ok = refs != null && refs.read(ref, page);
                } catch (java.io.IOException e) {
                    throw new MigrationException("page " + i + " refers to source " + PageReferences.source(ref) + ", which cannot be read here: " + e.getMessage(), e);
                }
                if (!ok) {
                    throw p.malformed("page " + i + " refers to source " + PageReferences.source(ref) + " sector " + PageReferences.sector(ref)
                            + ", which this end does not hold (or past its end)");
                }
                if (rebuilt == null) rebuilt = new byte[n][];
                rebuilt[k] = page;
                // A SOURCE_DELTA page differs from the file: it has no origin (the XOR is applied below).
                if (kind == MigrationWire.PAGE_SOURCE) origin[k] = ref;
            } else if (kind == MigrationWire.PAGE_DATA_ORIGIN) {
                long ref = previousRef + PAGE_SECTORS + t.zigzag();
                previousRef = ref;
                origin[k] = ref; // a claim, checked against this end's copy once the data is unpacked
            } else if (kind == MigrationWire.PAGE_DELTA || kind == MigrationWire.PAGE_WORDS) {
                if (current == null) throw p.malformed("page " + i + " is a delta, which this stream may not carry");
                if (base == null) base = new byte[n][];
                base[k] = current.apply(i);
                if (base[k] == null) base[k] = ZERO_UNIT;
                if (kind == MigrationWire.PAGE_WORDS) {
                    long listed = t.zigzag();
                    if (listed < 0 || listed > MigrationWire.MAX_PAGE_WORDS) throw p.malformed("page " + i + " lists " + listed + " words");
                    int previousWord = -1;
                    for (int x = 0; x < listed; x++) {
                        long word = previousWord + 1 + t.zigzag();
                        if (word <= previousWord || word >= UNIT / 8) throw p.malformed("page " + i + " lists word " + word);
                        previousWord = (int) word;
                        words[k * MigrationWire.MAX_PAGE_WORDS + x] = previousWord;
                    }
                    wordCount[k] = (int) listed;
                    dataBytes += 8 * listed;
                }
            } else if (kind != MigrationWire.PAGE_ZERO && kind != MigrationWire.PAGE_DATA) {
                throw p.malformed("unknown page kind " + kind);
            }
            if (inPlace && current != null && (kind == MigrationWire.PAGE_DATA || kind == MigrationWire.PAGE_DATA_ORIGIN)) {
                byte[] held = current.apply(i);
                if (held != null) {
                    if (reuse == null) reuse = new byte[n][];
                    reuse[k] = held;
                }
            }
            if (kind != MigrationWire.PAGE_WORDS) wordCount[k] = -1;
            hasData[k] = kind == MigrationWire.PAGE_DATA || kind == MigrationWire.PAGE_DELTA || kind == MigrationWire.PAGE_DATA_ORIGIN
                    || kind == MigrationWire.PAGE_SOURCE_DELTA;
            if (hasData[k]) dataBytes += UNIT;
        }
        if (t != null && t.remaining() != 0) throw p.malformed("its page table has " + t.remaining() + " bytes left over");
        if (dataBytes > MigrationWire.MAX_FRAME_DATA) throw p.malformed("its pages hold " + dataBytes + " bytes of data, more than " + MigrationWire.ROUND_PAGES_PER_FRAME + " pages");
        unpackData(p, (int) dataBytes);
        int at = 0;
        for (int k = 0; k < n; k++) {
            byte[] page = rebuilt != null ? rebuilt[k] : null;
            if (wordCount[k] >= 0) {
                page = inPlace && base[k] != ZERO_UNIT ? base[k] : unit(base[k], 0, null, pageArray());
                for (int x = 0; x < wordCount[k]; x++) {
                    System.arraycopy(raw, at, page, words[k * MigrationWire.MAX_PAGE_WORDS + x] << 3, 8);
                    at += 8;
                }
            } else if (hasData[k] && page != null) {
                // SOURCE_DELTA: the file's page read above (a new array) turned into the page in place.
                for (int j = 0; j < UNIT; j++) page[j] ^= raw[at + j];
                at += UNIT;
                fileDeltas++;
            } else if (hasData[k]) {
                byte[] b = base != null ? base[k] : null;
                if (inPlace && b != null && b != ZERO_UNIT) {
                    page = b;
                    for (int j = 0; j < UNIT; j++) page[j] ^= raw[at + j];
                } else if (reuse != null && reuse[k] != null) {
                    page = reuse[k];
                    System.arraycopy(raw, at, page, 0, UNIT);
                } else {
                    page = unit(raw, at, b, pageArray());
                }
                at += UNIT;
                if (origin[k] >= 0 && !equalsSource(refs, origin[k], page)) {
                    origin[k] = PageReferences.NONE;
                    originsRefused++;
                }
            }
            out.page((int) index[k], page, origin[k]);
        }
    }

    /** A {@link #RUNS} table read: each listed page's index and kind. */
    private final int[] runIndex = new int[MigrationWire.MAX_PAGES_PER_FRAME];
    private final int[] runKind = new int[MigrationWire.MAX_PAGES_PER_FRAME];

    /**
     * Reads a {@link #RUNS} table of {@code n} pages into {@link #runIndex} and {@link #runKind}: at most {@code n} runs,
     * each of at least one page, of kind zero, data or delta, inside the guest's {@code pageCount} pages, in increasing
     * order, holding {@code n} pages in all; anything else is refused by name.
     */
    private void decodeRuns(MigrationWire.Payload p, int n, int pageCount) throws MigrationException {
        long count = p.varint();
        if (count < 0 || count > n) throw p.malformed("its page table lists " + count + " runs for " + n + " pages");
        long previousLast = -1;
        int k = 0;
        for (long r = 0; r < count; r++) {
            long gap = p.varint();
            if (gap < 0 || gap >= pageCount) throw p.malformed("its page table's run " + r + " starts past the guest's " + pageCount + " pages");
            long first = previousLast + 1 + gap;
            int kind = p.u8();
            if (kind != MigrationWire.PAGE_ZERO && kind != MigrationWire.PAGE_DATA && kind != MigrationWire.PAGE_DELTA) {
                throw p.malformed("its page table's run " + r + " is of page kind " + kind + ", which runs may not hold");
            }
            long length = p.varint();
            if (length < 1 || length > n - k) throw p.malformed("its page table's run " + r + " of " + length + " pages does not fit its " + n + " pages");
            if (first + length > pageCount) throw p.malformed("page " + (first + length - 1) + " is outside the guest's " + pageCount + " pages");
            for (long j = 0; j < length; j++) {
                runIndex[k] = (int) (first + j);
                runKind[k++] = kind;
            }
            previousLast = first + length - 1;
        }
        if (k != n) throw p.malformed("its page table's runs hold " + k + " pages, not " + n);
    }

    private final byte[] sourceBytes = new byte[UNIT];

    /**
     * Whether {@code page} equals the 4 KiB this end holds at {@code ref} (its own disk image or boot file): only then
     * is the origin a source named for a data page recorded. A file that cannot be read here is no origin.
     */
    private boolean equalsSource(PageReferences refs, long ref, byte[] page) {
        try {
            return refs != null && refs.read(ref, sourceBytes) && java.util.Arrays.equals(sourceBytes, page);
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** A PAGES frame's table as sent (STORED or ZSTD), checked to be {@code length} bytes. */
    private byte[] unpackTable(MigrationWire.Payload p, int codec, byte[] stored, int length) throws MigrationException {
        return unpack(p, codec, stored, length, "page table");
    }

    /** A table or body packed by {@link #packTable} (STORED or ZSTD), checked to be {@code length} bytes; {@code what} names it in errors. */
    private byte[] unpack(MigrationWire.Payload p, int codec, byte[] stored, int length, String what) throws MigrationException {
        if (codec == STORED) {
            if (stored.length != length) throw p.malformed("its " + what + " holds " + stored.length + " bytes, not " + length);
            return stored;
        }
        if (codec != ZSTD) throw p.malformed("unknown " + what + " encoding " + codec);
        if (dctx == null) dctx = new ZstdDecompressCtx();
        byte[] table = new byte[length];
        int size;
        try {
            size = dctx.decompressByteArray(table, 0, length, stored, 0, stored.length);
        } catch (RuntimeException e) {
            throw p.malformed("its " + what + " does not decompress (" + e.getMessage() + ")");
        }
        if (size != length) throw p.malformed("its " + what + " decompresses to " + size + " bytes, not " + length);
        return table;
    }

    /** Unpacks {@code stored[from..from+length)} (codec STORED or ZSTD) into {@link #raw} at {@code at}, at most {@code max} bytes; returns the size. */
    private int unpack(MigrationWire.Payload p, int codec, byte[] stored, int from, int length, int at, int max) throws MigrationException {
        if (codec == STORED) {
            if (length > max) throw p.malformed("a data chunk holds " + length + " bytes, more than the " + max + " its pages leave for it");
            System.arraycopy(stored, from, raw, at, length);
            return length;
        }
        if (codec == STREAM) return stream.decompress(p, stored, from, length, raw, at, max);
        if (codec != ZSTD) throw p.malformed("unknown data encoding " + codec);
        if (dctx == null) dctx = new ZstdDecompressCtx();
        try {
            return dctx.decompressByteArray(raw, at, max, stored, from, length);
        } catch (RuntimeException e) {
            throw p.malformed("its data does not decompress (" + e.getMessage() + ")");
        }
    }

    private static final byte[] ZERO_UNIT = new byte[UNIT];

    /** Returns the disk number; blocks are checked against {@code blockCounts}. */
    int decodeBlocks(MigrationWire.Payload p, long[] blockCounts, UnitConsumer out) throws MigrationException {
        int disk = p.i32();
        if (disk < 0 || disk >= blockCounts.length) throw p.malformed("disk " + disk + " does not exist (the machine has " + blockCounts.length + ")");
        int n = p.count(MigrationWire.PAGES_PER_FRAME, "block count");
        long[] block = new long[n];
        boolean[] hasData = new boolean[n];
        for (int k = 0; k < n; k++) {
            long b = p.i64();
            if (b < 0 || b >= blockCounts[disk]) throw p.malformed("block " + b + " is outside disk " + disk + "'s " + blockCounts[disk] + " blocks");
            block[k] = b;
            int kind = p.u8();
            if (kind != MigrationWire.BLOCK_ABSENT && kind != MigrationWire.BLOCK_DATA) throw p.malformed("unknown block kind " + kind);
            hasData[k] = kind == MigrationWire.BLOCK_DATA;
        }
        deliver(p, block, hasData, null, null, n, out);
        return disk;
    }

    private void deliver(MigrationWire.Payload p, long[] number, boolean[] hasData, byte[][] rebuilt, byte[][] base, int n,
                         UnitConsumer out) throws MigrationException {
        unpackData(p, hasData, n);
        emit(raw, 0, number, hasData, rebuilt, base, n, out);
    }

    /** Reads the frame's data part into {@link #raw}, checked to hold exactly one unit per {@code hasData}. */
    private void unpackData(MigrationWire.Payload p, boolean[] hasData, int n) throws MigrationException {
        int count = 0;
        for (int k = 0; k < n; k++) if (hasData[k]) count++;
        unpackData(p, count * UNIT);
    }

    /**
     * Reads the frame's data part into {@link #raw}, checked to hold exactly {@code expected} bytes (at most
     * {@link MigrationWire#MAX_FRAME_DATA}): chunks of 1 to {@link MigrationWire#DATA_CHUNK} bytes unpacked (protocol 13),
     * until they hold that many, and then the payload's end.
     */
    private void unpackData(MigrationWire.Payload p, int expected) throws MigrationException {
        if (expected > raw.length) raw = new byte[MigrationWire.MAX_FRAME_DATA]; // callers check expected against it
        int got = 0;
        while (got < expected) {
            int codec = p.u8();
            // Unpacked from the frame's payload where it lies (a copy of it was 20 MiB of a destination's garbage a migration).
            int length = p.skipBytes(MigrationWire.MAX_PAYLOAD, "data chunk length");
            int from = p.position() - length;
            int size = unpack(p, codec, p.array(), from, length, got, Math.min(MigrationWire.DATA_CHUNK, expected - got));
            if (size <= 0) throw p.malformed("a data chunk unpacks to " + size + " bytes");
            got += size;
        }
        p.end();
    }

    /** One unit copied out of {@code units} at {@code at} into {@code into} (XORed with {@code base} if it is a delta); returns {@code into}. */
    private static byte[] unit(byte[] units, int at, byte[] base, byte[] into) {
        if (base != null) {
            for (int j = 0; j < UNIT; j++) into[j] = (byte) (units[at + j] ^ base[j]);
        } else {
            System.arraycopy(units, at, into, 0, UNIT);
        }
        return into;
    }

    /** Arrays decoded pages are copied into instead of new ones (a destination's, {@link PageArrayPool}); null: none. */
    private volatile PageArrayPool pool;

    /** Decoded pages go into arrays from {@code p} while it has any (null: new arrays, as before). */
    void usePool(PageArrayPool p) {
        pool = p;
    }

    /** Stops using the pool and lets the collector have the arrays it still holds (the migration is in). */
    void dropPool() {
        PageArrayPool p = pool;
        pool = null;
        if (p != null) p.clear();
    }

    /** An array for a decoded page: one of the pool's while it has any, else a new one. */
    private byte[] pageArray() {
        PageArrayPool p = pool;
        byte[] a = p == null ? null : p.take();
        return a != null ? a : new byte[UNIT];
    }

    /** Hands each unit to {@code out}: data ones from {@code units} at {@code at} on (a delta XORed into its base), others as rebuilt or zero. */
    private static void emit(byte[] units, int at, long[] number, boolean[] hasData, byte[][] rebuilt, byte[][] base, int n,
                             UnitConsumer out) throws MigrationException {
        for (int k = 0; k < n; k++) {
            byte[] unit = rebuilt != null ? rebuilt[k] : null;
            if (hasData[k]) {
                unit = unit(units, at, base != null ? base[k] : null, new byte[UNIT]);
                at += UNIT;
            }
            out.unit(number[k], unit);
        }
    }
}
