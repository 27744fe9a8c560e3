package org.vmckpt.machine.device.virtio;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.vmckpt.machine.memory.PageOrigin;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * virtio block device (device ID 2, virtio 1.2 section 5.2) over a raw image file.
 *
 * <p>By default the image is a read-only base and the guest's writes go to a copy-on-write
 * {@link DiskOverlay} in memory, so the image file never changes; the overlay is frozen and saved with a
 * checkpoint like memory. With {@code writeThrough} the guest writes the file itself (no overlay; a
 * checkpoint then does not capture the disk). With {@code readOnly} the device offers VIRTIO_BLK_F_RO and
 * fails every write.
 *
 * <p>Requests (IN, OUT, FLUSH, GET_ID) are served synchronously when the driver notifies the queue.
 */
public final class VirtioBlk implements VirtioDevice, Closeable {
    public static final int DEVICE_ID = 2;
    public static final int QUEUE_SIZE = 256;
    public static final int SECTOR_SIZE = 512;
    /** Segments per request we advertise (SEG_MAX): the queue size minus header and status, as QEMU does. */
    public static final int SEG_MAX = QUEUE_SIZE - 2;
    public static final int ID_BYTES = 20;

    public static final int F_SEG_MAX = 2;
    public static final int F_RO = 5;
    public static final int F_FLUSH = 9;

    public static final int T_IN = 0;
    public static final int T_OUT = 1;
    public static final int T_FLUSH = 4;
    public static final int T_GET_ID = 8;

    public static final int S_OK = 0;
    public static final int S_IOERR = 1;
    public static final int S_UNSUPP = 2;

    private static final int HEADER_SIZE = 16;
    private static final int CONFIG_SIZE = 24; // capacity, size_max, seg_max, geometry, blk_size
    private static final int STATE_VERSION = 1;
    private static final int BLOCK = DiskOverlay.BLOCK_SIZE;

    private final Path image;
    private final FileChannel file;
    private final long fileSize;
    private final long capacitySectors;
    private final boolean readOnly;
    private final boolean writeThrough;
    private final DiskOverlay overlay;
    private final byte[] id;
    private final byte[] scratch = new byte[BLOCK];
    private final byte[] baseBlock = new byte[BLOCK];
    private final byte[] header = new byte[HEADER_SIZE];
    private final byte[] statusByte = new byte[1];
    private VirtioTransport transport;
    private DescriptorChain chain;
    private volatile String sha256;
    /** Page-origin source number of this disk's base image ({@link PageOrigin#diskSource}), or -1: not recorded. */
    private int originSource = -1;

    private long readRequests;
    private long writeRequests;
    private long flushRequests;
    private long failedRequests;

    /**
     * @param image raw disk image
     * @param readOnly the guest sees a read-only disk (VIRTIO_BLK_F_RO)
     * @param writeThrough the guest's writes change the image file (otherwise they stay in the overlay)
     */
    public VirtioBlk(Path image, boolean readOnly, boolean writeThrough) throws IOException {
        this(image, readOnly, writeThrough, DiskOverlay.DEFAULT_MEMORY_BYTES, null);
    }

    /**
     * @param overlayMemoryBytes heap the overlay keeps blocks in; beyond it they go to a spill file
     * @param spillDir           directory for the overlay's spill file (null: the JVM's temporary directory)
     */
    public VirtioBlk(Path image, boolean readOnly, boolean writeThrough, long overlayMemoryBytes, Path spillDir) throws IOException {
        if (readOnly && writeThrough) throw new IllegalArgumentException("a read-only disk cannot be write-through");
        if (!java.nio.file.Files.isRegularFile(image)) {
            // A FIFO would block the open forever; a directory or device is not a disk image we can serve.
            throw new IOException("disk image " + image + " is not a regular file" + (java.nio.file.Files.exists(image) ? "" : " (it does not exist)"));
        }
        this.image = image.toAbsolutePath();
        this.readOnly = readOnly;
        this.writeThrough = writeThrough;
        this.file = writeThrough
                ? FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)
                : FileChannel.open(image, StandardOpenOption.READ);
        this.fileSize = file.size();
        this.capacitySectors = fileSize / SECTOR_SIZE;
        this.overlay = new DiskOverlay((fileSize + BLOCK - 1) / BLOCK, overlayMemoryBytes, spillDir);
        String name = image.getFileName() == null ? "disk" : image.getFileName().toString();
        this.id = name.getBytes(StandardCharsets.UTF_8);
    }

    /** Copy-on-write disk over {@code image}: the file is never written. */
    public VirtioBlk(Path image) throws IOException {
        this(image, false, false);
    }

    @Override
    public void close() throws IOException {
        overlay.close();
        file.close();
    }

    public Path baseImagePath() { return image; }
    public long capacitySectors() { return capacitySectors; }
    public boolean isReadOnly() { return readOnly; }
    public boolean isWriteThrough() { return writeThrough; }
    public long readRequests() { return readRequests; }
    public long writeRequests() { return writeRequests; }
    public long flushRequests() { return flushRequests; }
    public long failedRequests() { return failedRequests; }

    /**
     * SHA-256 of the base image file, hex; computed on first call by streaming the file, then remembered
     * (a write-through disk forgets it on every write).
     */
    public String baseImageSha256() throws IOException {
        if (sha256 == null) {
            MessageDigest md;
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-256", e);
            }
            ByteBuffer buf = ByteBuffer.allocate(1 << 20);
            long pos = 0;
            while (true) {
                buf.clear();
                int n = file.read(buf, pos);
                if (n < 0) break;
                md.update(buf.array(), 0, n);
                pos += n;
            }
            sha256 = HexFormat.of().formatHex(md.digest());
        }
        return sha256;
    }

    // ---------------------------------------------------------------- overlay, for checkpoints

    /** The live overlay (read it through {@link #freezeOverlay()} while the guest runs). */
    public DiskOverlay overlay() { return overlay; }

    /** Freezes the overlay for a checkpoint; see {@link DiskOverlay#freeze()}. */
    public FrozenOverlay freezeOverlay() { return overlay.freeze(); }

    /** Restores one overlay block (null: the base image's block shows through again). */
    public void restoreOverlayBlock(long block, byte[] data) {
        if (writeThrough) throw new IllegalStateException("a write-through disk has no overlay");
        overlay.restoreBlock(block, data);
    }

    /** Restores {@code count} overlay blocks from {@code block} on as zeros (a checkpoint's ZERO blocks). */
    public void restoreOverlayZeroBlocks(long block, long count) {
        if (writeThrough) throw new IllegalStateException("a write-through disk has no overlay");
        overlay.restoreZeroBlocks(block, count);
    }

    /**
     * Reads base image block {@code block} (4 KiB; bytes past the end of the file read as zeros) into
     * {@code dst}, ignoring the overlay: for matching guest pages against disk blocks. Safe from any thread.
     */
    public void readBaseBlock(long block, byte[] dst) throws IOException {
        if (block < 0 || block >= overlay.blockCount()) throw new IllegalArgumentException("block " + block + " outside the disk");
        readFile(block << DiskOverlay.BLOCK_SHIFT, dst, BLOCK);
    }

    /**
     * Reads {@code dst.length} bytes of the base image at byte {@code pos} (past the end: zeros), ignoring the
     * overlay. Safe from any thread.
     */
    public void readBase(long pos, byte[] dst) throws IOException {
        if (pos < 0 || pos > fileSize) throw new IllegalArgumentException("byte " + pos + " outside the disk");
        readFile(pos, dst, dst.length);
    }

    /** Size of the base image file in bytes. */
    public long baseImageBytes() { return fileSize; }

    /**
     * Makes guest memory remember which pages this disk's base image filled (page-cache eviction): as disk
     * number {@code disk}. A write-through disk is never a source (its file changes).
     */
    public void recordPageOrigins(int disk) {
        if (!writeThrough) originSource = PageOrigin.diskSource(disk);
    }

    /** Drops every overlay block: the disk reads as the base image. */
    public void clearOverlay() { overlay.clear(); }

    // ---------------------------------------------------------------- VirtioDevice

    @Override public int deviceId() { return DEVICE_ID; }

    @Override
    public long deviceFeatures() {
        long f = 1L << F_SEG_MAX | 1L << F_FLUSH;
        if (readOnly) f |= 1L << F_RO;
        return f;
    }

    @Override public int queueCount() { return 1; }
    @Override public int queueMaxSize(int queue) { return QUEUE_SIZE; }
    @Override public int configSize() { return CONFIG_SIZE; }

    @Override
    public long readConfig(int offset, int size) {
        byte[] cfg = new byte[CONFIG_SIZE];
        ConfigBytes.write(cfg, 0, 8, capacitySectors);
        ConfigBytes.write(cfg, 12, 4, SEG_MAX);
        return ConfigBytes.read(cfg, offset, size);
    }

    @Override
    public void writeConfig(int offset, int size, long value) { } // nothing writable without CONFIG_WCE

    @Override
    public void attach(VirtioTransport transport) {
        this.transport = transport;
        this.chain = new DescriptorChain(transport.memory());
    }

    @Override
    public void reset() { }

    @Override
    public void queueNotify(int queue) {
        if (queue != 0) return;
        Virtqueue vq = transport.queue(0);
        boolean used = false;
        while (vq.pop(chain)) {
            long written = handle();
            if (written < 0) break; // malformed: the device is marked broken
            vq.pushUsed(chain.head(), (int) written);
            used = true;
        }
        if (used) transport.signalUsed(0);
    }

    /** Serves the request in {@link #chain}; returns the bytes written into it, or -1 if it was malformed. */
    private long handle() {
        long writable = chain.writableLength();
        if (writable < 1) {
            transport.deviceError("block request without a status byte");
            return -1;
        }
        long statusOffset = writable - 1;
        int status;
        long dataWritten = 0;
        if (chain.read(0, header, 0, HEADER_SIZE) < HEADER_SIZE) {
            status = S_IOERR;
        } else {
            int type = (int) ConfigBytes.read(header, 0, 4);
            long sector = ConfigBytes.read(header, 8, 8);
            switch (type) {
                case T_IN -> {
                    readRequests++;
                    status = readSectors(sector, statusOffset);
                    if (status == S_OK) dataWritten = statusOffset;
                }
                case T_OUT -> {
                    writeRequests++;
                    status = readOnly ? S_IOERR : writeSectors(sector, chain.readableLength() - HEADER_SIZE);
                }
                case T_FLUSH -> {
                    flushRequests++;
                    status = flush();
                }
                case T_GET_ID -> {
                    byte[] padded = new byte[ID_BYTES];
                    System.arraycopy(id, 0, padded, 0, Math.min(id.length, ID_BYTES));
                    dataWritten = chain.write(0, padded, 0, (int) Math.min(ID_BYTES, statusOffset));
                    status = S_OK;
                }
                default -> status = S_UNSUPP;
            }
        }
        if (status != S_OK) failedRequests++;
        statusByte[0] = (byte) status;
        chain.write(statusOffset, statusByte, 0, 1);
        return dataWritten + 1;
    }

    /** Whether {@code length} bytes at {@code sector} are whole sectors inside the disk. */
    private boolean rangeOk(long sector, long length) {
        if (length < 0 || length % SECTOR_SIZE != 0) return false;
        return sector >= 0 && sector <= capacitySectors && length / SECTOR_SIZE <= capacitySectors - sector;
    }

    /** IN: disk -> the chain's writable bytes [0, length). */
    private int readSectors(long sector, long length) {
        if (!rangeOk(sector, length)) return S_IOERR;
        long pos = sector * SECTOR_SIZE;
        long done = 0;
        try {
            while (done < length) {
                long b = pos >>> DiskOverlay.BLOCK_SHIFT;
                int off = (int) (pos & (BLOCK - 1));
                int n = (int) Math.min(BLOCK - off, length - done);
                if (!writeThrough && overlay.read(b, scratch)) {
                    chain.write(done, scratch, off, n);
                } else {
                    readFile(pos, scratch, n);
                    // Bytes straight from the base image: the pages they fill may be stored as references to it.
                    if (originSource >= 0) chain.writeFromSource(done, scratch, 0, n, originSource, pos / SECTOR_SIZE);
                    else chain.write(done, scratch, 0, n);
                }
                pos += n;
                done += n;
            }
        } catch (IOException e) {
            return S_IOERR;
        }
        return S_OK;
    }

    /** OUT: the chain's readable bytes [16, 16+length) -> disk. */
    private int writeSectors(long sector, long length) {
        if (!rangeOk(sector, length)) return S_IOERR;
        long pos = sector * SECTOR_SIZE;
        long done = 0;
        try {
            while (done < length) {
                long b = pos >>> DiskOverlay.BLOCK_SHIFT;
                int off = (int) (pos & (BLOCK - 1));
                int n = (int) Math.min(BLOCK - off, length - done);
                chain.read(HEADER_SIZE + done, scratch, 0, n);
                if (writeThrough) {
                    writeFile(pos, scratch, n);
                    sha256 = null;
                } else {
                    byte[] initial = null; // a whole-block write, or a block the overlay holds, needs no base contents
                    if (n != BLOCK && !overlay.contains(b)) {
                        readFile(b << DiskOverlay.BLOCK_SHIFT, baseBlock, BLOCK);
                        initial = baseBlock;
                    }
                    overlay.write(b, off, scratch, 0, n, initial);
                }
                pos += n;
                done += n;
            }
        } catch (IOException e) {
            return S_IOERR;
        }
        return S_OK;
    }

    private int flush() {
        if (!writeThrough) return S_OK; // the overlay lives in memory: nothing to make durable
        try {
            file.force(false);
            return S_OK;
        } catch (IOException e) {
            return S_IOERR;
        }
    }

    /** Reads {@code n} bytes of the file at {@code pos}; bytes past its end read as zeros. */
    private void readFile(long pos, byte[] dst, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(dst, 0, n);
        while (buf.hasRemaining()) {
            int r = file.read(buf, pos + buf.position());
            if (r < 0) break;
        }
        java.util.Arrays.fill(dst, buf.position(), n, (byte) 0);
    }

    private void writeFile(long pos, byte[] src, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(src, 0, n);
        while (buf.hasRemaining()) file.write(buf, pos + buf.position());
    }

    // ---------------------------------------------------------------- state

    @Override public String stateName() { return "virtio-blk"; }
    @Override public int stateVersion() { return STATE_VERSION; }

    /**
     * The device holds no request between notifications, so its record only identifies the disk it was
     * saved with; the overlay blocks are saved separately through {@link #freezeOverlay()}.
     */
    @Override
    public void saveState(StateWriter out) {
        out.writeLong(capacitySectors);
        out.writeBoolean(readOnly);
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        long capacity = in.readLong();
        boolean ro = in.readBoolean();
        in.expectEnd();
        if (capacity != capacitySectors) {
            throw in.error("the disk had " + capacity + " sectors when saved, but " + image + " has " + capacitySectors);
        }
        if (ro != readOnly) {
            throw in.error("the disk was " + (ro ? "read-only" : "writable") + " when saved, but is now " + (readOnly ? "read-only" : "writable"));
        }
    }
}
