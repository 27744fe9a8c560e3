package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * What pack compaction reads and writes of manifests, without decoding them into {@link Manifest}s: a manifest's
 * file read into kept buffers, its body checked and decompressed, its packs listed, its DATA runs walked, and a copy
 * written with the DATA runs of moved units pointing at the new pack and its other sections copied byte for byte.
 *
 * <p>Why not {@link ManifestCodec#read} and {@link ManifestCodec#encode}: decoding a memdirty guest's ten kept manifests
 * and their rewritten copies every pass made ~90 MB of garbage, with the launcher's 16 MB young generation and no
 * tenuring (every object alive at a young collection is promoted) ~30 MB a pass went to the old generation: 1 GB in
 * 14 minutes (round 69's first long run). Here a pass allocates a few objects per manifest and pack, and the buffers are
 * kept (one transcoder per repository, used under its lock).
 */
final class ManifestTranscoder {
    private byte[] file = new byte[0];
    private byte[] plain = new byte[0];
    private ZstdDecompressCtx zstd;
    private final ManifestBuffers out = new ManifestBuffers();
    private long[] nextIn = new long[64];
    private long[] nextOut = new long[64];
    private boolean[] used = new boolean[64];
    private int[] renumber = new int[64];

    // The manifest read last.
    private Path path;
    private int version;
    private boolean encrypted;
    private byte[] body;
    private int bodyStart, bodyEnd;
    private int packsAt, pagesAt, diskAt, afterDisk;
    final List<String> packIds = new ArrayList<>();
    private long[] packUnits = new long[64];

    /** Reads and checks manifest {@code f} (header, CRC, lengths; decrypted with {@code key} if it is sealed). */
    void read(Path f, RepositoryKey key) throws IOException {
        path = f;
        int size = readFile(f);
        BoundedReader in = new BoundedReader(f, "manifest", file, 0, size);
        version = FileCodec.readHeader(in, f, ManifestCodec.NAME, ManifestCodec.OLDEST_VERSION, ManifestCodec.VERSION);
        if (size < ManifestCodec.PREAMBLE_LENGTH + 4) throw new CheckpointFormatException(f, "manifest is truncated: " + size + " bytes");
        if (!FileCodec.footerMatches(file, 0, size)) throw new CheckpointFormatException(f, "manifest CRC mismatch");
        int codec = in.u8("body codec");
        long bodyLength = in.u32("body length");
        long stored = in.u32("stored length");
        encrypted = version >= 2 && (codec & ManifestCodec.ENCRYPTED) != 0;
        if (encrypted) codec &= ~ManifestCodec.ENCRYPTED;
        if (Codec.ofCode(codec) == null) throw new CheckpointFormatException(f, "unknown manifest body codec " + codec);
        if (stored != size - ManifestCodec.PREAMBLE_LENGTH - 4) throw new CheckpointFormatException(f, "manifest stored length mismatch");
        if (bodyLength > ManifestCodec.MAX_BODY) throw new CheckpointFormatException(f, "manifest body too large");
        byte[] src = file;
        int srcAt = ManifestCodec.PREAMBLE_LENGTH;
        int srcLen = (int) stored;
        if (encrypted) {
            if (key == null) throw new KeyRequiredException(f, "the manifest");
            src = key.open(file, ManifestCodec.PREAMBLE_LENGTH, srcLen, java.util.Arrays.copyOf(file, ManifestCodec.PREAMBLE_LENGTH), f, "the manifest");
            srcAt = 0;
            srcLen = src.length;
        }
        if (codec == Codec.NONE.code) {
            if (srcLen != bodyLength) throw new CheckpointFormatException(f, "uncompressed manifest body length mismatch");
            body = src;
            bodyStart = srcAt;
        } else {
            if (plain.length < bodyLength) plain = new byte[(int) Math.max(bodyLength, plain.length * 3L / 2)];
            if (zstd == null) zstd = new ZstdDecompressCtx();
            long n;
            try {
                n = zstd.decompressByteArray(plain, 0, (int) bodyLength, src, srcAt, srcLen);
            } catch (RuntimeException e) {
                throw new CheckpointFormatException(f, "manifest body does not decompress: " + e.getMessage());
            }
            if (n != bodyLength) throw new CheckpointFormatException(f, "manifest body decompressed to " + n + " bytes");
            body = plain;
            bodyStart = 0;
        }
        bodyEnd = bodyStart + (int) bodyLength;
        // The sections' places: 1 meta, 2 config, 3 records, 4 packs, 5 pages, 6 disk, then the rest.
        int at = bodyStart;
        for (int id = 1; id <= 6; id++) {
            BoundedReader s = new BoundedReader(f, "manifest body", body, at, bodyEnd - at);
            int found = s.u8("section id");
            if (found != id) throw s.error("expected section " + id + ", found " + found);
            long len = s.u32("section length");
            if (len > s.remaining()) throw s.error("section " + id + " claims " + len + " bytes");
            if (id == 4) packsAt = at;
            if (id == 5) pagesAt = at;
            if (id == 6) diskAt = at;
            at += 5 + (int) len;
        }
        afterDisk = at;
        BoundedReader p = section(packsAt);
        int n = p.count("pack count", Ids.PACK_ID_BYTES + 1, ManifestCodec.MAX_ITEMS);
        packIds.clear();
        if (packUnits.length < n + 1) packUnits = new long[n + 16];
        for (int i = 0; i < n; i++) {
            packIds.add(Ids.hex(p.bytes(Ids.PACK_ID_BYTES, "pack id")));
            packUnits[i] = p.varint("pack unit count", 1, TableEntry.MAX_BASE - 1);
        }
    }

    long packUnits(int i) {
        return packUnits[i];
    }

    private int readFile(Path f) throws IOException {
        FileChannel ch;
        try {
            FileOps.requireRegularFile(f, "the manifest");
            ch = FileChannel.open(f, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointFormatException(f, "manifest is missing");
        }
        try (ch) {
            long size = ch.size();
            if (size > ManifestCodec.MAX_FILE) throw new CheckpointFormatException(f, "manifest is too large");
            if (file.length < size) file = new byte[(int) Math.max(size, file.length * 3L / 2)];
            ByteBuffer bb = ByteBuffer.wrap(file, 0, (int) size);
            while (bb.hasRemaining()) if (ch.read(bb) < 0) throw new CheckpointFormatException(f, "manifest shrank while it was read");
            return (int) size;
        }
    }

    private BoundedReader section(int at) throws CheckpointFormatException {
        BoundedReader s = new BoundedReader(path, "manifest body", body, at, bodyEnd - at);
        s.u8("section id");
        int len = (int) s.u32("section length");
        return new BoundedReader(path, "manifest section", body, at + 5, len);
    }

    /** Called with each DATA run of the page and disk tables: pack index, first unit, length. */
    interface DataRuns {
        void run(int pack, long unit, long length);
    }

    /** One run as {@link #walk} reads it. */
    private interface Runs {
        /** {@code fieldsAt..fieldsEnd}: the kind's fields' bytes in the body (for a non-DATA run). */
        void run(long gap, long length, int kind, int pack, long unit, int fieldsAt, int fieldsEnd) throws IOException;
    }

    private void walk(int sectionAt, boolean disk, Runs r) throws IOException {
        BoundedReader s = section(sectionAt);
        int base = sectionAt + 5; // position() counts from the section's content; the fields are copied from body[]
        int runs = s.count("run count", disk ? 3 : 2, Integer.MAX_VALUE - 8);
        int packs = packIds.size();
        if (nextIn.length < packs) nextIn = new long[packs + 16];
        java.util.Arrays.fill(nextIn, 0, packs, 0);
        for (int i = 0; i < runs; i++) {
            long gap = disk ? s.varint("run gap") : 0;
            long length = s.varint("run length", 1, TableEntry.MAX_BASE);
            int kind = s.u8("run kind");
            int fieldsAt = base + s.position();
            int pack = -1;
            long unit = -1;
            if (kind == TableEntry.KIND_DATA) {
                pack = (int) s.varint("run pack", 0, packs - 1);
                unit = nextIn[pack] + s.zigzag("run unit");
                if (unit < 0 || unit + length > packUnits[pack]) throw s.error("run points past its pack");
                nextIn[pack] = unit + length;
            } else if (kind == TableEntry.KIND_DISK_BLOCK) {
                s.zigzag("run block");
            } else if (kind == TableEntry.KIND_SOURCE) {
                s.varint("run source");
                s.zigzag("run sector");
            } else if (kind != TableEntry.KIND_ZERO && kind != TableEntry.KIND_FREE) {
                throw s.error("run kind " + kind);
            }
            r.run(gap, length, kind, pack, unit, fieldsAt, base + s.position());
        }
    }

    /** Walks the DATA runs of the manifest read last (page table, then disk table). */
    void forEachData(DataRuns v) throws IOException {
        Runs r = (gap, length, kind, pack, unit, a, b) -> {
            if (kind == TableEntry.KIND_DATA) v.run(pack, unit, length);
        };
        walk(pagesAt, false, r);
        walk(diskAt, true, r);
    }

    /** The moved part of a pack: units below {@code moveEnd} go to {@code newBase + rank(unit)} of the new pack. */
    interface Moved {
        long moveEnd();

        long newUnit(long unit);
    }

    /**
     * The manifest read last with the units of {@code moved} (by pack index of its list, null: not moved) pointing at
     * {@code newPack}: the file's bytes in {@link #out}'s file sink, or null if it uses no moved unit. Its new pack list
     * goes into {@code newPacks} (ids), and {@code splits[0]} says whether a run had to be split where a moved part ends.
     */
    ByteSink rewrite(Moved[] moved, String newPackId, long newPackUnits, RepositoryKey key, List<String> newPacks,
                     List<Long> newUnits, int[] renumberOut, boolean[] splits) throws IOException {
        int n = packIds.size();
        if (used.length < n + 1) {
            used = new boolean[n + 16];
            renumber = new int[n + 16];
        }
        java.util.Arrays.fill(used, 0, n + 1, false);
        int[] runCount = new int[2];
        boolean[] split = new boolean[1];
        for (int t = 0; t < 2; t++) {
            final int table = t;
            walk(t == 0 ? pagesAt : diskAt, t == 1, (gap, length, kind, pack, unit, a, b) -> {
                runCount[table]++;
                if (kind != TableEntry.KIND_DATA) return;
                Moved m = moved[pack];
                long k = m == null ? 0 : Math.max(0, Math.min(length, m.moveEnd() - unit));
                if (k > 0) used[n] = true;
                if (k < length) used[pack] = true;
                if (k > 0 && k < length) {
                    runCount[table]++;
                    split[0] = true;
                }
            });
        }
        if (!used[n]) return null;
        int first = -1;
        for (int i = 0; i < n && first < 0; i++) if (moved[i] != null) first = i;
        newPacks.clear();
        newUnits.clear();
        for (int i = 0; i < n; i++) {
            if (i == first) {
                renumber[n] = newPacks.size();
                newPacks.add(newPackId);
                newUnits.add(newPackUnits);
            }
            if (used[i]) {
                renumber[i] = newPacks.size();
                newPacks.add(packIds.get(i));
                newUnits.add(packUnits[i]);
            }
        }
        System.arraycopy(renumber, 0, renumberOut, 0, n + 1);
        splits[0] = split[0];
        out.reset();
        ByteSink o = out.body;
        o.bytes(body, bodyStart, packsAt - bodyStart);
        int lengthAt = beginSection(o, ManifestCodec.SECTION_PACKS);
        o.varint(newPacks.size());
        for (int i = 0; i < newPacks.size(); i++) o.bytes(java.util.HexFormat.of().parseHex(newPacks.get(i))).varint(newUnits.get(i));
        endSection(o, lengthAt);
        int outPacks = newPacks.size();
        if (nextOut.length < outPacks) nextOut = new long[outPacks + 16];
        for (int t = 0; t < 2; t++) {
            boolean disk = t == 1;
            lengthAt = beginSection(o, disk ? ManifestCodec.SECTION_DISK : ManifestCodec.SECTION_PAGES);
            o.varint(runCount[t]);
            java.util.Arrays.fill(nextOut, 0, outPacks, 0);
            walk(disk ? diskAt : pagesAt, disk, (gap, length, kind, pack, unit, a, b) -> {
                if (kind != TableEntry.KIND_DATA) {
                    if (disk) o.varint(gap);
                    o.varint(length).u8(kind).bytes(body, a, b - a);
                    return;
                }
                Moved m = moved[pack];
                long k = m == null ? 0 : Math.max(0, Math.min(length, m.moveEnd() - unit));
                long g = gap;
                if (k > 0) {
                    dataRun(o, disk, g, k, renumber[n], m.newUnit(unit));
                    g = 0;
                }
                if (k < length) dataRun(o, disk, g, length - k, renumber[pack], unit + k);
            });
            endSection(o, lengthAt);
        }
        o.bytes(body, afterDisk, bodyEnd - afterDisk);
        if (o.size() > ManifestCodec.MAX_BODY) throw new IOException(path + ": the compacted manifest would exceed the body limit");
        if (encrypted && key == null) throw new KeyRequiredException(path, "the manifest");
        return ManifestCodec.wrap(o, version, encrypted ? key : null, out);
    }

    private void dataRun(ByteSink o, boolean disk, long gap, long length, int pack, long unit) {
        if (disk) o.varint(gap);
        o.varint(length).u8(TableEntry.KIND_DATA).varint(pack).zigzag(unit - nextOut[pack]);
        nextOut[pack] = unit + length;
    }

    private static int beginSection(ByteSink o, int id) {
        o.u8(id);
        int at = o.size();
        o.u32(0);
        return at;
    }

    private static void endSection(ByteSink o, int lengthAt) {
        o.putU32At(lengthAt, o.size() - lengthAt - 4);
    }

    /** Releases the native decompressor. */
    void close() {
        if (zstd != null) zstd.close();
        zstd = null;
    }
}
