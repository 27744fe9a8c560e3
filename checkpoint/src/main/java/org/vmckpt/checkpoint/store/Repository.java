package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A checkpoint repository: a directory of immutable pack files and one manifest per checkpoint.
 *
 * <pre>
 *   REPO            header: format name "vmckpt-repo" and version
 *   packs/          &lt;128-bit hex id&gt;.pack: frames of compressed 4 KiB pages and disk blocks
 *   checkpoints/    &lt;16 hex digit id&gt;.manifest: everything about one checkpoint; its existence is the commit
 *   tmp/            writers' workspaces (files being written); leftovers of dead writers are removed by gc
 *   lock            locked while committing, deleting and collecting garbage
 * </pre>
 *
 * <p>Typical use:
 * <pre>{@code
 * Repository repo = Repository.open(Repository.defaultLocation(), true);
 * try (CheckpointWriter w = repo.begin(meta, Codec.ZSTD, 1, null)) {
 *     for (StateRecord r : records) w.putRecord(r); // named, versioned bytes
 *     for (int i = 0; i < frozen.pageCount(); i++) {
 *         byte[] p = frozen.page(i);
 *         if (p == null) w.putPageKind(i, PageKind.ZERO, 0); else w.putPage(i, p);
 *     }
 *     String id = w.commit(ProgressListener.NONE);
 * }
 * try (Checkpoint c = repo.open(id)) { ... c.readPage(i, buf) ... }
 * }</pre>
 *
 * <p>A Repository object holds no open files and is safe to share between threads; several processes may
 * use the same directory at once.
 */
public final class Repository {
    static final String FORMAT_NAME = "vmckpt-repo";
    /** Version 2: an encrypted repository (a {@code KEY-ID} file; packs and manifests of version 2). */
    static final int FORMAT_VERSION = 2;
    static final int PLAIN_FORMAT_VERSION = 1;
    static final String KEY_ID_FILE = "KEY-ID";
    static final int OLDEST_FORMAT_VERSION = 1;
    static final String MANIFEST_SUFFIX = ".manifest";
    static final int MIN_PREFIX = 4;

    private final Path dir;
    private final Path packsDir;
    private final Path checkpointsDir;
    private final Path tmpDir;
    private final Path lockFile;
    private final ChannelFactory files;

    private RepositoryKey key;
    private String keyId;

    private Repository(Path dir, ChannelFactory files) {
        this.dir = dir;
        this.packsDir = dir.resolve("packs");
        this.checkpointsDir = dir.resolve("checkpoints");
        this.tmpDir = dir.resolve("tmp");
        this.lockFile = dir.resolve("lock");
        this.files = files;
    }

    /** {@code $XDG_DATA_HOME/vmckpt/repo}, by default {@code ~/.local/share/vmckpt/repo}. */
    public static Path defaultLocation() {
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isEmpty() ? Paths.get(xdg) : Paths.get(System.getProperty("user.home"), ".local", "share");
        return base.resolve("vmckpt").resolve("repo");
    }

    /**
     * Opens the repository in {@code dir}.
     *
     * @param create create the directory and its layout if there is no repository there yet; an existing
     *               directory that is not empty and has no {@code REPO} file is refused either way
     * @throws CheckpointFormatException if {@code REPO} is damaged or from a newer vmckpt
     * @throws NoSuchFileException       if there is no repository and {@code create} is false
     */
    public static Repository open(Path dir, boolean create) throws IOException {
        Repository repo = open(dir, create, ChannelFactory.DEFAULT);
        if (repo.keyId != null) repo.useKey(RepositoryKey.fromEnvironment());
        return repo;
    }

    /** Opens a repository with an explicit key (null: none), used for an encrypted repository. */
    public static Repository openWithKey(Path dir, boolean create, RepositoryKey key) throws IOException {
        Repository repo = open(dir, create, ChannelFactory.DEFAULT);
        repo.useKey(key);
        return repo;
    }

    /** Takes {@code k} as this encrypted repository's key after checking its id; a wrong key is refused by name. */
    private void useKey(RepositoryKey k) throws IOException {
        if (k == null || keyId == null) {
            key = keyId == null ? null : k;
            return;
        }
        if (!k.id().equals(keyId)) {
            throw new IOException("the key in " + k.source() + " is not the key of repository " + dir + " (key id " + k.id()
                    + ", the repository's is " + keyId + "); give the right key file");
        }
        key = k;
    }

    /** Whether checkpoints written here are encrypted (see {@link #enableEncryption}). */
    public boolean encrypted() {
        return keyId != null;
    }

    /** Whether this encrypted repository was opened with its key. */
    public boolean hasKey() {
        return key != null;
    }

    /** The key to read with, or null. */
    RepositoryKey key() {
        return key;
    }

    /** The key to write with (null for a plain repository); an encrypted repository without its key refuses. */
    RepositoryKey keyForWriting() throws IOException {
        if (keyId == null) return null;
        if (key == null) {
            throw new IOException("repository " + dir + " is encrypted: give its key (" + RepositoryKey.ENV_FILE + "=FILE); nothing was written");
        }
        return key;
    }

    /**
     * Encrypts every checkpoint written from now on with {@code k} (AES-256-GCM). The key itself is never stored:
     * only its id, in {@code KEY-ID}, and {@code REPO} becomes version 2 so older vmckpt builds refuse the
     * repository instead of writing plain checkpoints into it. Checkpoints already here stay readable as they are.
     */
    public void enableEncryption(RepositoryKey k) throws IOException {
        try (RepositoryLock l = lock()) {
            if (keyId != null) {
                if (!keyId.equals(k.id())) {
                    throw new IOException("repository " + dir + " is already encrypted with another key (id " + keyId + ")");
                }
                key = k;
                return;
            }
            Path tmp = tmpDir.resolve(KEY_ID_FILE + "." + Ids.newCheckpointId());
            byte[] idLine = (k.id() + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            FileOps.writeDurably(files, tmp, idLine, idLine.length);
            FileOps.atomicRename(tmp, dir.resolve(KEY_ID_FILE));
            ByteSink h = new ByteSink(64);
            FileCodec.writeHeader(h, FORMAT_NAME, FORMAT_VERSION);
            FileCodec.writeFooter(h);
            Path repoTmp = tmpDir.resolve("REPO." + Ids.newCheckpointId());
            FileOps.writeDurably(files, repoTmp, h.array(), h.size());
            FileOps.atomicRename(repoTmp, dir.resolve("REPO"));
            FileOps.fsyncDirectory(dir);
            keyId = k.id();
            key = k;
        }
    }

    static Repository open(Path dir, boolean create, ChannelFactory files) throws IOException {
        Path repoFile = dir.resolve("REPO");
        if (!Files.exists(repoFile)) {
            if (!create) throw new NoSuchFileException(dir.toString(), null, "not a vmckpt repository (no REPO file)");
            PrivateFiles.createDirectories(dir);
        }
        Repository repo = new Repository(dir.toRealPath(), files);
        // Only the owner may look inside (a repository made before this rule gets its top directory closed).
        if (Files.isWritable(repo.dir)) PrivateFiles.restrict(repo.dir);
        if (!Files.exists(repoFile)) repo.initialize();
        repo.checkHeader();
        for (Path p : List.of(repo.packsDir, repo.checkpointsDir, repo.tmpDir)) PrivateFiles.createDirectories(p);
        return repo;
    }

    private void initialize() throws IOException {
        try (RepositoryLock l = RepositoryLock.acquire(lockFile)) {
            Path repoFile = dir.resolve("REPO");
            if (Files.exists(repoFile)) return;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path p : ds) {
                    if (!p.getFileName().toString().equals("lock")) {
                        throw new IOException(dir + ": not empty and not a vmckpt repository (no REPO file); refusing to create one here");
                    }
                }
            }
            for (Path p : List.of(packsDir, checkpointsDir, tmpDir)) PrivateFiles.createDirectories(p);
            ByteSink h = new ByteSink(64);
            FileCodec.writeHeader(h, FORMAT_NAME, PLAIN_FORMAT_VERSION);
            FileCodec.writeFooter(h);
            Path tmp = tmpDir.resolve("REPO." + Ids.newCheckpointId());
            FileOps.writeDurably(files, tmp, h.array(), h.size());
            FileOps.atomicRename(tmp, repoFile);
            FileOps.fsyncDirectory(dir);
        }
    }

    private void checkHeader() throws IOException {
        int version = checkRepoFile(dir.resolve("REPO"));
        Path keyFile = dir.resolve(KEY_ID_FILE);
        if (version >= 2) {
            FileOps.requireRegularFile(keyFile, "the KEY-ID file");
            if (Files.size(keyFile) > 256) throw new CheckpointFormatException(keyFile, "KEY-ID is too large");
            String text = new String(Files.readAllBytes(keyFile), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (!Ids.isHex(text, 32)) throw new CheckpointFormatException(keyFile, "KEY-ID is not 32 hex digits");
            keyId = text;
        }
    }

    /** Checks the REPO file (header, version, footer) and returns its format version. */
    private static int checkRepoFile(Path repoFile) throws IOException {
        FileOps.requireRegularFile(repoFile, "the REPO file");
        long size = Files.size(repoFile);
        if (size > 1024) throw new CheckpointFormatException(repoFile, "REPO file is " + size + " bytes, too large");
        byte[] b = Files.readAllBytes(repoFile);
        BoundedReader in = new BoundedReader(repoFile, "REPO", b, 0, b.length);
        int version = FileCodec.readHeader(in, repoFile, FORMAT_NAME, OLDEST_FORMAT_VERSION, FORMAT_VERSION);
        in.u32("REPO CRC");
        if (!FileCodec.footerMatches(b, 0, in.position())) throw new CheckpointFormatException(repoFile, "REPO CRC mismatch");
        in.expectEnd("REPO");
        return version;
    }

    /**
     * Checks any one file of a repository by what its header says it is: the REPO file, a manifest or a pack.
     * Header, version and every CRC32C footer; for a pack also its index and every frame's CRC. Needs no key (an
     * encrypted file's ciphertext is checked, not its authenticity). Problems are collected, not thrown.
     */
    public static VerifyReport verifyFile(Path file) throws IOException {
        return verifyFile(file, null);
    }

    /** {@link #verifyFile(Path)}, for a file that must be of kind {@code expected} (null: whatever its header says). */
    private static VerifyReport verifyFile(Path file, String expected) throws IOException {
        List<String> problems = new ArrayList<>();
        long frames = 0, bytes = 0;
        int packs = 0;
        try {
            FileOps.requireRegularFile(file, ManifestCodec.NAME.equals(expected) ? "the manifest" : "the file");
            String kind = expected;
            if (kind == null) {
                byte[] head = new byte[FileCodec.MAX_HEADER_LENGTH];
                int n;
                try (java.io.InputStream in = Files.newInputStream(file)) {
                    n = in.readNBytes(head, 0, head.length);
                }
                kind = FileCodec.kindOf(head, n);
                if (kind == null) throw new CheckpointFormatException(file, "not a vmckpt file (no vmckpt header)");
            }
            switch (kind) {
                case FORMAT_NAME -> checkRepoFile(file);
                case ManifestCodec.NAME -> {
                    long size = Files.size(file);
                    if (size > ManifestCodec.MAX_FILE) throw new CheckpointFormatException(file, "manifest is too large");
                    ManifestCodec.checkIntegrity(file, Files.readAllBytes(file));
                }
                case PackFormat.NAME -> {
                    packs = 1;
                    String name = file.getFileName().toString();
                    String id = name.endsWith(".pack") ? name.substring(0, name.length() - ".pack".length()) : name;
                    try (PackReader r = PackReader.open(file, id, -1)) {
                        byte[] scratch = new byte[0];
                        for (int f = 0; f < r.frameCount(); f++) {
                            scratch = r.checkFrames(f, 1, scratch);
                            frames++;
                            bytes += r.frameExtent(f);
                        }
                    }
                }
                case LabelIndex.NAME -> {
                    if (Files.size(file) > LabelIndex.MAX_FILE) throw new CheckpointFormatException(file, "label index is too large");
                    LabelIndex.decode(file, Files.readAllBytes(file));
                }
                default -> throw new CheckpointFormatException(file, "is a '" + kind + "' file, which this vmckpt does not know");
            }
        } catch (CheckpointFormatException e) {
            problems.add(e.getMessage());
        }
        return new VerifyReport(file.getFileName().toString(), packs, frames, bytes, problems);
    }

    public Path dir() {
        return dir;
    }

    Path packsDir() { return packsDir; }

    Path checkpointsDir() { return checkpointsDir; }

    Path tmpDir() { return tmpDir; }

    /**
     * Where a VM using this repository keeps its disk overlays' spill files (the repository's workspace area:
     * the same file system as the checkpoints, private to the owner). The files are unlinked when created.
     */
    public Path spillDir() { return tmpDir; }

    ChannelFactory files() { return files; }

    Path manifestPath(String id) {
        return checkpointsDir.resolve(id + MANIFEST_SUFFIX);
    }

    Path packPath(String packId) {
        return packsDir.resolve(PackFormat.fileName(packId));
    }

    RepositoryLock lock() throws IOException {
        return RepositoryLock.acquire(lockFile);
    }

    // ------------------------------------------------------------------------------------------- writing

    /**
     * Begins a checkpoint. Nothing is visible in the repository until {@link CheckpointWriter#commit}.
     *
     * @param meta   label, capture mode, page count and machine configuration
     * @param codec  how to compress page data ({@link Codec#ZSTD} normally)
     * @param level  zstd level ({@link Codec#DEFAULT_ZSTD_LEVEL} is a good default); ignored for NONE
     * @param parent id, unique id prefix or name of the parent for an incremental checkpoint, or
     *               {@code null} for a full one. The parent must have the same page count.
     */
    public CheckpointWriter begin(CheckpointMeta meta, Codec codec, int level, String parent) throws IOException {
        long generation = compactions;
        Manifest parentManifest = parent == null ? null : parentManifest(parent);
        try {
            return new CheckpointWriter(this, meta, codec, level, parentManifest, generation, FrameCompressor.defaultThreads());
        } catch (CheckpointWriter.ParentMovedException moved) {
            // A compaction moved the parent's units while its manifest was being read: read it again, as it is now.
            reuse.parentDropped(parentManifest);
            long now = compactions;
            Manifest again = readManifest(parentManifest.info().id());
            return new CheckpointWriter(this, meta, codec, level, again, now, FrameCompressor.defaultThreads());
        } catch (IOException | RuntimeException e) {
            reuse.parentDropped(parentManifest);
            throw e;
        }
    }

    /** What a checkpoint's writing leaves for the next one ({@link WriterReuse}). */
    final WriterReuse reuse = new WriterReuse();

    /** {@link WriterReuse} is on: the engine takes a committed checkpoint's description from its writer too. */
    public boolean reusesWriterTables() {
        return reuse.enabled();
    }

    /** Turns {@link WriterReuse} on or off for this repository object (tests, A/B). */
    public void setReuseWriterTables(boolean on) {
        reuse.setEnabled(on);
    }

    /**
     * The manifest of {@code parent}: the one this process committed last when that is it (by exact id, and its file
     * is still there: a deleted parent is refused as before), else read from its file.
     */
    private Manifest parentManifest(String parent) throws IOException {
        Manifest last = reuse.committedManifest(parent);
        if (last != null) {
            // Its file as this process left it (a compaction in another process rewrites it, and deletes packs the
            // manifest in memory still names: the next commit would fail, and every one after it), else read it again.
            if (parent.equals(stampedId) && stamp != null && stamp.equals(stampOf(manifestPath(parent)))) return last;
            reuse.parentDropped(last); // not handed to a writer after all
        }
        return readManifest(resolve(parent));
    }

    /** The manifest this process published or rewrote last, and its file's size and modification time then. */
    private volatile String stampedId;
    private volatile LabelIndex.Stamp stamp;

    /** A file's size and modification time, or null if it is not there. */
    private static LabelIndex.Stamp stampOf(Path file) {
        try {
            return LabelIndex.Stamp.of(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class));
        } catch (IOException e) {
            return null;
        }
    }

    /** Records the file of manifest {@code id} as this process just wrote it (under the lock). */
    void stampManifest(String id) {
        stamp = null;
        stampedId = id;
        stamp = stampOf(manifestPath(id));
    }

    /** {@link #begin(CheckpointMeta, Codec, int, String)} with zstd at the default level. */
    public CheckpointWriter begin(CheckpointMeta meta, String parent) throws IOException {
        return begin(meta, Codec.ZSTD, Codec.DEFAULT_ZSTD_LEVEL, parent);
    }

    // ------------------------------------------------------------------------------------------- reading

    /**
     * Opens a checkpoint by id, unique id prefix (at least 4 digits) or label. Reads and checks the manifest
     * only; pack files are opened on the first page read.
     */
    public Checkpoint open(String ref) throws IOException {
        Found found = find(ref, true);
        Manifest m = readManifest(found.id());
        // A label found through the index is confirmed by the manifest itself, which is read here anyway.
        if (found.fromIndex() && !ref.equals(m.info().label())) m = readManifest(find(ref, false).id());
        return new Checkpoint(this, m);
    }

    Manifest readManifest(String id) throws IOException {
        Path file = manifestPath(id);
        // Its working set and write order stay undecoded until a lazy restore or verify asks (FirstTouches).
        Manifest m = ManifestCodec.readLeavingFirstTouches(file, key);
        if (!m.info().id().equals(id)) {
            throw new CheckpointFormatException(file, "manifest belongs to checkpoint " + m.info().id() + ", not " + id);
        }
        return m;
    }

    /**
     * The id of the checkpoint {@code ref} names: an exact id, else a label (which must be unique), else a
     * unique id prefix of at least 4 digits.
     */
    public String resolve(String ref) throws IOException {
        Found found = find(ref, true);
        if (!found.fromIndex()) return found.id();
        String[] idAndLabel = ManifestCodec.readIdAndLabel(manifestPath(found.id()), key);
        return ref.equals(idAndLabel[1]) ? found.id() : find(ref, false).id();
    }

    /** A checkpoint's id, and whether its label was taken from the label index (so not read from its manifest here). */
    private record Found(String id, boolean fromIndex) {
    }

    /**
     * {@link #resolve} without the confirmation: with {@code useIndex}, labels come from the label index
     * ({@link LabelIndex}) where it is up to date for a manifest, and from the manifests' meta sections otherwise.
     */
    private Found find(String ref, boolean useIndex) throws IOException {
        if (ref == null || ref.isEmpty()) throw new CheckpointNotFoundException("no checkpoint named ''");
        // An exact id is looked at alone: listing the directory with a stat per manifest was 15-42 ms of a cold JVM's
        // restore with 43 checkpoints (docs/BENCHMARKS.md, round 56).
        if (Ids.isCheckpointId(ref) && Files.isRegularFile(manifestPath(ref))) return new Found(ref, false);
        Map<String, LabelIndex.Stamp> manifests = manifestStamps();
        if (manifests.containsKey(ref)) return new Found(ref, false);
        // An encrypted repository keeps no index: its labels are sealed in its manifests.
        boolean indexed = useIndex && !encrypted();
        Map<String, String> labels = indexed ? labelsThroughIndex(manifests) : labelsFromManifests(manifests.keySet());
        List<String> labelled = new ArrayList<>();
        for (Map.Entry<String, String> e : labels.entrySet()) if (ref.equals(e.getValue())) labelled.add(e.getKey());
        if (labelled.size() == 1) return new Found(labelled.get(0), indexed);
        // No label or a label used twice, by the index: the manifests themselves say which (the index saves reads, it
        // never decides an answer; a single hit is confirmed by its manifest).
        if (indexed) return find(ref, false);
        if (labelled.size() > 1) {
            throw new CheckpointNotFoundException("name '" + ref + "' is used by " + labelled.size()
                    + " checkpoints (" + String.join(", ", labelled) + "); use an id");
        }
        List<String> prefixed = new ArrayList<>();
        if (ref.length() >= MIN_PREFIX) for (String id : manifests.keySet()) if (id.startsWith(ref)) prefixed.add(id);
        if (prefixed.size() == 1) return new Found(prefixed.get(0), false);
        if (prefixed.size() > 1) {
            throw new CheckpointNotFoundException("id prefix '" + ref + "' matches " + prefixed.size()
                    + " checkpoints (" + String.join(", ", prefixed) + ")");
        }
        throw new CheckpointNotFoundException("no checkpoint with id, id prefix (4 digits or more) or name '" + ref
                + "' in " + dir);
    }

    /**
     * Each readable manifest's label (null for none), by id, in id order, from its meta section only (as list() does,
     * a manifest that cannot be read is skipped): decoding every page table, working set and write order in full was
     * most of a restore's time to open a checkpoint by its label.
     */
    private Map<String, String> labelsFromManifests(java.util.Collection<String> ids) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String id : ids) {
            String[] idAndLabel = readIdAndLabel(id);
            if (idAndLabel != null) out.put(id, idAndLabel[1]);
        }
        return out;
    }

    /** A manifest's {id, label} if it can be read and is the manifest of checkpoint {@code id}, else null (reported by listUnreadable()). */
    private String[] readIdAndLabel(String id) throws IOException {
        try {
            String[] idAndLabel = ManifestCodec.readIdAndLabel(manifestPath(id), key);
            return id.equals(idAndLabel[0]) ? idAndLabel : null;
        } catch (CheckpointFormatException e) {
            return null;
        }
    }

    /**
     * {@link #labelsFromManifests}, reading only the manifests the label index does not know as they are now (new,
     * or changed since), and bringing the index up to date if it was not.
     */
    private Map<String, String> labelsThroughIndex(Map<String, LabelIndex.Stamp> manifests) throws IOException {
        Path file = dir.resolve(LabelIndex.FILE_NAME);
        Map<String, LabelIndex.Entry> index = LabelIndex.read(file);
        Map<String, LabelIndex.Entry> now = new TreeMap<>();
        Map<String, String> out = new TreeMap<>();
        for (Map.Entry<String, LabelIndex.Stamp> m : manifests.entrySet()) {
            String id = m.getKey();
            LabelIndex.Entry known = index.get(id);
            if (known != null && known.stamp().equals(m.getValue())) {
                now.put(id, known);
                out.put(id, known.label());
                continue;
            }
            String[] idAndLabel = readIdAndLabel(id);
            if (idAndLabel == null) continue; // not indexed: read (and skipped) again next time, as before the index
            now.put(id, new LabelIndex.Entry(m.getValue(), idAndLabel[1]));
            out.put(id, idAndLabel[1]);
        }
        if (!now.equals(index)) {
            if (holdLabelIndex) heldLabelIndex = now;
            else LabelIndex.write(files, file, tmpDir, now);
        }
        return out;
    }

    /** With {@link #holdLabelIndex()}: the label index's entries a look-up found it should have, not yet written; else null. */
    private volatile Map<String, LabelIndex.Entry> heldLabelIndex;
    private volatile boolean holdLabelIndex;

    /**
     * From now on, a look-up that finds the label index ({@code LABELS}) out of date keeps its new entries in memory
     * instead of writing the file; {@link #writeHeldLabelIndex()} writes the last of them. For a command that may still
     * fail after it resolved a label, and must then leave the repository's files as they were (round 80: {@code vmckpt
     * restore LABEL} of a damaged checkpoint, or one it refuses, rewrote the index before it failed).
     */
    public void holdLabelIndex() {
        holdLabelIndex = true;
    }

    /**
     * Writes the label index a look-up held ({@link #holdLabelIndex()}), if any, as the look-up would have written it
     * (a failure to write is not reported: the index only saves reads). Later look-ups write it again as they find it.
     */
    public void writeHeldLabelIndex() {
        Map<String, LabelIndex.Entry> held = heldLabelIndex;
        holdLabelIndex = false;
        if (held == null) return;
        heldLabelIndex = null;
        LabelIndex.write(files, dir.resolve(LabelIndex.FILE_NAME), tmpDir, held);
    }

    /**
     * What can be checked without the key of an encrypted repository: every manifest's header and CRC, every
     * pack's header, index and frame CRCs (the integrity of the ciphertext, not its authenticity).
     */
    public VerifyReport verifyCiphertext(ProgressListener progress) throws IOException {
        List<String> problems = new ArrayList<>();
        long frames = 0, bytes = 0;
        for (String id : manifestIds()) problems.addAll(verifyFile(manifestPath(id), ManifestCodec.NAME).problems());
        List<String> packs = packIds();
        int done = 0;
        for (String p : packs) {
            VerifyReport r = verifyFile(packPath(p), PackFormat.NAME);
            problems.addAll(r.problems());
            frames += r.frames();
            bytes += r.storedBytes();
            progress.progress("verify", ++done, packs.size());
        }
        return new VerifyReport("(all, ciphertext only: no key)", packs.size(), frames, bytes, problems);
    }

    /**
     * Whether a committed checkpoint has exactly this id: its manifest is a regular file (as {@link #manifestIds()} lists
     * them). One look-up, not a listing of the directory: the engine asks before every incremental checkpoint, and a VM
     * checkpointed every second has thousands (round 66: the listing, a path and a stat per manifest, was most of what
     * the checkpoint thread allocated after a few minutes, and grew with every checkpoint).
     */
    public boolean contains(String id) throws IOException {
        return id != null && Ids.isCheckpointId(id) && Files.isRegularFile(manifestPath(id));
    }

    /**
     * {@link #manifestIds()} with each manifest file's size and modification time (what the label index knows it by):
     * the same one directory listing and one stat per entry.
     */
    private Map<String, LabelIndex.Stamp> manifestStamps() throws IOException {
        Map<String, LabelIndex.Stamp> out = new TreeMap<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpointsDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.endsWith(MANIFEST_SUFFIX)) continue;
                String id = name.substring(0, name.length() - MANIFEST_SUFFIX.length());
                if (!Ids.isCheckpointId(id)) continue;
                java.nio.file.attribute.BasicFileAttributes a;
                try {
                    a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class);
                } catch (IOException e) {
                    continue; // deleted meanwhile, or not ours to look at: no manifest, as for manifestIds()
                }
                if (a.isRegularFile()) out.put(id, LabelIndex.Stamp.of(a));
            }
        }
        return out;
    }

    /** Ids of all committed checkpoints (manifest file names), sorted. Entries that are not regular files are not manifests. */
    List<String> manifestIds() throws IOException {
        return manifestNames(true);
    }

    /** Ids whose {@code .manifest} entry is (regular) or is not (a directory, a FIFO...) a regular file, sorted. */
    private List<String> manifestNames(boolean regular) throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(checkpointsDir)) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                if (!name.endsWith(MANIFEST_SUFFIX)) continue;
                String id = name.substring(0, name.length() - MANIFEST_SUFFIX.length());
                if (Ids.isCheckpointId(id) && Files.isRegularFile(p) == regular) ids.add(id);
            }
        }
        ids.sort(null);
        return ids;
    }

    /**
     * The readable checkpoints, oldest first. A manifest that cannot be read is left out here and reported
     * by {@link #listUnreadable()}.
     */
    public List<CheckpointInfo> list() throws IOException {
        List<CheckpointInfo> out = new ArrayList<>();
        for (String id : manifestIds()) {
            try {
                out.add(readManifest(id).info());
            } catch (CheckpointFormatException e) {
                // reported by listUnreadable()
            }
        }
        out.sort(Comparator.comparing(CheckpointInfo::created).thenComparing(CheckpointInfo::id));
        return out;
    }

    /** Manifests that cannot be read: checkpoint id to the reason. Empty in a healthy repository. */
    public Map<String, String> listUnreadable() throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String id : manifestIds()) {
            try {
                readManifest(id).decodeFirstTouches(); // all of it
            } catch (CheckpointFormatException e) {
                out.put(id, e.getMessage());
            }
        }
        return out;
    }

    /**
     * Entries of {@code checkpoints/} named like a manifest that are not regular files (a directory, a FIFO):
     * not checkpoints, so ignored by everything else; id to what to do about it. Empty in a healthy repository.
     */
    public Map<String, String> listStray() throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (String id : manifestNames(false)) {
            out.put(id, manifestPath(id) + ": not a regular file (a directory, FIFO or device named like a manifest); ignored: remove it");
        }
        return out;
    }

    // ------------------------------------------------------------------------------------------- deleting

    /**
     * Deletes a checkpoint (by exact id, even if its manifest is unreadable, or by any reference
     * {@link #resolve} accepts) by removing its manifest: atomic, and harmless to every other checkpoint,
     * including its children. Its packs stay until {@link #gc()}. Returns the id deleted.
     */
    public String delete(String ref) throws IOException {
        String id = Ids.isCheckpointId(ref) && Files.exists(manifestPath(ref)) ? ref : resolve(ref);
        try (RepositoryLock l = lock()) {
            Files.delete(manifestPath(id));
            FileOps.fsyncDirectory(checkpointsDir);
        } catch (NoSuchFileException e) {
            throw new CheckpointNotFoundException("checkpoint " + id + " was deleted meanwhile");
        }
        return id;
    }

    /**
     * Deletes packs that no checkpoint references and what dead writers left in {@code tmp/}. Holds the
     * repository lock throughout, so commits wait. Refuses (deleting nothing) while any manifest is
     * unreadable, since the packs it references cannot be known: delete or repair it first.
     */
    public GcReport gc() throws IOException {
        try (RepositoryLock l = lock()) {
            Set<String> referenced = new HashSet<>();
            List<String> ids = manifestIds();
            for (String id : ids) {
                List<String> packs = packsOfManifest.get(id);
                if (packs == null) {
                    packs = packIdsOf(readManifest(id));
                    packsOfManifest.put(id, packs);
                }
                referenced.addAll(packs);
            }
            packsOfManifest.keySet().retainAll(new HashSet<>(ids));
            int kept = 0;
            int deleted = 0;
            long freed = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(packsDir)) {
                for (Path p : ds) {
                    String name = p.getFileName().toString();
                    if (!name.endsWith(".pack")) continue;
                    String packId = name.substring(0, name.length() - ".pack".length());
                    if (!Ids.isHex(packId, Ids.PACK_ID_LENGTH)) continue;
                    if (!Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue; // not a pack we wrote: leave it
                    if (referenced.contains(packId)) {
                        kept++;
                    } else {
                        long size = Files.size(p);
                        Files.delete(p);
                        deleted++;
                        freed += size;
                    }
                }
            }
            if (deleted > 0) FileOps.fsyncDirectory(packsDir);
            int tmp = Workspace.deleteStale(tmpDir);
            return new GcReport(kept, deleted, freed, tmp);
        }
    }

    /**
     * The packs each manifest this process has read or committed uses, by checkpoint id, for {@link #gc()}: a committed
     * manifest never changes (its id is never reused), so a collection after each periodic checkpoint
     * ({@code --keep-checkpoints}) reads no manifest again. Decoding every manifest on every collection made ~10x the
     * young collections of a run without it and grew the old generation 0.77 MB/s (docs/BENCHMARKS.md round 67).
     */
    private final Map<String, List<String>> packsOfManifest = new java.util.concurrent.ConcurrentHashMap<>();

    /** Records a manifest just published by this process's writer (under the lock), so {@link #gc()} need not read it. */
    void rememberPacks(Manifest m) {
        packsOfManifest.put(m.info().id(), packIdsOf(m));
        stampManifest(m.info().id());
    }

    // ------------------------------------------------------------------------------------------- largest RAM

    /**
     * The plain-text file that holds the largest RAM, in MiB rounded up, of any checkpoint committed to this repository
     * (one line of decimal digits; round 71). For the launcher (a shell script, which cannot read a manifest): with
     * {@code VMCKPT_HEAP=fit}, a {@code vmckpt restore} without {@code --mem} sizes its JVM's heap for this much RAM, as
     * {@code run --mem} does (docs/ARCHITECTURE.md, "Memory bound"). A hint only, never read by vmckpt itself: a
     * missing, stale or damaged one sizes a heap as the launcher does without it (the JVM's default maximum stays the
     * maximum either way). An encrypted repository keeps none (its checkpoints' sizes would be in clear), as it keeps no
     * label index.
     */
    public static final String LARGEST_RAM_FILE = "LARGEST-RAM";

    /** Whether commits keep {@link #LARGEST_RAM_FILE} up to date ({@code -Dvmckpt.repo.largestRam}, on). */
    static boolean largestRamEnabled() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.repo.largestRam", "true"));
    }

    /** The largest RAM (MiB) this process read from or wrote to {@link #LARGEST_RAM_FILE}; -1 before the first commit. */
    private long largestRamMib = -1;

    /**
     * A checkpoint of {@code pageCount} pages of RAM was committed (under the repository's lock): {@link #LARGEST_RAM_FILE}
     * is raised to its size if it held less. The file is read once per process (the first commit) and written only when
     * it grows, so a VM checkpointed every second does no I/O for it after its first checkpoint. Never throws: the
     * checkpoint is committed already, and the file is a hint.
     */
    void noteRam(long pageCount) {
        if (keyId != null || !largestRamEnabled()) return;
        long mib = (pageCount * PackFormat.UNIT_SIZE + (1 << 20) - 1) >> 20;
        if (mib <= largestRamMib) return;
        Path file = dir.resolve(LARGEST_RAM_FILE);
        long have = readLargestRam(file);
        if (have >= mib) {
            largestRamMib = have;
            return;
        }
        byte[] line = (mib + "\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        Path tmp = tmpDir.resolve(LARGEST_RAM_FILE + "." + ProcessHandle.current().pid() + "." + System.nanoTime());
        try {
            try (java.nio.channels.FileChannel ch = files.create(tmp)) {
                FileOps.writeFully(ch, java.nio.ByteBuffer.wrap(line));
            }
            FileOps.atomicRename(tmp, file);
            largestRamMib = mib;
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // garbage collection removes what is left in tmp/
            }
        }
    }

    /** The MiB {@code file} holds (one line of at most 12 digits), or -1 if it is missing, not a regular file or damaged. */
    static long readLargestRam(Path file) {
        try {
            if (!Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS) || Files.size(file) > 32) return -1;
            String t = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.US_ASCII).strip();
            if (t.isEmpty() || t.length() > 12) return -1;
            for (int i = 0; i < t.length(); i++) if (t.charAt(i) < '0' || t.charAt(i) > '9') return -1;
            return Long.parseLong(t);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static List<String> packIdsOf(Manifest m) {
        List<String> out = new ArrayList<>(m.packs().size());
        for (Manifest.PackRef p : m.packs()) out.add(p.id());
        return List.copyOf(out);
    }

    // ------------------------------------------------------------------------------------------- compaction

    /** {@link #compact}'s defaults: packs under half used, at most 4,096 units (16 MiB) copied and 256 frames read a call. */
    public static final double COMPACT_BELOW = 0.5;
    public static final long COMPACT_MAX_UNITS = 4096;
    public static final long COMPACT_MAX_FRAMES = 256;
    /** Packs of fewer units than this (16 frames, 4 MiB of pages) are merged however used ({@link #compact}). */
    public static final long COMPACT_SMALL_UNITS = 1024;

    /** Compactions done by this object (a writer whose parent was read before one checks the parent's packs). */
    private volatile long compactions;

    long compactionCount() {
        return compactions;
    }

    /**
     * Pack compaction: copies the units the checkpoints still use of packs whose used ("live") share is under
     * {@code below} into one new pack, points every manifest that uses them at it, and deletes the packs no manifest
     * uses any more ({@link PackCompactor}: the steps and why a crash at any of them loses nothing). The lowest shares
     * first; packs of fewer than {@code smallUnits} units ({@link #COMPACT_SMALL_UNITS}), however used, join any call that
     * writes a new pack, and are merged when there are two or more (else each call's new pack would stay on its own and
     * their number grow with the calls); at most {@code maxUnits} units copied and {@code maxFrames} frames decoded per call (a pack reached at the
     * bound is moved in part, its first live units, and finished by later calls). Pages' bytes never change, only
     * where they are stored; packs an incremental checkpoint being written in this process inherits are left alone.
     * Holds the repository lock throughout (commits wait, as for {@link #gc}); refuses, changing nothing, while any
     * manifest is unreadable. An encrypted repository needs its key (the new pack and manifests are sealed with it).
     *
     * @param codec how to compress the new pack (the repository's setting, normally), at {@code level}
     */
    public CompactReport compact(double below, long smallUnits, long maxUnits, long maxFrames, Codec codec, int level) throws IOException {
        try (RepositoryLock l = lock()) {
            try {
                return PackCompactor.run(this, below, smallUnits, maxUnits, maxFrames, codec, level);
            } finally {
                compactions++;
            }
        }
    }

    /**
     * Each pack's used share, by pack id (units the checkpoints use / units in the pack), for the packs the
     * checkpoints use: what {@link #compact} chooses from. Reads every manifest.
     */
    public Map<String, double[]> packShares() throws IOException {
        try (RepositoryLock l = lock()) {
            return PackCompactor.shares(this);
        }
    }

    /** The manifests of parents that writers of this process hold (their packs are never compacted meanwhile). */
    private final List<Manifest> writerParents = new ArrayList<>();

    synchronized void pinParent(Manifest parent) {
        writerParents.add(parent);
    }

    synchronized void unpinParent(Manifest parent) {
        for (int i = writerParents.size() - 1; i >= 0; i--) {
            if (writerParents.get(i) == parent) {
                writerParents.remove(i);
                return;
            }
        }
    }

    /** Packs a writer of this process inherits, or may (the manifest committed last, handed out as a parent). */
    synchronized Set<String> pinnedPacks() {
        Set<String> out = new HashSet<>();
        for (Manifest m : writerParents) for (Manifest.PackRef p : m.packs()) out.add(p.id());
        Manifest handed = reuse.handedOutParent();
        if (handed != null) for (Manifest.PackRef p : handed.packs()) out.add(p.id());
        return out;
    }

    /**
     * Checkpoint {@code id}'s manifest, which named {@code oldPacks}, was rewritten by {@link #compact} to name {@code
     * packs}, its DATA entries mapped by {@code f} (or, with {@code split}, with some runs split, which {@code f} cannot
     * say): gc's pack list follows, and so does the next writer's parent if it is this manifest ({@link WriterReuse}).
     */
    void compacted(String id, List<String> oldPacks, List<Manifest.PackRef> packs, java.util.function.LongUnaryOperator f,
                   boolean split) {
        List<String> ids = new ArrayList<>(packs.size());
        for (Manifest.PackRef p : packs) ids.add(p.id());
        packsOfManifest.put(id, List.copyOf(ids));
        reuse.remapCommitted(id, oldPacks, packs, f, split);
        if (id.equals(stampedId)) stampManifest(id);
    }

    /** The compactor's manifest reader and writer, kept (used under the lock). */
    private ManifestTranscoder transcoder;
    private PackCompactor.CopyBuffers copyBuffers;

    ManifestTranscoder transcoder() {
        if (transcoder == null) transcoder = new ManifestTranscoder();
        return transcoder;
    }

    PackCompactor.CopyBuffers compactCopyBuffers() {
        if (copyBuffers == null) copyBuffers = new PackCompactor.CopyBuffers();
        return copyBuffers;
    }

    /** Tests: called at each step of a compaction (a crash there is simulated by throwing). */
    private volatile java.util.function.Consumer<String> compactSteps;

    void setCompactSteps(java.util.function.Consumer<String> steps) {
        compactSteps = steps;
    }

    void compactStep(String step) {
        java.util.function.Consumer<String> s = compactSteps;
        if (s != null) s.accept(step);
    }

    /** Ids of the pack files present in {@code packs/}, sorted. */
    List<String> packIds() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(packsDir, "*.pack")) {
            for (Path p : ds) {
                String name = p.getFileName().toString();
                ids.add(name.substring(0, name.length() - ".pack".length()));
            }
        }
        ids.sort(null);
        return ids;
    }
}
