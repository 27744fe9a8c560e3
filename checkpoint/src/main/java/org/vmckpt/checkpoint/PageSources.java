package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Extent;
import org.vmckpt.checkpoint.store.PageKind;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.device.virtio.DiskOverlay;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The files a checkpoint's SOURCE pages refer to, for one machine: each disk's base image (source
 * {@link PageOrigin#DISK_FIRST} + disk) and the boot files (kernel, initramfs, firmware).
 *
 * <p>Capture side ({@link #ofMachine}): decides whether a frozen page may be stored as a reference. The device
 * and the loader said where the page came from ({@link PageOrigin}); this confirms it against the source (byte
 * for byte for a disk and for a boot file read in place, by SHA-256 of the page for a boot file kept as digests), so
 * no bookkeeping slip can store a wrong reference. A disk reference is taken only while
 * the checkpoint's overlay holds none of the blocks it covers: base image bytes never change (writes go to the
 * overlay, and restore checks the image's SHA-256), so the reference means the same thing to every restore,
 * lazy or eager, and to every incremental child that inherits it.
 *
 * <p>Restore side ({@link #forCheckpoint}): loads and checks the boot files a checkpoint refers to, by their
 * SHA-256, before anything is restored, and reads referenced pages.
 */
final class PageSources {
    private final List<VirtioBlk> disks;
    private final Map<Integer, BootFile> bootFiles;
    /** The initramfs's files (found by content), or null. */
    private final InitramfsFiles initramfs;
    private final byte[] scratch = new byte[DiskOverlay.BLOCK_SIZE];
    /** {@link #initramfsNanos}: set once by {@link #forCheckpoint}. */
    private long initramfsNanos;
    /** Whether {@link #forCheckpoint} read the initramfs's files from {@link UnpackedInitramfs} instead of unpacking the initrd. */
    private boolean initramfsCached;
    /**
     * Capture side: the guest page where the kernel Image's first byte was loaded, and how many whole pages of the
     * file follow it (0: no kernel to compare with). A page there that no longer equals the file (the kernel patched
     * it) is compared with the file's page at its place, for a boot-file delta ({@link #kernelDelta}).
     */
    private int kernelFirstPage;
    private int kernelPages;
    /**
     * For a kernel kept only as per-page digests (a file not yet remembered by {@link FileDigests}: the first VM of a
     * fresh copy): the file, read page by page for deltas, each page checked against its digest before use.
     */
    private java.nio.channels.FileChannel kernelChannel;

    private PageSources(List<VirtioBlk> disks, Map<Integer, BootFile> bootFiles, InitramfsFiles initramfs) {
        this.disks = disks;
        this.bootFiles = bootFiles;
        this.initramfs = initramfs;
    }

    /**
     * Where the kernel was loaded, as {@code Machine.boot} placed it: RAM's start plus the Image header's text offset
     * (or the default offset). Only for a kernel compared byte for byte (held or read in place), not a gzip one.
     */
    private void placeKernel() {
        BootFile f = bootFiles.get(PageOrigin.KERNEL);
        if (f == null || (f.inPlace() == null && f.loaded() == null && f.pageDigests() == null)) return;
        try {
            byte[] start = new byte[org.vmckpt.machine.firmware.LinuxImage.HEADER_BYTES];
            if (f.inPlace() == null && f.loaded() == null) {
                kernelChannel = java.nio.channels.FileChannel.open(f.path(), java.nio.file.StandardOpenOption.READ);
                if (!readKernel(0, start)) return;
            } else if (!f.read(0, start)) {
                return;
            }
            if (org.vmckpt.machine.firmware.LinuxImage.isGzip(start)) return;
            long length = f.loadedLength();
            org.vmckpt.machine.firmware.LinuxImage.Header h = org.vmckpt.machine.firmware.LinuxImage.header(start, length, f.path().toString());
            long offset = h.textOffset() != 0 ? h.textOffset() : org.vmckpt.machine.MemoryMap.KERNEL_OFFSET;
            if (offset % PAGE != 0 || offset / PAGE > Integer.MAX_VALUE || length / PAGE > Integer.MAX_VALUE) return;
            kernelFirstPage = (int) (offset / PAGE);
            kernelPages = (int) (length / PAGE);
        } catch (IOException | org.vmckpt.machine.firmware.BootImageException | RuntimeException e) {
            kernelPages = 0; // no deltas: such pages are saved as data
        }
    }

    private static final int PAGE = 4096;

    /**
     * Frozen page {@code idx}, which is not stored as a reference, as a boot-file delta: if it lies where a page of the
     * kernel Image was loaded and differs from that page in at most {@link PageDelta#MAX_DIFFERING_BYTES} bytes, their
     * XOR (a new array); else null. The file's page is at sector {@link #kernelSector}. Saver thread only.
     */
    byte[] kernelDelta(int idx, byte[] page) throws IOException {
        byte[] base = kernelBase(idx, page);
        if (base == null) return null;
        byte[] xor = new byte[PAGE];
        PageDelta.xor(page, base, xor, 0);
        return xor;
    }

    /**
     * The detection {@link #kernelDelta} makes: the kernel file's page loaded where {@code idx} is, if {@code page}
     * differs from it in 1 to {@link PageDelta#MAX_DIFFERING_BYTES} bytes (this instance's scratch array, valid until
     * the next call); else null. Also a migration's: it sends such a page as the file's page plus the XOR.
     */
    byte[] kernelBase(int idx, byte[] page) throws IOException {
        if (kernelPages == 0 || idx < kernelFirstPage || idx - kernelFirstPage >= kernelPages) return null;
        BootFile f = bootFiles.get(PageOrigin.KERNEL);
        if (f == null) return null;
        long sector = kernelSector(idx);
        if (f.inPlace() != null || f.loaded() != null) {
            if (!f.read(sector, scratch)) return null;
        } else if (kernelChannel == null || f.pageDigests() == null || !readKernel(sector * PageOrigin.SECTOR_SIZE, scratch)
                || !f.matches(sector, scratch, null)) {
            return null; // a dropped (changed) file, or bytes that are not the ones its digests name
        }
        int differ = PageDelta.differingBytes(page, scratch, PageDelta.MAX_DIFFERING_BYTES);
        if (differ == 0 || differ > PageDelta.MAX_DIFFERING_BYTES) return null;
        return scratch;
    }

    /** Reads {@code dst.length} bytes of the kernel file kept as digests at {@code pos}; false past its end. */
    private boolean readKernel(long pos, byte[] dst) throws IOException {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(dst);
        while (b.hasRemaining()) {
            if (kernelChannel.read(b, pos + b.position()) < 0) return false;
        }
        return true;
    }

    /** The kernel Image's sector where the page loaded at guest page {@code idx} starts. */
    long kernelSector(int idx) {
        return (long) (idx - kernelFirstPage) * PageOrigin.SECTORS_PER_PAGE;
    }

    /** Whether {@code source} is a disk's base image (not a boot file or a file of the initramfs). */
    static boolean isDisk(int source) {
        return source >= PageOrigin.DISK_FIRST && source < InitramfsFiles.FIRST_SOURCE;
    }

    /**
     * The sources of a running machine: its disks, and the boot files its configuration names (read now; a
     * file that cannot be read is left out, and pages from it are saved as data). A machine restored from a
     * checkpoint was not booted from files: it takes the boot files {@code parentId}'s configuration names,
     * if they still have the hash it recorded (its pages restored from them still equal them).
     */
    static PageSources ofMachine(Machine m, Repository repo, String parentId) {
        Map<Integer, BootFile> boot = new HashMap<>();
        MachineConfig c = m.config();
        Map<String, String> parent = Map.of();
        if (c.kernel() == null && parentId != null && repo != null) {
            try (Checkpoint p = repo.open(parentId)) {
                parent = p.config();
            } catch (IOException | RuntimeException e) {
                // no parent to learn from: its boot-file pages are saved as data
            }
        }
        addBootFile(boot, PageOrigin.KERNEL, c.kernel(), parent, false);
        byte[] initrd = addBootFile(boot, PageOrigin.INITRD, c.initrd(), parent, true);
        addBootFile(boot, PageOrigin.FIRMWARE, c.bios(), parent, false);
        InitramfsFiles files = null;
        if (initrd != null) {
            try {
                files = InitramfsFiles.index(initrd);
            } catch (IOException | RuntimeException e) {
                // not a cpio archive we read: its files' pages are saved as data
            }
        }
        PageSources s = new PageSources(m.virtio().disks(), boot, files);
        s.placeKernel();
        return s;
    }

    /**
     * Adds a boot file to {@code boot} in its running-VM form ({@link BootFile#forCapture}: read in place if its digest
     * is remembered, else read, hashed and kept as per-page digests); returns its bytes if {@code wantBytes} (the
     * initrd, whose archive is indexed), else an empty array; null if it could not be read.
     */
    private static byte[] addBootFile(Map<Integer, BootFile> boot, int source, Path path, Map<String, String> parent, boolean wantBytes) {
        String want = null;
        if (path == null) {
            String p = parent.get(BootFile.name(source) + ".path");
            want = parent.get(BootFile.name(source) + ".sha256");
            if (p == null || want == null) return null;
            path = Path.of(p);
        }
        try {
            BootFile f = BootFile.forCapture(source, path, want);
            if (f != null) {
                byte[] bytes = wantBytes ? readWhole(f.inPlace()) : new byte[0];
                if (bytes != null) {
                    boot.put(source, f);
                    return bytes;
                }
                f.inPlace().close(); // changed while read: read and hashed below
            }
            BootFile full = BootFile.load(source, path, want); // its digest is remembered now, if the file is old enough
            f = BootFile.forCapture(source, path, full.sha256());
            boot.put(source, f != null ? f : full.digestsOnly());
            return wantBytes ? full.loaded() : new byte[0];
        } catch (IOException | RuntimeException e) {
            return null; // eviction is an optimisation: without the file its pages are saved as data
        }
    }

    /** The whole file read in place, or null if it changed while it was read. */
    private static byte[] readWhole(InPlaceFile f) throws IOException {
        if (f.size() > Integer.MAX_VALUE - 16) return null;
        byte[] b = new byte[(int) f.size()];
        return f.read(0, b) && f.unchanged() ? b : null;
    }

    /**
     * Before a checkpoint's (or a migration's) pages are compared with the boot files: a file read in place whose
     * identity moved since its digest was looked up (written to, replaced) is compared no more; its pages are saved
     * as data from now on. It stays described (path and SHA-256): pages an incremental checkpoint inherits may still
     * refer to it, and a restore of them checks it by name.
     */
    synchronized void dropChangedBootFiles() {
        for (Map.Entry<Integer, BootFile> e : bootFiles.entrySet()) {
            BootFile f = e.getValue();
            if (f.inPlace() == null || f.loaded() != null) continue;
            boolean same;
            try {
                same = f.inPlace().unchanged();
            } catch (IOException ex) {
                same = false; // gone
            }
            if (!same) {
                closeInPlace(f);
                e.setValue(f.describedOnly());
            }
        }
    }

    /**
     * After a checkpoint's pages were compared with the boot files read in place: refuses the checkpoint, naming the
     * file, if one of them changed meanwhile (a page may then have been compared with bytes that are not the file
     * its SHA-256 names). A file's ctime only moves forward, so unchanged now means unchanged throughout.
     */
    synchronized void checkBootFilesUnchanged() throws IOException {
        for (BootFile f : bootFiles.values()) {
            if (f.inPlace() == null || f.loaded() != null) continue;
            boolean same;
            try {
                same = f.inPlace().unchanged();
            } catch (IOException ex) {
                same = false;
            }
            if (!same) {
                throw new IOException("the " + BootFile.name(f.source()) + " " + f.path() + " changed while this checkpoint's pages were"
                        + " compared with it; take the checkpoint again (its pages are saved as data from now on)");
            }
        }
    }

    /**
     * A page of one of the initramfs's files equal to {@code page} (found by content), as
     * {@code source << 40 | sector}, or -1. Saver thread only.
     */
    long findInInitramfs(byte[] page) {
        return initramfs == null ? -1 : initramfs.find(page);
    }

    /** Adds the boot files' paths and hashes to a checkpoint's configuration ({@code kernel.path}, {@code kernel.sha256}, ...). */
    void describe(Map<String, String> config) {
        for (BootFile f : bootFiles.values()) {
            config.put(BootFile.name(f.source()) + ".path", f.path().toString());
            config.put(BootFile.name(f.source()) + ".sha256", f.sha256());
        }
    }

    /**
     * Whether frozen page {@code page}, which {@code o} says came from a source, may be stored as a reference
     * to it: the bytes are equal, and for a disk its overlay in {@code overlays} (the checkpoint's frozen
     * overlays, by disk) holds none of the blocks the reference covers. Saver thread only.
     */
    boolean confirm(PageOrigin o, byte[] page, List<FrozenOverlay> overlays) throws IOException {
        int source = o.source();
        if (BootFile.isBootSource(source)) {
            BootFile f = bootFiles.get(source);
            return f != null && f.matches(o.firstSector(), page, scratch);
        }
        if (InitramfsFiles.isFileSource(source)) return initramfs != null && initramfs.matches(source, o.firstSector(), page);
        if (!isDisk(source)) return false;
        int d = source - PageOrigin.DISK_FIRST;
        if (d < 0 || d >= disks.size()) return false;
        VirtioBlk disk = disks.get(d);
        long pos = o.firstSector() * PageOrigin.SECTOR_SIZE;
        if (disk.isWriteThrough() || pos < 0 || pos > disk.baseImageBytes() - page.length) return false;
        FrozenOverlay ov = d < overlays.size() ? overlays.get(d) : null;
        if (ov != null) {
            long first = pos >>> DiskOverlay.BLOCK_SHIFT, last = (pos + page.length - 1) >>> DiskOverlay.BLOCK_SHIFT;
            for (long b = first; b <= last; b++) if (ov.contains(b)) return false; // rewritten since the read
        }
        disk.readBase(pos, scratch);
        return Arrays.equals(scratch, page);
    }

    /**
     * The sources of a checkpoint restored onto (or reset into) {@code m}: its disks, and every boot file a
     * SOURCE page refers to, read from the path the checkpoint names and checked against its SHA-256.
     */
    static PageSources forCheckpoint(Checkpoint ckpt, Machine m) throws RestoreException {
        return forCheckpoint(ckpt, m, false);
    }

    /**
     * As {@link #forCheckpoint(Checkpoint, Machine)}; with {@code inPlace} (an eager restore, which reads every
     * reference page before it hands the machine out), a boot file whose digest is remembered for its identity is
     * read page by page where it lies instead of read and hashed whole ({@link InPlaceFile}); the caller then calls
     * {@link #closeInPlace} after its reads, which refuses a file that changed meanwhile.
     */
    static PageSources forCheckpoint(Checkpoint ckpt, Machine m, boolean inPlace) throws RestoreException {
        Map<Integer, BootFile> boot = new HashMap<>();
        List<VirtioBlk> disks = m.virtio().disks();
        InitramfsFiles files = null;
        long initramfsNanos = 0;
        boolean initramfsCached = false;
        for (Extent e : ckpt.pageExtents()) {
            if (e.kind() != PageKind.SOURCE && e.kind() != PageKind.SOURCE_DELTA) continue;
            int source = e.source();
            if (e.kind() == PageKind.SOURCE_DELTA && !BootFile.isBootSource(source)) {
                throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: pages " + e.start() + ".." + (e.end() - 1)
                        + " are stored as deltas against source " + source + ", which is no boot file");
            }
            long lastByte = (e.firstDiskBlock() + e.length() * PageOrigin.SECTORS_PER_PAGE) * PageOrigin.SECTOR_SIZE;
            if (InitramfsFiles.isFileSource(source)) {
                if (files == null) {
                    long t0 = System.nanoTime();
                    files = unpackedFromCache(ckpt, inPlace);
                    if (files != null) {
                        initramfsCached = true;
                        initramfsNanos = System.nanoTime() - t0;
                    }
                }
                if (files == null) {
                    long t0 = System.nanoTime();
                    BootFile f = boot.get(PageOrigin.INITRD);
                    if (f == null || f.loaded() == null) { // the archive's files are found in its unpacked bytes
                        closeInPlace(f);
                        f = loadChecked(ckpt, PageOrigin.INITRD, false);
                        boot.put(PageOrigin.INITRD, f);
                    }
                    try {
                        files = InitramfsFiles.parse(f.loaded(), true);
                    } catch (IOException ex) {
                        throw new RestoreException("checkpoint " + ckpt.id() + " refers to files of the initrd " + f.path() + ", which cannot be read: " + ex.getMessage(), ex);
                    }
                    initramfsNanos = System.nanoTime() - t0;
                }
                if (!files.covers(source, lastByte)) {
                    throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: pages " + e.start() + ".." + (e.end() - 1)
                            + " refer to bytes past the end of file " + (source - InitramfsFiles.FIRST_SOURCE) + " of the initrd");
                }
            } else if (BootFile.isBootSource(source)) {
                BootFile f = boot.get(source);
                if (f == null) {
                    f = loadChecked(ckpt, source, inPlace);
                    boot.put(source, f);
                }
                if (lastByte > f.loadedLength()) {
                    throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: pages " + e.start() + ".." + (e.end() - 1)
                            + " refer to bytes past the end of the " + BootFile.name(source) + " " + f.path());
                }
            } else {
                int d = source - PageOrigin.DISK_FIRST;
                if (!isDisk(source) || d >= disks.size()) {
                    throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: pages " + e.start() + ".." + (e.end() - 1)
                            + " refer to source " + source + ", which is no disk or boot file of the checkpoint");
                }
                if (lastByte > disks.get(d).baseImageBytes()) {
                    throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: pages " + e.start() + ".." + (e.end() - 1)
                            + " refer to bytes past the end of disk " + d + " (" + disks.get(d).baseImagePath() + ")");
                }
            }
        }
        PageSources sources = new PageSources(disks, boot, files);
        sources.initramfsNanos = initramfsNanos;
        sources.initramfsCached = initramfsCached;
        return sources;
    }

    /**
     * The initramfs's files from {@link UnpackedInitramfs}, read in place (an eager restore) or whole (a lazy one, a reset), if the initrd the checkpoint
     * names is unchanged by its remembered digest (its identity is the one it had when its SHA-256 was found to be the
     * checkpoint's) and the cache holds its files; else null, and the caller reads, checks and unpacks the initrd as
     * before (refusing it by name if it changed). The initrd itself is not read: its files' bytes come from the cache.
     */
    private static InitramfsFiles unpackedFromCache(Checkpoint ckpt, boolean inPlace) {
        String path = ckpt.config().get("initrd.path");
        String want = ckpt.config().get("initrd.sha256");
        if (path == null || want == null) return null;
        try {
            Path p = Path.of(path);
            if (!java.nio.file.Files.isRegularFile(p) || !want.equals(FileDigests.user().remembered(p))) return null;
            return inPlace ? UnpackedInitramfs.user().open(want) : UnpackedInitramfs.user().load(want);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * Stores the initramfs's unpacked files in {@link UnpackedInitramfs} unless they are there already, for every later
     * eager restore of this VM's checkpoints (which then read them in place instead of unpacking the archive on their
     * critical path): once per initrd, by a running VM's page-sources thread once its sources are handed out, as the
     * unpacked archive is at hand there. Returns whether it wrote them.
     */
    boolean keepUnpackedInitramfs() {
        BootFile initrd = bootFiles.get(PageOrigin.INITRD);
        return initramfs != null && initrd != null && UnpackedInitramfs.user().storeIfAbsent(initrd.sha256(), initramfs);
    }

    /** Whether {@link #forCheckpoint} took the initramfs's files from {@link UnpackedInitramfs} (--stats). */
    boolean initramfsCached() {
        return initramfsCached;
    }

    /**
     * Nanoseconds {@link #forCheckpoint} spent reading, checking and unpacking the initramfs for the pages that refer to
     * files inside it (0 if none do): a restore's --stats shows it as a part of its boot-files phase.
     */
    long initramfsNanos() {
        return initramfsNanos;
    }

    private static BootFile loadChecked(Checkpoint ckpt, int source, boolean inPlace) throws RestoreException {
        String name = BootFile.name(source);
        String path = ckpt.config().get(name + ".path");
        String want = ckpt.config().get(name + ".sha256");
        if (path == null || want == null) {
            throw new RestoreException("checkpoint " + ckpt.id() + " is damaged: pages refer to the " + name + " it was booted with, but it does not say which file that was");
        }
        try {
            if (inPlace) {
                BootFile f = BootFile.inPlace(source, Path.of(path), want);
                if (f != null) return f;
            }
            return BootFile.load(source, Path.of(path), want);
        } catch (BootFile.ChangedException e) {
            throw new RestoreException("the " + name + " " + path + " has changed since checkpoint " + ckpt.id() + " was taken (its SHA-256 is "
                    + e.sha256 + ", the checkpoint needs " + want + "): pages of the guest refer to it; put the original file back");
        } catch (IOException | java.nio.file.InvalidPathException e) {
            throw new RestoreException("checkpoint " + ckpt.id() + " needs the " + name + " it was booted with: " + e.getMessage(), e);
        }
    }

    /** The boot file of {@code source} (kernel, initrd, firmware) these sources read, or null. */
    BootFile bootFile(int source) {
        return bootFiles.get(source);
    }

    /**
     * Closes the boot files read in place, after the restore's last read of them; refuses one that changed while
     * it was read (its identity moved), by name.
     */
    /** Whether any boot file (or the initramfs' unpacked copy) is read in place ({@link #closeInPlace} checks them). */
    boolean anyInPlace() {
        for (BootFile f : bootFiles.values()) if (f.inPlace() != null) return true;
        return initramfs != null && initramfs.unpackedPath() != null;
    }

    void closeInPlace(Checkpoint ckpt) throws RestoreException {
        RestoreException changed = null;
        for (BootFile f : bootFiles.values()) {
            if (f.inPlace() == null) continue;
            try {
                if (!f.inPlace().unchanged() && changed == null) {
                    changed = new RestoreException("the " + BootFile.name(f.source()) + " " + f.path() + " changed while checkpoint " + ckpt.id()
                            + " was being restored from it: pages of the guest refer to it; restore again once it is back as it was");
                }
            } catch (IOException e) {
                if (changed == null) changed = new RestoreException("the " + BootFile.name(f.source()) + " " + f.path() + " cannot be checked: " + e.getMessage(), e);
            }
            closeInPlace(f);
        }
        if (initramfs != null) {
            Path cached = initramfs.unpackedPath();
            try {
                if (!initramfs.closeInPlace() && changed == null) {
                    changed = new RestoreException("vmckpt's unpacked copy " + cached + " of the initrd changed while checkpoint " + ckpt.id()
                            + " was being restored from it: restore again (a copy that changed is not used)");
                }
            } catch (IOException e) {
                if (changed == null) changed = new RestoreException("vmckpt's unpacked copy " + cached + " of the initrd cannot be checked: " + e.getMessage(), e);
            }
        }
        if (changed != null) throw changed;
    }

    private static void closeInPlace(BootFile f) {
        if (f == null || f.inPlace() == null) return;
        try {
            f.inPlace().close();
        } catch (IOException e) {
            // read-only: nothing to lose
        }
    }

    /**
     * The boot files {@code m}'s own configuration names, kept whole (not as digests), for a migration destination
     * that rebuilds pages the source sent as references: the same file content as at the source (by SHA-256, checked
     * by the caller through {@link #bootSha256}) means the same bytes. A file that cannot be read is left out.
     */
    static PageSources loadedForMachine(Machine m) {
        Map<Integer, BootFile> boot = new HashMap<>();
        MachineConfig c = m.config();
        InitramfsFiles files = null;
        Path[] paths = {c.kernel(), c.initrd(), c.bios()};
        int[] sources = {PageOrigin.KERNEL, PageOrigin.INITRD, PageOrigin.FIRMWARE};
        for (int i = 0; i < paths.length; i++) {
            if (paths[i] == null) continue;
            try {
                boot.put(sources[i], BootFile.load(sources[i], paths[i], null));
            } catch (IOException | RuntimeException e) {
                // left out: the source is told so, and sends such pages as data
            }
        }
        BootFile initrd = boot.get(PageOrigin.INITRD);
        if (initrd != null) {
            try {
                files = InitramfsFiles.parse(initrd.loaded(), true);
            } catch (IOException | RuntimeException e) {
                // not a cpio archive we read: the initrd's files are not offered as sources
            }
        }
        return new PageSources(m.virtio().disks(), boot, files);
    }

    /** The SHA-256 of boot file {@code source} as this end holds it, or null if it holds none. */
    String bootSha256(int source) {
        BootFile f = bootFiles.get(source);
        return f == null ? null : f.sha256();
    }

    /** Whether pages may refer to the initramfs's files (the initrd is held and is an archive we read). */
    boolean hasInitramfsFiles() {
        return initramfs != null && bootFiles.containsKey(PageOrigin.INITRD);
    }

    /**
     * Reads the 4096 bytes at {@code sector} of {@code source} into {@code dst}, as {@link #read} does, but answers
     * false instead of naming a checkpoint when this end does not hold that source or the bytes lie past its end.
     */
    boolean readIfHeld(int source, long sector, byte[] dst) throws IOException {
        if (sector < 0) return false;
        if (InitramfsFiles.isFileSource(source)) return hasInitramfsFiles() && initramfs.read(source, sector, dst);
        if (BootFile.isBootSource(source)) {
            BootFile f = bootFiles.get(source);
            return f != null && f.read(sector, dst);
        }
        int d = source - PageOrigin.DISK_FIRST;
        if (!isDisk(source) || d >= disks.size()) return false;
        VirtioBlk disk = disks.get(d);
        long pos = sector * PageOrigin.SECTOR_SIZE;
        if (pos / PageOrigin.SECTOR_SIZE != sector || pos > disk.baseImageBytes() - dst.length) return false;
        disk.readBase(pos, dst);
        return true;
    }

    /** Reads the 4096 bytes at {@code sector} of {@code source} into {@code dst}. Safe from any thread for disks. */
    void read(Checkpoint ckpt, int idx, int source, long sector, byte[] dst) throws IOException {
        if (InitramfsFiles.isFileSource(source)) {
            if (initramfs == null || !initramfs.read(source, sector, dst)) {
                throw new IOException("checkpoint " + ckpt.id() + ": page " + idx + " refers to a file of the initrd, which was not loaded");
            }
            return;
        }
        if (BootFile.isBootSource(source)) {
            BootFile f = bootFiles.get(source);
            if (f == null || !f.read(sector, dst)) {
                throw new IOException("checkpoint " + ckpt.id() + ": page " + idx + " refers to the " + BootFile.name(source) + ", which was not loaded");
            }
            return;
        }
        int d = source - PageOrigin.DISK_FIRST;
        if (!isDisk(source) || d >= disks.size()) {
            throw new IOException("checkpoint " + ckpt.id() + ": page " + idx + " refers to source " + source + ", which the machine does not have");
        }
        disks.get(d).readBase(sector * PageOrigin.SECTOR_SIZE, dst);
    }

    /**
     * The first {@code length} bytes of {@code dst} from boot file {@code source} (kernel, initrd or firmware, or a file
     * inside the initramfs) at {@code sector}, in one read: a run of SOURCE pages. False, reading nothing for certain, if
     * {@code source} is no boot file this restore loaded or the file does not hold all of those bytes.
     */
    boolean readBootFile(int source, long sector, byte[] dst, int length) throws IOException {
        if (InitramfsFiles.isFileSource(source)) return initramfs != null && initramfs.read(source, sector, dst, length);
        if (!BootFile.isBootSource(source)) return false;
        BootFile f = bootFiles.get(source);
        return f != null && f.read(sector, dst, length);
    }

    /** Old checkpoints' DISK_BLOCK pages: block {@code block} of disk 0's base image. */
    void readDisk0Block(Checkpoint ckpt, int idx, long block, byte[] dst) throws IOException {
        if (disks.isEmpty()) {
            throw new IOException("checkpoint " + ckpt.id() + ": page " + idx + " refers to a disk block, but the machine has no disk");
        }
        disks.get(0).readBaseBlock(block, dst);
    }
}
