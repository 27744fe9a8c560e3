package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The repository's label index, the file {@code LABELS} (docs/FORMAT.md, section 3a): each manifest's label, beside
 * the manifest file's size and modification time, so that {@code Repository.resolve} finds a label without reading,
 * checking and decompressing every manifest (most of a restore's time to open its checkpoint by label in a repository
 * of many checkpoints: docs/BENCHMARKS.md, round 56).
 *
 * <p>It is a cache, never the truth: an entry counts only while its manifest still has the size and modification
 * time it records (manifests are never rewritten: a changed one is a new file), a manifest it does not know is read as
 * before and added, and one it lists that is gone is dropped. So a missing, stale, damaged (CRC) or newer-version
 * file costs only the reads it would have saved, a crash while it is written (to {@code tmp/}, then renamed over the
 * old one) leaves the old file or the new one, and nothing waits for a lock or an fsync for it. Written by whoever
 * resolves a label and finds it out of date; failing to write it (a read-only repository) changes nothing else.
 *
 * <pre>
 *   file header ("vmckpt-labels", version 1)
 *   varint n, then n entries in id order: string id | varint manifest size | i64 manifest mtime (ns since the epoch) | string label ("" for none)
 *   CRC32C u32 of every byte before it
 * </pre>
 */
final class LabelIndex {
    private LabelIndex() {
    }

    static final String NAME = "vmckpt-labels";
    static final int VERSION = 1;
    static final String FILE_NAME = "LABELS";
    /** A bigger file is not read (ignored, rebuilt): ~100 bytes an entry, so a million checkpoints. */
    static final int MAX_FILE = 128 << 20;

    /**
     * What the index knows a manifest file's contents by: its size and its modification time in nanoseconds. (equals
     * and hashCode written out, here and in {@link Entry}: a record's own are bound at their first call through
     * invokedynamic, a method-handle bootstrap a cold JVM would run on a restore's way to its checkpoint. The first
     * build of this class, without them, had that step at medians 123-144 ms against main's 71-108 ms in eight pairs
     * at load 4-8; not measured apart from the noise of those pairs.)
     */
    record Stamp(long size, long mtimeNanos) {
        static Stamp of(BasicFileAttributes a) {
            return new Stamp(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Stamp s && s.size == size && s.mtimeNanos == mtimeNanos;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(size) * 31 + Long.hashCode(mtimeNanos);
        }
    }

    /** One manifest: its file's stamp and its label (null if the checkpoint has none). */
    record Entry(Stamp stamp, String label) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && e.stamp.equals(stamp) && java.util.Objects.equals(e.label, label);
        }

        @Override
        public int hashCode() {
            return stamp.hashCode() * 31 + java.util.Objects.hashCode(label);
        }
    }

    /**
     * The entries of the index file, by checkpoint id; empty if there is no file, or one this build cannot use (damaged,
     * of another version, too large, not a regular file): it is then rebuilt.
     */
    static Map<String, Entry> read(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            if (!a.isRegularFile() || a.size() > MAX_FILE) return new TreeMap<>();
            byte[] b = Files.readAllBytes(file);
            return decode(file, b);
        } catch (NoSuchFileException e) {
            return new TreeMap<>();
        } catch (IOException e) {
            return new TreeMap<>(); // CheckpointFormatException included: a bad index is no index
        }
    }

    static Map<String, Entry> decode(Path file, byte[] b) throws CheckpointFormatException {
        BoundedReader in = new BoundedReader(file, "label index", b, 0, b.length);
        FileCodec.readHeader(in, file, NAME, VERSION, VERSION);
        if (in.remaining() < FileCodec.FOOTER_LENGTH || !FileCodec.footerMatches(b, 0, b.length)) throw new CheckpointFormatException(file, "label index CRC mismatch");
        BoundedReader body = in.sub("label index entries", in.remaining() - FileCodec.FOOTER_LENGTH);
        int n = body.count("label index entry count", 1 + 16 + 1 + 8 + 1, Integer.MAX_VALUE - 8);
        Map<String, Entry> out = new TreeMap<>();
        for (int i = 0; i < n; i++) {
            String id = body.string("checkpoint id", 64);
            if (!Ids.isCheckpointId(id)) throw body.error("checkpoint id '" + id + "' is not 16 hex digits");
            long size = body.varint("manifest size");
            long mtime = body.i64("manifest mtime");
            String label = body.string("label", CheckpointMeta.MAX_LABEL_LENGTH * 4);
            if (out.put(id, new Entry(new Stamp(size, mtime), label.isEmpty() ? null : label)) != null) {
                throw body.error("checkpoint " + id + " is listed twice");
            }
        }
        body.expectEnd("label index");
        return out;
    }

    static byte[] encode(Map<String, Entry> entries) {
        ByteSink s = new ByteSink(64 + entries.size() * 64);
        FileCodec.writeHeader(s, NAME, VERSION);
        s.varint(entries.size());
        for (Map.Entry<String, Entry> e : new TreeMap<>(entries).entrySet()) {
            Entry x = e.getValue();
            s.string(e.getKey()).varint(x.stamp().size()).i64(x.stamp().mtimeNanos()).string(x.label() == null ? "" : x.label());
        }
        FileCodec.writeFooter(s);
        return s.toByteArray();
    }

    /**
     * Replaces the index file by one holding {@code entries}: written to {@code tmpDir}, then renamed over it. Not
     * fsynced: after a crash the file is the old one, the new one, or one that fails its CRC, and each of those is
     * checked entry by entry against the manifests anyway. Any failure (a read-only repository, garbage collection
     * removing the temporary file first) leaves the old file and is not reported: the index only saves reads.
     */
    static void write(ChannelFactory files, Path file, Path tmpDir, Map<String, Entry> entries) {
        byte[] b = encode(entries);
        // Not a random id (SecureRandom's set-up would cost a restore more than the index saves): unique per process and call.
        Path tmp = tmpDir.resolve(FILE_NAME + "." + ProcessHandle.current().pid() + "." + System.nanoTime());
        try {
            try (FileChannel ch = files.create(tmp)) {
                FileOps.writeFully(ch, java.nio.ByteBuffer.wrap(b));
            }
            FileOps.atomicRename(tmp, file);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // garbage collection removes what is left in tmp/
            }
        }
    }
}
