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
    private static final class Plan {
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
        // Every manifest, read whole: a manifest that cannot be read refuses the call (the packs it uses are unknown).
        Map<String, Manifest> manifests = new LinkedHashMap<>();
        for (String id : repo.manifestIds()) manifests.put(id, repo.readManifest(id));
        Map<String, BitSet> live = new HashMap<>();
        Map<String, Long> units = new HashMap<>();
        for (Manifest m : manifests.values()) {
            for (Manifest.PackRef p : m.packs()) {
                live.computeIfAbsent(p.id(), k -> new BitSet());
                units.put(p.id(), p.unitCount());
            }
            markLive(m, m.pages(), live);
            markLive(m, m.disk(), live);
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
            try (FrameCompressor.Encoder enc = new FrameCompressor.Encoder(codec, level, key, newId, IncompressibleRun.ENABLED);
                 ZstdDecompressCtx zstd = new ZstdDecompressCtx()) {
                FrameSlot slot = new FrameSlot();
                byte[][] unitBufs = new byte[UPF][PackFormat.UNIT_SIZE];
                byte[] readBuf = new byte[PackFormat.FRAME_HEADER_LENGTH + UPF * PackFormat.UNIT_SIZE + RepositoryKey.OVERHEAD];
                byte[] decoded = new byte[UPF * PackFormat.UNIT_SIZE];
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

            // The manifests that use a moved part, rewritten.
            Manifest.PackRef newRef = new Manifest.PackRef(newHex, copied);
            Map<String, Manifest> rewritten = new LinkedHashMap<>();
            for (Manifest m : manifests.values()) {
                Manifest n = rewrite(m, byId, newRef);
                if (n != null) rewritten.put(m.info().id(), n);
            }
            Map<String, Path> staged = new LinkedHashMap<>();
            for (Manifest n : rewritten.values()) {
                byte[] bytes = ManifestCodec.encode(n, key);
                Path f = ws.dir().resolve(n.info().id() + Repository.MANIFEST_SUFFIX);
                FileOps.writeDurably(repo.files(), f, bytes, bytes.length);
                staged.put(n.info().id(), f);
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
            for (Manifest m : manifests.values()) {
                Manifest now = rewritten.getOrDefault(m.info().id(), m);
                repo.compacted(m, now);
                for (Manifest.PackRef p : now.packs()) stillUsed.add(p.id());
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

    /** Each pack the manifests use: {live units, units}, by id (sorted). The caller holds the repository lock. */
    static Map<String, double[]> shares(Repository repo) throws IOException {
        Map<String, BitSet> live = new HashMap<>();
        Map<String, double[]> out = new java.util.TreeMap<>();
        for (String id : repo.manifestIds()) {
            Manifest m = repo.readManifest(id);
            for (Manifest.PackRef p : m.packs()) {
                live.computeIfAbsent(p.id(), k -> new BitSet());
                out.put(p.id(), new double[] {0, p.unitCount()});
            }
            markLive(m, m.pages(), live);
            markLive(m, m.disk(), live);
        }
        for (Map.Entry<String, double[]> e : out.entrySet()) e.getValue()[0] = live.get(e.getKey()).cardinality();
        return out;
    }

    private static void markLive(Manifest m, RunTable t, Map<String, BitSet> live) {
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            if (TableEntry.kind(v) != TableEntry.KIND_DATA) continue;
            long base = TableEntry.base(v);
            String id = m.packs().get(TableEntry.pack(v)).id();
            live.get(id).set((int) base, (int) (base + (t.runEnd(r) - t.start(r))));
        }
    }

    /**
     * {@code m} with its units in the moved parts pointing at the new pack, or null if it uses none. Its pack list: the
     * new pack where the first moved pack was, then the others it still uses in their order (a pack only partly moved
     * stays if the manifest still uses units of it beyond the moved part).
     */
    static Manifest rewrite(Manifest m, Map<String, Plan> plans, Manifest.PackRef newRef) {
        int n = m.packs().size();
        Plan[] planOf = new Plan[n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            planOf[i] = plans.get(m.packs().get(i).id());
            any |= planOf[i] != null;
        }
        if (!any) return null;
        // Provisional numbering: the old indices, the new pack as n.
        RunTable pages = remap(m.pages(), planOf, n);
        RunTable disk = remap(m.disk(), planOf, n);
        boolean[] used = new boolean[n + 1];
        markUsed(pages, used);
        markUsed(disk, used);
        if (!used[n]) return null; // it used only units beyond the moved parts
        int firstPlanned = -1;
        for (int i = 0; i < n && firstPlanned < 0; i++) if (planOf[i] != null) firstPlanned = i;
        List<Manifest.PackRef> packs = new ArrayList<>();
        int[] renumber = new int[n + 1];
        for (int i = 0; i < n; i++) {
            if (i == firstPlanned) {
                renumber[n] = packs.size();
                packs.add(newRef);
            }
            if (used[i]) {
                renumber[i] = packs.size();
                packs.add(m.packs().get(i));
            }
        }
        java.util.function.LongUnaryOperator f = v -> TableEntry.kind(v) == TableEntry.KIND_DATA
                ? TableEntry.withPack(v, renumber[TableEntry.pack(v)]) : v;
        return new Manifest(m.info(), m.config(), m.records(), List.copyOf(packs), pages.mapValues(f), disk.mapValues(f),
                m.firstTouches(), m.deltas());
    }

    private static void markUsed(RunTable t, boolean[] used) {
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            if (TableEntry.kind(v) == TableEntry.KIND_DATA) used[TableEntry.pack(v)] = true;
        }
    }

    /** The table with each DATA run in a moved part pointing at pack {@code newIndex}, split where a moved part ends. */
    private static RunTable remap(RunTable t, Plan[] planOf, int newIndex) {
        RunTable.Builder b = new RunTable.Builder(Math.max(1, t.runCount() + 16));
        for (int r = 0; r < t.runCount(); r++) {
            long v = t.value(r);
            long start = t.start(r), len = t.runEnd(r) - start;
            Plan p = TableEntry.kind(v) == TableEntry.KIND_DATA ? planOf[TableEntry.pack(v)] : null;
            if (p == null) {
                b.add(start, len, v);
                continue;
            }
            long u0 = TableEntry.base(v);
            long moved = Math.max(0, Math.min(len, p.moveEnd - u0));
            if (moved > 0) b.add(start, moved, TableEntry.data(newIndex, p.newBase + p.rankOf(u0)));
            if (moved < len) b.add(start + moved, len - moved, TableEntry.data(TableEntry.pack(v), u0 + moved));
        }
        return b.build();
    }
}
