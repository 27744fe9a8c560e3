package org.vmckpt.checkpoint.store;

import com.github.luben.zstd.ZstdDecompressCtx;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pack compaction ({@link Repository#compact}): the live units of packs that the checkpoints use only a small part of,
 * copied into one new pack, the manifests that use them rewritten to point at it, and the old packs deleted once no
 * manifest names them.
 *
 * <p>Why: a pack stays while any checkpoint uses any unit in it, so under {@code --keep-checkpoints} the pages a guest
 * rarely rewrites (kernel data, page cache) kept dozens of old packs alive for a few units each (round 68's hour: 1.21
 * GB, 114 packs, for 10 checkpoints of a 1 GiB guest).
 *
 * <p>Crash safety, with the repository lock held throughout (commits wait, as for gc): (1) the new pack is written in
 * a workspace in {@code tmp/} and fsynced; (2) renamed into {@code packs/}, {@code packs/} fsynced; (3) each rewritten
 * manifest written to the workspace and fsynced; (4) each renamed over its checkpoint's manifest (atomic: a reader
 * sees the old file or the new one, never a part), then {@code checkpoints/} fsynced; (5) the old packs that no
 * manifest names any more deleted, {@code packs/} fsynced. A crash before (4) leaves every manifest as it was and an
 * unused pack (gc deletes it); during (4) each manifest is the old one (whose packs all still exist: nothing is deleted
 * before (5)) or the new one (whose pack is durable since (2)); after (4), what (5) did not delete gc deletes. The
 * pages' bytes never change: only where they are stored.
 *
 * <p>Never touched: a pack an incremental checkpoint being written in this process inherits from its parent (its
 * commit would find it gone), nor any pack of a manifest handed to such a writer.
 */
final class PackCompactor {
    private static final int UPF = PackFormat.UNITS_PER_FRAME;

    /** One pack's live units, and the part of it this call moves ({@code [0, moveEnd)} in unit numbers). */
    private static final class Plan implements ManifestTranscoder.Moved {
        final String id;
        final long units;
        final BitSet live;
        final int liveCount;
        long moveEnd;
        /** The new pack's unit of this pack's first moved live unit. */
        long newBase;
        /** rank[w] = live units below unit 64*w (the moved part's renumbering). */
        private int[] rank;

        Plan(String id, long units, BitSet live) {
            this.id = id;
            this.units = units;
            this.live = live;
            this.liveCount = live.cardinality();
        }

        double share() {
            return (double) liveCount / units;
        }

        boolean whole() {
            return moveEnd >= units;
        }

        private long[] words;

        void buildRank() {
            words = live.toLongArray();
            rank = new int[words.length + 1];
            for (int w = 0; w < words.length; w++) rank[w + 1] = rank[w] + Long.bitCount(words[w]);
        }

        @Override
        public long moveEnd() {
            return moveEnd;
        }

        @Override
        public long newUnit(long u) {
            return newBase + rankOf(u);
        }

        /** Live units of this pack below unit {@code u}: a moved live unit's place in the new pack, from {@link #newBase}. */
        long rankOf(long u) {
            int w = (int) (u >>> 6);
            if (w >= words.length) return rank[words.length];
            return rank[w] + Long.bitCount(words[w] & ((1L << (u & 63)) - 1));
        }
    }

    private PackCompactor() {
    }

    /**
     * Compacts: see {@link Repository#compact}. The caller holds the repository lock.
     */
    static CompactReport run(Repository repo, double below, long smallUnits, long maxUnits, long maxFrames, Codec codec, int level)
            throws IOException {
        if (!(below > 0 && below <= 1)) throw new IllegalArgumentException("threshold " + below + " outside (0, 1]");
        if (smallUnits < 0 || maxUnits < 1 || maxFrames < 1) throw new IllegalArgumentException("bounds must be at least 1");
        // Every manifest's DATA runs (read with the transcoder's kept buffers, not decoded into tables): a manifest that
        // cannot be read refuses the call (the packs it uses are unknown).
        ManifestTranscoder tc = repo.transcoder();
        Map<String, List<String>> packsOf = new LinkedHashMap<>();
        Map<String, BitSet> live = new HashMap<>();
        Map<String, Long> units = new HashMap<>();
        for (String id : repo.manifestIds()) {
            tc.read(repo.manifestPath(id), repo.key());
            List<String> ps = List.copyOf(tc.packIds);
            packsOf.put(id, ps);
            BitSet[] bits = new BitSet[ps.size()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = live.computeIfAbsent(ps.get(i), k -> new BitSet());
                units.put(ps.get(i), tc.packUnits(i));
            }
            tc.forEachData((pack, unit, length) -> bits[pack].set((int) unit, (int) (unit + length)));
        }
        Set<String> pinned = repo.pinnedPacks();
        List<Plan> candidates = new ArrayList<>();
        List<Plan> small = new ArrayList<>();
        for (Map.Entry<String, BitSet> e : live.entrySet()) {
            String id = e.getKey();
            if (pinned.contains(id) || e.getValue().isEmpty()) continue;
            Plan p = new Plan(id, units.get(id), e.getValue());
            if (!Files.isRegularFile(repo.packPath(id))) continue;
            if (p.share() < below) candidates.add(p);
            else if (p.units < smallUnits) small.add(p);
        }
        // Packs of fewer than smallUnits units, however used, join a call that writes a new pack anyway, and two or more
        // make one: otherwise each call's new pack (the long-lived units it collected, all used) would stay a pack of its
        // own, and their number would grow with the calls. A lone small pack is left.
        if (small.size() >= 2 || !candidates.isEmpty()) candidates.addAll(small);
        if (candidates.isEmpty()) return CompactReport.NOTHING;
        candidates.sort(Comparator.comparingDouble(Plan::share).thenComparing(p -> p.id));
        // The bound: at most maxUnits units copied and maxFrames frames decoded; the lowest shares first; the last
        // pack reached may be moved in part (its first live units), the rest in a later call.
        List<Plan> plans = new ArrayList<>();
        long unitsLeft = maxUnits, framesLeft = maxFrames;
        for (Plan p : candidates) {
            if (unitsLeft == 0 || framesLeft == 0) break;
            long lastFrame = -1;
            long end = 0;
            for (int u = p.live.nextSetBit(0); u >= 0; u = p.live.nextSetBit(u + 1)) {
                long f = u / UPF;
                if (f != lastFrame) {
                    if (framesLeft == 0) break;
                    framesLeft--;
                    lastFrame = f;
                }
                if (unitsLeft == 0) break;
                unitsLeft--;
                end = u + 1L;
            }
            if (end == 0) break;
            // A pack moved to its last live unit is moved whole: nothing of it stays used.
            p.moveEnd = p.live.nextSetBit((int) end) < 0 ? p.units : end;
            p.buildRank();
            plans.add(p);
        }
        if (plans.isEmpty()) return CompactReport.NOTHING;

        Map<String, Plan> byId = new HashMap<>();
        for (Plan p : plans) byId.put(p.id, p);
        RepositoryKey key = repo.keyForWriting();
        Workspace ws = Workspace.create(repo.tmpDir());
        try {
            byte[] newId = Ids.newPackId();
            String newHex = Ids.hex(newId);
            Path packFile = ws.dir().resolve(PackFormat.fileName(newHex));
            long written;
            long copied = 0, framesRead = 0;
            PackWriter pw = new PackWriter(repo.files(), packFile, newId, key == null ? PackFormat.PLAIN_VERSION : PackFormat.VERSION);
            CopyBuffers cb = repo.compactCopyBuffers();
            try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(codec, level, key, newId, IncompressibleRun.ENABLED,
                    repo.reuse.encoderBuffers())) {
                ZstdDecompressCtx zstd = cb.zstd();
                FrameSlot slot = cb.slot;
                slot.count = 0;
                byte[][] unitBufs = cb.units;
                byte[] readBuf = cb.read;
                byte[] decoded = cb.decoded;
                int frameIndex = 0;
                for (Plan p : plans) {
                    p.newBase = copied;
                    try (PackReader r = PackReader.open(repo.packPath(p.id), p.id, p.units, repo.key())) {
                        int loaded = -1;
                        for (int u = p.live.nextSetBit(0); u >= 0 && u < p.moveEnd; u = p.live.nextSetBit(u + 1)) {
                            int f = u / r.unitsPerFrame();
                            if (f != loaded) {
                                r.readFrames(f, 1, readBuf);
                                r.decodeInto(f, readBuf, 0, zstd, decoded, 0);
                                loaded = f;
                                framesRead++;
                            }
                            System.arraycopy(decoded, (u % r.unitsPerFrame()) * PackFormat.UNIT_SIZE, unitBufs[slot.count], 0, PackFormat.UNIT_SIZE);
                            slot.units[slot.count] = unitBufs[slot.count];
                            slot.count++;
                            copied++;
                            if (slot.count == UPF) {
                                slot.frameIndex = frameIndex++;
                                enc.encode(slot);
                                pw.writeFrame(slot.encoded, slot.encodedLength, slot.count);
                                slot.count = 0;
                            }
                        }
                    }
                }
                if (slot.count > 0) {
                    slot.frameIndex = frameIndex;
                    enc.encode(slot);
                    pw.writeFrame(slot.encoded, slot.encodedLength, slot.count);
                    slot.count = 0;
                }
                written = pw.finish();
            } catch (IOException | RuntimeException | Error e) {
                pw.closeQuietly();
                throw e;
            }
            repo.compactStep("pack-written");
            FileOps.atomicRename(packFile, repo.packPath(newHex));
            FileOps.fsyncDirectory(repo.packsDir());
            repo.compactStep("pack-published");

            // The manifests that use a moved part, rewritten (streamed: tables are not decoded).
            Map<String, List<String>> rewritten = new LinkedHashMap<>();
            Map<String, Path> staged = new LinkedHashMap<>();
            Map<String, ManifestTranscoder.Moved[]> movedOf = new HashMap<>();
            Map<String, int[]> renumberOf = new HashMap<>();
            Map<String, Boolean> splitOf = new HashMap<>();
            List<String> newPacks = new ArrayList<>();
            List<Long> newUnits = new ArrayList<>();
            for (Map.Entry<String, List<String>> e : packsOf.entrySet()) {
                List<String> ps = e.getValue();
                boolean touches = false;
                for (String p : ps) touches |= byId.containsKey(p);
                if (!touches) continue;
                String id = e.getKey();
                tc.read(repo.manifestPath(id), repo.key());
                if (!tc.packIds.equals(ps)) throw new IOException("manifest " + id + " changed during a compaction");
                ManifestTranscoder.Moved[] moved = new ManifestTranscoder.Moved[ps.size()];
                for (int i = 0; i < moved.length; i++) moved[i] = byId.get(ps.get(i));
                int[] renumber = new int[ps.size() + 1];
                boolean[] split = new boolean[1];
                ByteSink bytes = tc.rewrite(moved, newHex, copied, key, newPacks, newUnits, renumber, split);
                if (bytes == null) continue;
                Path f = ws.dir().resolve(id + Repository.MANIFEST_SUFFIX);
                FileOps.writeDurably(repo.files(), f, bytes.array(), bytes.size());
                staged.put(id, f);
                rewritten.put(id, List.copyOf(newPacks));
                movedOf.put(id, moved);
                renumberOf.put(id, renumber);
                splitOf.put(id, split[0]);
            }
            repo.compactStep("manifests-written");
            int renamed = 0;
            for (Map.Entry<String, Path> e : staged.entrySet()) {
                FileOps.atomicRename(e.getValue(), repo.manifestPath(e.getKey()));
                if (++renamed == 1) repo.compactStep("first-manifest-renamed");
            }
            FileOps.fsyncDirectory(repo.checkpointsDir());
            repo.compactStep("manifests-published");
            // What this process keeps of them: gc's pack lists, and the next writer's parent.
            Set<String> stillUsed = new HashSet<>();
            for (Map.Entry<String, List<String>> e : packsOf.entrySet()) {
                String id = e.getKey();
                List<String> now = rewritten.get(id);
                if (now != null) {
                    ManifestTranscoder.Moved[] moved = movedOf.get(id);
                    int[] renumber = renumberOf.get(id);
                    int n = moved.length;
                    java.util.function.LongUnaryOperator f = v -> {
                        if (TableEntry.kind(v) != TableEntry.KIND_DATA) return v;
                        int k = TableEntry.pack(v);
                        long u = TableEntry.base(v);
                        ManifestTranscoder.Moved m = moved[k];
                        return m != null && u < m.moveEnd() ? TableEntry.data(renumber[n], m.newUnit(u)) : TableEntry.data(renumber[k], u);
                    };
                    List<Manifest.PackRef> refs = new ArrayList<>(now.size());
                    for (String p : now) refs.add(p.equals(newHex) ? newRef(newHex, copied) : new Manifest.PackRef(p, units.get(p)));
                    repo.compacted(id, e.getValue(), List.copyOf(refs), f, splitOf.get(id));
                }
                stillUsed.addAll(now != null ? now : e.getValue());
            }
            stillUsed.addAll(repo.pinnedPacks());
            int deleted = 0;
            long freed = 0;
            for (Plan p : plans) {
                if (stillUsed.contains(p.id)) continue;
                Path f = repo.packPath(p.id);
                long size = Files.size(f);
                Files.delete(f);
                deleted++;
                freed += size;
            }
            if (deleted > 0) FileOps.fsyncDirectory(repo.packsDir());
            return new CompactReport(candidates.size(), plans.size(), deleted, copied, framesRead, written, freed, rewritten.size());
        } finally {
            try {
                ws.release();
            } catch (IOException ignored) {
                // gc removes what is left in tmp/
            }
        }
    }

    private static Manifest.PackRef newRef(String id, long units) {
        return new Manifest.PackRef(id, units);
    }

    /** Each pack the manifests use: {live units, units}, by id (sorted). The caller holds the repository lock. */
    static Map<String, double[]> shares(Repository repo) throws IOException {
        ManifestTranscoder tc = repo.transcoder();
        Map<String, BitSet> live = new HashMap<>();
        Map<String, double[]> out = new java.util.TreeMap<>();
        for (String id : repo.manifestIds()) {
            tc.read(repo.manifestPath(id), repo.key());
            BitSet[] bits = new BitSet[tc.packIds.size()];
            for (int i = 0; i < bits.length; i++) {
                bits[i] = live.computeIfAbsent(tc.packIds.get(i), k -> new BitSet());
                out.put(tc.packIds.get(i), new double[] {0, tc.packUnits(i)});
            }
            tc.forEachData((pack, unit, length) -> bits[pack].set((int) unit, (int) (unit + length)));
        }
        for (Map.Entry<String, double[]> e : out.entrySet()) e.getValue()[0] = live.get(e.getKey()).cardinality();
        return out;
    }

    /** The copy's buffers, kept by the repository across calls (a call is made under its lock). */
    static final class CopyBuffers {
        final FrameSlot slot = new FrameSlot();
        final byte[][] units = new byte[UPF][PackFormat.UNIT_SIZE];
        final byte[] read = new byte[PackFormat.FRAME_HEADER_LENGTH + UPF * PackFormat.UNIT_SIZE + RepositoryKey.OVERHEAD];
        final byte[] decoded = new byte[UPF * PackFormat.UNIT_SIZE];
        private ZstdDecompressCtx zstd;

        ZstdDecompressCtx zstd() {
            if (zstd == null) zstd = new ZstdDecompressCtx();
            return zstd;
        }
    }
}
