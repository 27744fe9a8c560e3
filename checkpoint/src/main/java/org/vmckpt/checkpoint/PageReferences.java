package org.vmckpt.checkpoint;

import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.PageOrigin;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Pages a live migration sends as references instead of bytes, as a checkpoint stores them (page kind SOURCE):
 * a page still equal to 4 KiB of a disk's base image (the page cache), of the kernel, firmware or initramfs as
 * loaded, or of a file of the initramfs. The same classification as the checkpoint's ({@link PageSources}: the
 * origin the device or loader recorded, confirmed byte for byte or by SHA-256; initramfs files found by content).
 *
 * <p>A reference is {@code source << 40 | sector}. Disks may always be referred to (the destination has checked
 * each base image's SHA-256 before it accepted). A boot file only if the destination holds a file with the
 * source's SHA-256 ({@link #acceptedBootFiles} there, {@link #referOnlyTo} here); otherwise its pages go as data.
 * The destination rebuilds each page from its own copy of the file, and the state digest (CRC32C of every page
 * as the source had it) checks the result.
 */
public final class PageReferences {
    /** {@link #find}: the page is not a reference. */
    public static final long NONE = -1;
    private static final long SECTOR_MASK = (1L << 40) - 1;
    private static final int[] BOOT_SOURCES = {PageOrigin.KERNEL, PageOrigin.INITRD, PageOrigin.FIRMWARE};

    private final PageSources sources;
    /** The boot sources pages may refer to (both ends hold the same file). */
    private final Set<Integer> bootFiles = new HashSet<>();

    private PageReferences(PageSources sources) {
        this.sources = sources;
    }

    /**
     * The source's side: the checkpoint engine's page sources (read and hashed while the guest booted), or, without
     * an engine, this machine's read now. Refers to disks only until {@link #referOnlyTo} names the boot files.
     */
    public static PageReferences forSource(Machine m, CheckpointEngine engine) {
        PageSources s = engine != null ? engine.pageSources() : PageSources.ofMachine(m, null, null);
        // A boot file read in place that changed since is compared no more. One that changes during the migration
        // could make a reference name other bytes than the destination's copy: the state digest refuses that.
        if (s != null) s.dropChangedBootFiles();
        return new PageReferences(s);
    }

    /** The destination's side: this machine's own boot files, kept whole, to rebuild pages from. */
    public static PageReferences forDestination(Machine m) {
        return new PageReferences(PageSources.loadedForMachine(m));
    }

    /** Adds the boot files' hashes ({@code kernel.sha256}, ...) to the machine description sent in HELLO. */
    public void describe(Map<String, String> description) {
        if (sources != null) sources.describe(description);
    }

    /**
     * Destination: the boot sources this end holds with the SHA-256 the source's description names (the others are
     * left out: the source sends their pages as data). From now on only those are rebuilt here.
     */
    public List<Integer> acceptedBootFiles(Map<String, String> sourceDescription) {
        List<Integer> out = new ArrayList<>();
        bootFiles.clear();
        if (sources == null) return out;
        for (int s : BOOT_SOURCES) {
            String mine = sources.bootSha256(s);
            if (mine != null && mine.equals(sourceDescription.get(BootFile.name(s) + ".sha256"))) out.add(s);
        }
        bootFiles.addAll(out);
        return out;
    }

    /** Source: the boot sources the destination accepted (an unknown number is ignored). */
    public void referOnlyTo(List<Integer> boot) {
        bootFiles.clear();
        for (int s : boot) if (BootFile.isBootSource(s)) bootFiles.add(s);
    }

    private boolean allowed(int source) {
        if (PageSources.isDisk(source)) return true;
        if (InitramfsFiles.isFileSource(source)) return bootFiles.contains(PageOrigin.INITRD);
        return bootFiles.contains(source);
    }

    /**
     * Source: the reference page {@code idx} of {@code fm} (whose bytes are {@code page}, not all zero) may travel
     * as, or {@link #NONE}. {@code overlays} are the same capture's frozen disk overlays. One thread at a time (the
     * migration holds the checkpoint engine's lock).
     */
    public long find(FrozenMemory fm, int idx, byte[] page, List<FrozenOverlay> overlays) throws IOException {
        if (sources == null) return NONE;
        PageOrigin o = fm.completeOrigin(idx);
        if (o != null && allowed(o.source()) && sources.confirm(o, page, overlays)) return (long) o.source() << 40 | o.firstSector();
        if (!bootFiles.contains(PageOrigin.INITRD)) return NONE;
        long ref = sources.findInInitramfs(page);
        return ref >= 0 ? ref : NONE;
    }

    /**
     * Source: for page {@code idx} (bytes {@code page}), which {@link #find} found no reference for, the reference to
     * the kernel Image's page it was loaded from, if the destination holds that file and the page differs from it in
     * 1 to {@link PageDelta#MAX_DIFFERING_BYTES} bytes (the boot patched it: the checkpoint's SOURCE_DELTA, found the
     * same way, {@link PageSources#kernelBase}); the file's page is copied into {@code fileOut}. Else {@link #NONE}.
     * One thread at a time, as {@link #find}.
     */
    public long findKernelDelta(int idx, byte[] page, byte[] fileOut) throws IOException {
        if (sources == null || !bootFiles.contains(PageOrigin.KERNEL)) return NONE;
        byte[] file = sources.kernelBase(idx, page);
        if (file == null) return NONE;
        System.arraycopy(file, 0, fileOut, 0, fileOut.length);
        return (long) PageOrigin.KERNEL << 40 | sources.kernelSector(idx);
    }

    /**
     * Source, answering a REQUEST: the origin the device or loader recorded for page {@code idx} of {@code fm}, if the
     * destination holds that file, as a reference, or {@link #NONE}. Not confirmed here (that would read a file
     * while the guest waits): the page travels as data with this claim, which the destination checks against its own
     * copy before it believes it. Any thread.
     */
    public long unconfirmedOrigin(FrozenMemory fm, int idx) {
        if (sources == null) return NONE;
        PageOrigin o = fm.completeOrigin(idx);
        return o != null && allowed(o.source()) ? (long) o.source() << 40 | o.firstSector() : NONE;
    }

    /** Destination: fills {@code dst} with the 4096 bytes {@code ref} names; false if this end cannot (not accepted, past the end). */
    public boolean read(long ref, byte[] dst) throws IOException {
        if (sources == null || ref < 0) return false;
        int source = source(ref);
        return allowed(source) && sources.readIfHeld(source, sector(ref), dst);
    }

    public static int source(long ref) {
        return (int) (ref >>> 40);
    }

    public static long sector(long ref) {
        return ref & SECTOR_MASK;
    }

    /** Whether {@code ref} names a boot file or a file of the initramfs (not a disk): for counting. */
    public static boolean isBootFile(long ref) {
        return !PageSources.isDisk(source(ref));
    }
}
