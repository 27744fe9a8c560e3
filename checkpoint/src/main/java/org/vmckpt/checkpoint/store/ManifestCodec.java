package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Encodes and decodes manifest files (see docs/FORMAT.md, "Manifest file").
 *
 * <pre>
 *   file header ("vmckpt-manifest", version)
 *   body codec u8 (0 none, 1 zstd) | body length u32 | stored length u32
 *   stored body
 *   CRC32C u32 of every byte before it
 * </pre>
 *
 * The body is a fixed sequence of sections (meta, config, records, packs, pages, disk, stats, and from version 4
 * an optional working set), each framed
 * as {@code id u8, length u32, content}. Decoding checks every count and length against the bytes that are
 * left before allocating anything, and the body size against {@link #MAX_BODY}, so a hostile manifest costs
 * at most a bounded amount of memory.
 */
final class ManifestCodec {
    private ManifestCodec() {
    }

    static final String NAME = "vmckpt-manifest";
    /**
     * Version 3: the page table may hold SOURCE runs (kind 5); written only for manifests that do, so a
     * checkpoint without them stays readable by older builds.
     */
    static final int VERSION = 6;
    /**
     * Version 6: right after the stats section, an optional section 10 (boot-file deltas) lists the DATA pages whose stored unit is
     * their XOR with 4096 bytes of a boot file, and those references; written only for manifests that have such pages,
     * so a checkpoint without them stays readable by older builds, and an older build refuses one with them by its
     * version (it would restore the XOR as the page).
     */
    static final int DELTA_VERSION = 6;
    /**
     * Version 4: an optional last section, 8 (working set), lists the pages a lazy restore fetches first;
     * written only for manifests that have one.
     */
    static final int WORKING_SET_VERSION = 4;
    /**
     * Version 5: after section 8 (then always present, perhaps with no run), an optional section 9 (write order):
     * the pages the guest wrote first after the checkpoint's freeze, in order; written only for manifests that have one.
     */
    static final int WRITE_ORDER_VERSION = 5;
    /** Version 2: the body may be encrypted (codec bit 0x80); written for encrypted repositories. */
    static final int ENCRYPTED_VERSION = 2;
    static final int PLAIN_VERSION = 1;
    /** The first version whose page tables may hold SOURCE runs. */
    static final int SOURCE_VERSION = 3;
    static final int ENCRYPTED = 0x80;
    static final int OLDEST_VERSION = 1;

    /** Largest decoded body (16 MiB): millions of page-table runs, far beyond a realistic checkpoint. */
    static final int MAX_BODY = 16 << 20;
    static final int PREAMBLE_LENGTH = FileCodec.headerLength(NAME) + 1 + 4 + 4;
    static final int MAX_FILE = PREAMBLE_LENGTH + MAX_BODY + RepositoryKey.OVERHEAD + 4;
    static final int MANIFEST_ZSTD_LEVEL = 3;

    static final int SECTION_META = 1;
    static final int SECTION_CONFIG = 2;
    static final int SECTION_RECORDS = 3;
    static final int SECTION_PACKS = 4;
    static final int SECTION_PAGES = 5;
    static final int SECTION_DISK = 6;
    static final int SECTION_STATS = 7;
    static final int SECTION_WORKING_SET = 8;
    static final int SECTION_WRITE_ORDER = 9;
    static final int SECTION_DELTAS = 10;
    private static final String[] SECTION_NAMES = {"", "meta", "config", "records", "packs", "pages", "disk", "stats", "working set", "write order",
            "boot-file deltas"};

    static final int MAX_ITEMS = 1 << 16;
    static final int MAX_KEY_BYTES = 1024;
    static final int MAX_VALUE_BYTES = 1 << 16;
    static final int MAX_PAGE_COUNT = Integer.MAX_VALUE - 8;
    private static final long MAX_EPOCH_SECOND = Instant.MAX.getEpochSecond();
    private static final long MIN_EPOCH_SECOND = Instant.MIN.getEpochSecond();

    // ------------------------------------------------------------------------------------------- encoding

    /** The manifest file's bytes. Fails if the body would exceed {@link #MAX_BODY}. */
    static byte[] encode(Manifest m) throws IOException {
        return encode(m, null);
    }

    /** Encodes a manifest; with a key, its body (after compression) is sealed with AES-256-GCM (version 2). */
    static byte[] encode(Manifest m, RepositoryKey key) throws IOException {
        return encode(m, key, new ManifestBuffers()).toByteArray();
    }

    /**
     * Encodes a manifest into {@code buffers} (emptied first): the file's bytes are the returned sink's
     * {@code array()[0..size()-1]}, valid until the buffers encode another. Allocates no array once they have grown.
     */
    static ByteSink encode(Manifest m, RepositoryKey key, ManifestBuffers buffers) throws IOException {
        buffers.reset();
        ByteSink body = buffers.body;
        section(body, SECTION_META, s -> encodeMeta(s, m.info()));
        section(body, SECTION_CONFIG, s -> {
            s.varint(m.config().size());
            for (Map.Entry<String, String> e : m.config().entrySet()) s.string(e.getKey()).string(e.getValue());
        });
        section(body, SECTION_RECORDS, s -> {
            s.varint(m.records().size());
            for (StateRecord r : m.records().values()) {
                s.string(r.name()).u32(r.version()).varint(r.payloadLength()).bytes(r.payloadUnsafe());
            }
        });
        section(body, SECTION_PACKS, s -> {
            s.varint(m.packs().size());
            for (Manifest.PackRef p : m.packs()) s.bytes(java.util.HexFormat.of().parseHex(p.id())).varint(p.unitCount());
        });
        section(body, SECTION_PAGES, s -> encodeTable(s, m.pages(), m.packs().size(), false));
        section(body, SECTION_DISK, s -> encodeTable(s, m.disk(), m.packs().size(), true));
        section(body, SECTION_STATS, s -> {
            s.varint(m.info().stats().size());
            for (Map.Entry<String, Long> e : m.info().stats().entrySet()) s.string(e.getKey()).i64(e.getValue());
        });
        boolean deltas = m.hasDeltas();
        if (deltas) section(body, SECTION_DELTAS, s -> encodeDeltas(s, m.deltas()));
        java.util.BitSet ws = m.workingSet();
        int[] order = m.writeOrder();
        boolean writeOrder = order.length > 0;
        boolean workingSet = !ws.isEmpty() || writeOrder;
        if (workingSet) section(body, SECTION_WORKING_SET, s -> encodeWorkingSet(s, ws));
        if (writeOrder) section(body, SECTION_WRITE_ORDER, s -> {
            s.varint(order.length);
            for (int page : order) s.varint(page);
        });
        int version = deltas ? DELTA_VERSION : writeOrder ? WRITE_ORDER_VERSION : workingSet ? WORKING_SET_VERSION : -1;
        if (body.size() > MAX_BODY) {
            throw new IOException("checkpoint " + m.info().id() + ": its manifest would be " + body.size()
                    + " bytes, more than the " + MAX_BODY + " bytes a manifest may have (page table of "
                    + m.pages().runCount() + " runs, disk table of " + m.disk().runCount() + " runs)");
        }

        boolean sources = hasSources(m.pages());
        int fileVersion = key == null ? (version > 0 ? version : sources ? SOURCE_VERSION : PLAIN_VERSION)
                : (version > 0 ? version : sources ? SOURCE_VERSION : ENCRYPTED_VERSION);
        return wrap(buffers.body, fileVersion, key, buffers);
    }

    /**
     * The file around an encoded body (in {@code buffers.body}): header of {@code version}, the body compressed when that
     * makes it smaller, sealed with {@code key} if not null, the CRC. Into {@code buffers.file} (emptied by the caller).
     */
    static ByteSink wrap(ByteSink body, int version, RepositoryKey key, ManifestBuffers buffers) throws IOException {
        int codec = Codec.NONE.code;
        byte[] stored = body.array();
        int storedLen = body.size();
        byte[] packed = buffers.packed((int) Zstd.compressBound(body.size()));
        long n = Zstd.compressByteArray(packed, 0, packed.length, body.array(), 0, body.size(), MANIFEST_ZSTD_LEVEL);
        if (n < storedLen) {
            codec = Codec.ZSTD.code;
            stored = packed;
            storedLen = (int) n;
        }
        ByteSink file = buffers.file;
        FileCodec.writeHeader(file, NAME, version);
        if (key == null) {
            file.u8(codec).u32(body.size()).u32(storedLen).bytes(stored, 0, storedLen);
        } else {
            file.u8(codec | ENCRYPTED).u32(body.size()).u32(storedLen + RepositoryKey.OVERHEAD);
            byte[] preamble = java.util.Arrays.copyOf(file.array(), file.size());
            byte[] sealed = key.seal(stored, 0, storedLen, preamble);
            file.bytes(sealed, 0, sealed.length);
        }
        FileCodec.writeFooter(file);
        return file;
    }

    private interface SectionWriter {
        void write(ByteSink s);
    }

    private static void section(ByteSink body, int id, SectionWriter w) {
        body.u8(id);
        int lengthAt = body.size();
        body.u32(0);
        w.write(body);
        body.putU32At(lengthAt, body.size() - lengthAt - 4);
    }

    /** Runs of set bits: {@code varint n}, then per run the gap since the previous run's end and its length. */
    private static void encodeWorkingSet(ByteSink s, java.util.BitSet ws) {
        int runs = 0;
        for (int i = ws.nextSetBit(0); i >= 0; i = ws.nextSetBit(ws.nextClearBit(i))) runs++;
        s.varint(runs);
        int prevEnd = 0;
        for (int i = ws.nextSetBit(0); i >= 0; i = ws.nextSetBit(i)) {
            int end = ws.nextClearBit(i);
            s.varint(i - prevEnd).varint(end - i);
            prevEnd = end;
            i = end;
        }
    }

    private static void encodeMeta(ByteSink s, CheckpointInfo i) {
        s.string(i.id()).string(i.label() == null ? "" : i.label()).string(i.parentId() == null ? "" : i.parentId());
        s.i64(i.created().getEpochSecond()).u32(i.created().getNano());
        s.u8(i.kind().code).u8(i.mode().code).varint(i.pageCount());
    }

    /**
     * Runs in key order. Page tables store every run; disk tables skip ABSENT runs and store the gap before
     * each run instead. DATA runs store their first unit as a difference from where the previous DATA run
     * in the same pack ended (0 when pages were written in order), DISK_BLOCK runs likewise for blocks.
     */
    private static boolean hasSources(RunTable t) {
        for (int r = 0; r < t.runCount(); r++) if (TableEntry.kind(t.value(r)) == TableEntry.KIND_SOURCE) return true;
        return false;
    }

    /**
     * The boot-file delta section: {@code varint runs}, then per run the gap since the previous run's end, its length,
     * the source and its first sector as the difference from where the previous run of that source ended (a run is
     * consecutive pages referring to consecutive pages of one source).
     */
    private static void encodeDeltas(ByteSink s, RunTable t) {
        int runs = 0;
        for (int r = 0; r < t.runCount(); r++) if (TableEntry.kind(t.value(r)) == TableEntry.KIND_SOURCE) runs++;
        s.varint(runs);
        java.util.Map<Integer, Long> nextSector = new java.util.HashMap<>();
        long prevEnd = 0;
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            if (TableEntry.kind(v) != TableEntry.KIND_SOURCE) continue;
            long start = t.start(r), length = t.runEnd(r) - start;
            int src = TableEntry.pack(v);
            s.varint(start - prevEnd).varint(length).varint(src).zigzag(TableEntry.base(v) - nextSector.getOrDefault(src, 0L));
            nextSector.put(src, TableEntry.base(v) + length * TableEntry.SOURCE_SECTORS_PER_PAGE);
            prevEnd = start + length;
        }
    }

    /** Decodes the boot-file delta section; every page it lists must be a DATA page of {@code pages}. */
    private static RunTable decodeDeltas(BoundedReader s, RunTable pages, long pageCount) throws CheckpointFormatException {
        int runs = s.count("delta run count", 4, Integer.MAX_VALUE - 8);
        if (runs == 0) throw s.error("boot-file delta section lists no page");
        java.util.Map<Integer, Long> nextSector = new java.util.HashMap<>();
        RunTable.Builder b = new RunTable.Builder(runs * 2 + 1);
        long pos = 0;
        for (int r = 0; r < runs; r++) {
            long start = pos + s.varint("delta run gap", 0, pageCount - pos);
            long length = s.varint("delta run length", 1, pageCount - start);
            int src = (int) s.varint("delta run source", 0, TableEntry.MAX_SOURCE - 1);
            long delta = s.zigzag("delta run sector");
            long sector = nextSector.getOrDefault(src, 0L) + delta;
            long span = length * TableEntry.SOURCE_SECTORS_PER_PAGE;
            if (delta < -TableEntry.MAX_BASE || delta > TableEntry.MAX_BASE || sector < 0 || sector > TableEntry.MAX_BASE - 1 - span) {
                throw s.error("delta run " + r + " points at sectors " + sector + "+" + span + " of source " + src + ", out of range");
            }
            for (long p = start; p < start + length; p++) {
                if (TableEntry.kind(pages.valueAt(p)) != TableEntry.KIND_DATA) {
                    throw s.error("delta run " + r + " lists page " + p + ", which is not a DATA page");
                }
            }
            nextSector.put(src, sector + span);
            if (start > pos) b.add(pos, start - pos, TableEntry.ABSENT);
            b.add(start, length, TableEntry.source(src, sector));
            pos = start + length;
        }
        return b.build();
    }

    private static void encodeTable(ByteSink s, RunTable t, int packCount, boolean disk) {
        int stored = 0;
        for (int r = 0; r < t.runCount(); r++) if (TableEntry.kind(t.value(r)) != TableEntry.KIND_ABSENT) stored++;
        s.varint(stored);
        long[] nextUnit = new long[packCount];
        long nextBlock = 0;
        java.util.Map<Integer, Long> nextSector = new java.util.HashMap<>();
        long prevEnd = 0;
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            int kind = TableEntry.kind(v);
            if (kind == TableEntry.KIND_ABSENT) continue;
            long start = t.start(r);
            long length = t.runEnd(r) - start;
            if (disk) s.varint(start - prevEnd);
            s.varint(length).u8(kind);
            if (kind == TableEntry.KIND_DATA) {
                int p = TableEntry.pack(v);
                s.varint(p).zigzag(TableEntry.base(v) - nextUnit[p]);
                nextUnit[p] = TableEntry.base(v) + length;
            } else if (kind == TableEntry.KIND_DISK_BLOCK) {
                s.zigzag(TableEntry.base(v) - nextBlock);
                nextBlock = TableEntry.base(v) + length;
            } else if (kind == TableEntry.KIND_SOURCE) {
                int src = TableEntry.pack(v);
                s.varint(src).zigzag(TableEntry.base(v) - nextSector.getOrDefault(src, 0L));
                nextSector.put(src, TableEntry.base(v) + length * TableEntry.SOURCE_SECTORS_PER_PAGE);
            }
            prevEnd = start + length;
        }
    }

    // ------------------------------------------------------------------------------------------- decoding

    /** Reads and decodes a manifest file. */
    static Manifest read(Path file) throws IOException {
        return read(file, null);
    }

    /** Reads and decodes a manifest file, decrypting it with {@code key} if it is encrypted. */
    static Manifest read(Path file, RepositoryKey key) throws IOException {
        return decode(file, readBytes(file), key);
    }

    private static byte[] readBytes(Path file) throws IOException {
        FileChannel ch;
        try {
            FileOps.requireRegularFile(file, "the manifest");
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointFormatException(file, "manifest is missing");
        }
        byte[] bytes;
        try (ch) {
            long size = ch.size();
            if (size > MAX_FILE) {
                throw new CheckpointFormatException(file, "manifest is " + size + " bytes, larger than any manifest can be (" + MAX_FILE + ")");
            }
            bytes = new byte[(int) size];
            ByteBuffer bb = ByteBuffer.wrap(bytes);
            while (bb.hasRemaining()) {
                if (ch.read(bb) < 0) throw new CheckpointFormatException(file, "manifest shrank while it was read");
            }
        }
        return bytes;
    }

    static Manifest decode(Path file, byte[] bytes) throws CheckpointFormatException {
        return decode(file, bytes, null);
    }

    /** Checks what needs no key: the file header, the length and the CRC (of the ciphertext, if encrypted). */
    static void checkIntegrity(Path file, byte[] bytes) throws CheckpointFormatException {
        BoundedReader in = new BoundedReader(file, "manifest", bytes, 0, bytes.length);
        FileCodec.readHeader(in, file, NAME, OLDEST_VERSION, VERSION);
        if (bytes.length < PREAMBLE_LENGTH + 4) throw new CheckpointFormatException(file, "manifest is truncated: " + bytes.length + " bytes");
        if (!FileCodec.footerMatches(bytes, 0, bytes.length)) {
            throw new CheckpointFormatException(file, "manifest CRC mismatch (the file is corrupted or truncated)");
        }
    }

    static Manifest decode(Path file, byte[] bytes, RepositoryKey key) throws CheckpointFormatException {
        Body b = body(file, bytes, key);
        Manifest m = decodeBody(file, b.reader(), b.version());
        m.decodeFirstTouches(); // all of the manifest, now
        return m;
    }

    /**
     * Reads a manifest file as {@link #read} does, leaving its working set and write order undecoded until asked for
     * ({@link FirstTouches}: only a lazy restore and verify ask): what opening a checkpoint reads.
     */
    static Manifest readLeavingFirstTouches(Path file, RepositoryKey key) throws IOException {
        Body b = body(file, readBytes(file), key);
        return decodeBody(file, b.reader(), b.version());
    }

    /**
     * Reads a manifest file, checks it as {@link #read} does (header, CRC of the whole file, body length), and decodes
     * only its meta section: the checkpoint's id and label. Resolving a label needs nothing more, and decoding every
     * manifest's page table, working set and write order in a cold JVM was most of what opening a checkpoint by its
     * label cost a restore (the chosen manifest is then read whole, once).
     *
     * @return {id, label}; the label is null if the checkpoint has none
     */
    static String[] readIdAndLabel(Path file, RepositoryKey key) throws IOException {
        return idAndLabel(section(body(file, readBytes(file), key).reader(), SECTION_META));
    }

    /** The meta section's first two fields, checked: {id, label}, the label null if the checkpoint has none. */
    private static String[] idAndLabel(BoundedReader s) throws CheckpointFormatException {
        String id = s.string("checkpoint id", 64);
        if (!Ids.isCheckpointId(id)) throw s.error("checkpoint id '" + id + "' is not 16 hex digits");
        String label = s.string("label", CheckpointMeta.MAX_LABEL_LENGTH * 4);
        if (label.isEmpty()) return new String[] {id, null};
        try {
            CheckpointMeta.checkLabel(label);
        } catch (IllegalArgumentException e) {
            throw s.error("bad label: " + e.getMessage());
        }
        return new String[] {id, label};
    }

    /** A manifest's body and the file's format version. */
    private record Body(BoundedReader reader, int version) { }

    /** The manifest's body, checked (header, CRC, lengths), decrypted and decompressed. */
    private static Body body(Path file, byte[] bytes, RepositoryKey key) throws CheckpointFormatException {
        BoundedReader in = new BoundedReader(file, "manifest", bytes, 0, bytes.length);
        int version = FileCodec.readHeader(in, file, NAME, OLDEST_VERSION, VERSION);
        if (bytes.length < PREAMBLE_LENGTH + 4) {
            throw new CheckpointFormatException(file, "manifest is truncated: " + bytes.length + " bytes");
        }
        if (!FileCodec.footerMatches(bytes, 0, bytes.length)) {
            throw new CheckpointFormatException(file, "manifest CRC mismatch (the file is corrupted or truncated)");
        }
        int codecCode = in.u8("body codec");
        long bodyLength = in.u32("body length");
        long storedLength = in.u32("stored length");
        boolean encrypted = version >= 2 && (codecCode & ENCRYPTED) != 0;
        if (encrypted) codecCode &= ~ENCRYPTED;
        Codec codec = Codec.ofCode(codecCode);
        if (codec == null) throw new CheckpointFormatException(file, "unknown manifest body codec " + codecCode);
        if (storedLength != bytes.length - PREAMBLE_LENGTH - 4) {
            throw new CheckpointFormatException(file, "manifest says its body is " + storedLength + " bytes, the file holds "
                    + (bytes.length - PREAMBLE_LENGTH - 4));
        }
        if (bodyLength > MAX_BODY) {
            throw new CheckpointFormatException(file, "manifest body of " + bodyLength + " bytes exceeds the limit of " + MAX_BODY);
        }
        byte[] src = bytes;
        int srcOffset = PREAMBLE_LENGTH;
        if (encrypted) {
            if (key == null) {
                throw new KeyRequiredException(file, "the manifest");
            }
            src = key.open(bytes, PREAMBLE_LENGTH, (int) storedLength, java.util.Arrays.copyOf(bytes, PREAMBLE_LENGTH), file, "the manifest");
            srcOffset = 0;
            storedLength = src.length;
        }
        byte[] body;
        if (codec == Codec.NONE) {
            if (bodyLength != storedLength) throw new CheckpointFormatException(file, "uncompressed manifest body length mismatch");
            body = src;
        } else {
            body = new byte[(int) bodyLength];
            long n;
            try (ZstdDecompressCtx z = new ZstdDecompressCtx()) {
                n = z.decompressByteArray(body, 0, body.length, src, srcOffset, (int) storedLength);
            } catch (RuntimeException e) {
                throw new CheckpointFormatException(file, "manifest body does not decompress: " + e.getMessage());
            }
            if (n != bodyLength) {
                throw new CheckpointFormatException(file, "manifest body decompressed to " + n + " bytes, expected " + bodyLength);
            }
        }
        int bodyOffset = codec == Codec.NONE ? srcOffset : 0;
        return new Body(new BoundedReader(file, "manifest body", body, bodyOffset, (int) bodyLength), version);
    }

    private static BoundedReader section(BoundedReader body, int id) throws CheckpointFormatException {
        int found = body.u8("section id");
        if (found != id) {
            throw body.error("expected section " + id + " (" + SECTION_NAMES[id] + "), found section " + found);
        }
        long len = body.u32(SECTION_NAMES[id] + " section length");
        if (len > body.remaining()) {
            throw body.error(SECTION_NAMES[id] + " section claims " + len + " bytes, only " + body.remaining() + " are left");
        }
        return body.sub(SECTION_NAMES[id] + " section", (int) len);
    }

    private static Manifest decodeBody(Path file, BoundedReader body, int formatVersion) throws CheckpointFormatException {
        BoundedReader s = section(body, SECTION_META);
        String[] idAndLabel = idAndLabel(s);
        String id = idAndLabel[0], label = idAndLabel[1];
        String parent = s.string("parent id", 64);
        if (parent.isEmpty()) parent = null;
        else if (!Ids.isCheckpointId(parent)) throw s.error("parent id '" + parent + "' is not 16 hex digits");
        long seconds = s.i64("creation time");
        long nanos = s.u32("creation time nanoseconds");
        if (seconds < MIN_EPOCH_SECOND || seconds > MAX_EPOCH_SECOND || nanos >= 1_000_000_000L) {
            throw s.error("bad creation time " + seconds + "s " + nanos + "ns");
        }
        CheckpointKind kind = CheckpointKind.ofCode(s.u8("kind"));
        CaptureMode mode = CaptureMode.ofCode(s.u8("mode"));
        if (kind == null || mode == null) throw s.error("unknown checkpoint kind or mode");
        if ((kind == CheckpointKind.INCREMENTAL) != (parent != null)) {
            throw s.error(kind + " checkpoint " + (parent == null ? "without" : "with") + " a parent");
        }
        int pageCount = (int) s.varint("page count", 1, MAX_PAGE_COUNT);
        s.expectEnd("meta section");

        s = section(body, SECTION_CONFIG);
        int n = s.count("config entry count", 2, MAX_ITEMS);
        Map<String, String> config = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String k = s.string("config key", MAX_KEY_BYTES);
            String v = s.string("config value", MAX_VALUE_BYTES);
            if (config.put(k, v) != null) throw s.error("config key '" + k + "' appears twice");
        }
        s.expectEnd("config section");

        s = section(body, SECTION_RECORDS);
        n = s.count("record count", 6, MAX_ITEMS);
        Map<String, StateRecord> records = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            String name = s.string("record name", StateRecord.MAX_NAME_BYTES);
            if (name.isEmpty()) throw s.error("empty record name");
            int version = s.i32("record version");
            int len = (int) s.varint("record length", 0, s.remaining());
            StateRecord r = new StateRecord(name, version, s.bytes(len, "record payload"));
            if (records.put(name, r) != null) throw s.error("record '" + name + "' appears twice");
        }
        s.expectEnd("records section");

        s = section(body, SECTION_PACKS);
        n = s.count("pack count", Ids.PACK_ID_BYTES + 1, MAX_ITEMS);
        List<Manifest.PackRef> packs = new ArrayList<>(n);
        Set<String> packIds = new HashSet<>();
        for (int i = 0; i < n; i++) {
            String pid = Ids.hex(s.bytes(Ids.PACK_ID_BYTES, "pack id"));
            long units = s.varint("pack unit count", 1, TableEntry.MAX_BASE - 1);
            if (!packIds.add(pid)) throw s.error("pack " + pid + " is listed twice");
            packs.add(new Manifest.PackRef(pid, units));
        }
        s.expectEnd("packs section");

        s = section(body, SECTION_PAGES);
        RunTable pages = decodeTable(s, packs, pageCount, false, formatVersion >= SOURCE_VERSION);
        s.expectEnd("pages section");
        s = section(body, SECTION_DISK);
        RunTable disk = decodeTable(s, packs, -1, true, false);
        s.expectEnd("disk section");

        s = section(body, SECTION_STATS);
        n = s.count("stat count", 9, MAX_ITEMS);
        Map<String, Long> stats = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String k = s.string("stat key", MAX_KEY_BYTES);
            long v = s.i64("stat value");
            if (stats.put(k, v) != null) throw s.error("stat '" + k + "' appears twice");
        }
        s.expectEnd("stats section");
        RunTable deltas = RunTable.EMPTY;
        if (formatVersion >= DELTA_VERSION && body.remaining() > 0 && body.peekU8() == SECTION_DELTAS) {
            s = section(body, SECTION_DELTAS);
            deltas = decodeDeltas(s, pages, pageCount);
            s.expectEnd("boot-file delta section");
        }
        // The working set and write order: their sections' bounds now, their contents when asked for (FirstTouches).
        BoundedReader workingSet = null;
        if (formatVersion >= WORKING_SET_VERSION && body.remaining() > 0) workingSet = section(body, SECTION_WORKING_SET);
        BoundedReader writeOrder = null;
        if (formatVersion >= WRITE_ORDER_VERSION && body.remaining() > 0) writeOrder = section(body, SECTION_WRITE_ORDER);
        body.expectEnd("manifest body");

        CheckpointInfo info = new CheckpointInfo(id, label, parent, Instant.ofEpochSecond(seconds, nanos), kind, mode,
                pageCount, stats);
        return new Manifest(info, Collections.unmodifiableMap(config), Collections.unmodifiableMap(records),
                List.copyOf(packs), pages, disk, FirstTouches.undecoded(pageCount, workingSet, writeOrder), deltas);
    }

    /** The write order: at least one page, each inside {@code 0..pageCount-1}, none twice. */
    static int[] decodeWriteOrder(BoundedReader s, int pageCount) throws CheckpointFormatException {
        int n = s.count("write order page count", 1, pageCount);
        if (n == 0) throw s.error("write order section lists no page");
        int[] order = new int[n];
        long[] seen = new long[(pageCount + 63) >>> 6]; // (a plain bit array: this runs once per restore, interpreted)
        for (int i = 0; i < n; i++) {
            int page = (int) s.varint("write order page", 0, pageCount - 1);
            long bit = 1L << page;
            if ((seen[page >>> 6] & bit) != 0) throw s.error("write order lists page " + page + " twice");
            seen[page >>> 6] |= bit;
            order[i] = page;
        }
        return order;
    }

    /** The working set's runs, each inside {@code 0..pageCount-1}, in order, not touching the previous one. */
    static java.util.BitSet decodeWorkingSet(BoundedReader s, int pageCount) throws CheckpointFormatException {
        int runs = s.count("working set run count", 2, pageCount);
        java.util.BitSet ws = new java.util.BitSet(pageCount);
        long pos = 0;
        for (int r = 0; r < runs; r++) {
            long gap = s.varint("working set gap", r == 0 ? 0 : 1, pageCount - pos);
            long start = pos + gap;
            long length = s.varint("working set run length", 1, pageCount - start);
            ws.set((int) start, (int) (start + length));
            pos = start + length;
        }
        return ws;
    }

    /**
     * Decodes a run table. A page table ({@code pageCount >= 0}) must cover exactly {@code 0..pageCount-1};
     * a disk table covers whatever its runs say, below {@link TableEntry#MAX_BASE}.
     */
    private static RunTable decodeTable(BoundedReader s, List<Manifest.PackRef> packs, long pageCount, boolean disk,
                                        boolean sourcesAllowed) throws CheckpointFormatException {
        String what = disk ? "disk run" : "page run";
        int runs = s.count(what + " count", disk ? 3 : 2, Integer.MAX_VALUE - 8);
        long limit = disk ? TableEntry.MAX_BASE - 1 : pageCount;
        long[] nextUnit = new long[packs.size()];
        long nextBlock = 0;
        java.util.Map<Integer, Long> nextSector = new java.util.HashMap<>();
        long pos = 0;
        // The names the reader puts in its error messages, made once: not once per run (a table has up to a run
        // per page, and a checkpoint reads its manifest back while the guest runs: garbage makes collections).
        String gapName = what + " gap", lengthName = what + " length", kindName = what + " kind";
        String packName = what + " pack index", unitName = what + " unit", blockName = what + " disk block";
        String sourceName = what + " source", sectorName = what + " source sector";
        RunTable.Builder b = new RunTable.Builder(disk ? runs * 2 + 1 : runs);
        for (int r = 0; r < runs; r++) {
            long start = pos;
            if (disk) {
                long gap = s.varint(gapName, 0, limit - pos);
                start = pos + gap;
            }
            long length = s.varint(lengthName, 1, limit - start);
            int kind = s.u8(kindName);
            long value;
            if (kind == TableEntry.KIND_DATA) {
                int p = (int) s.varint(packName, 0, packs.size() - 1);
                long delta = s.zigzag(unitName);
                long units = packs.get(p).unitCount();
                long unit = nextUnit[p] + delta;
                if (delta < -TableEntry.MAX_BASE || delta > TableEntry.MAX_BASE || unit < 0 || unit > units - length) {
                    throw s.error(what + " " + r + " points at units " + unit + "+" + length + " of pack " + p
                            + ", which has " + units);
                }
                nextUnit[p] = unit + length;
                value = TableEntry.data(p, unit);
            } else if (kind == TableEntry.KIND_DISK_BLOCK && !disk) {
                long delta = s.zigzag(blockName);
                long block = nextBlock + delta;
                if (delta < -TableEntry.MAX_BASE || delta > TableEntry.MAX_BASE || block < 0 || block > TableEntry.MAX_BASE - 1 - length) {
                    throw s.error(what + " " + r + " points at disk blocks " + block + "+" + length + ", out of range");
                }
                nextBlock = block + length;
                value = TableEntry.diskBlock(block);
            } else if (kind == TableEntry.KIND_SOURCE && sourcesAllowed) {
                int src = (int) s.varint(sourceName, 0, TableEntry.MAX_SOURCE - 1);
                long delta = s.zigzag(sectorName);
                long sector = nextSector.getOrDefault(src, 0L) + delta;
                long span = length * TableEntry.SOURCE_SECTORS_PER_PAGE;
                if (delta < -TableEntry.MAX_BASE || delta > TableEntry.MAX_BASE || sector < 0 || sector > TableEntry.MAX_BASE - 1 - span) {
                    throw s.error(what + " " + r + " points at sectors " + sector + "+" + span + " of source " + src + ", out of range");
                }
                nextSector.put(src, sector + span);
                value = TableEntry.source(src, sector);
            } else if (kind == TableEntry.KIND_ZERO || kind == TableEntry.KIND_FREE && !disk) {
                value = TableEntry.make(kind, 0, 0);
            } else {
                throw s.error(what + " " + r + " has kind " + kind + ", not allowed here");
            }
            b.add(start, length, value);
            pos = start + length;
        }
        if (!disk && pos != pageCount) {
            throw s.error("page runs cover " + pos + " pages, the checkpoint has " + pageCount);
        }
        return b.build();
    }
}
