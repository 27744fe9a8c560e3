package org.vmckpt.checkpoint.migration;

import org.vmckpt.checkpoint.MachineDescription;
import org.vmckpt.checkpoint.PageReferences;
import org.vmckpt.checkpoint.StateRecords;
import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.StateFormatException;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The receiving side of a live migration: fills a fresh machine (built from the destination's own options, never
 * run) from one connection. Everything is checked before the guest may run here: the protocol version, the machine
 * configuration, each disk's base image by SHA-256, every frame, and the digest of the whole state (post-copy:
 * of the records and disks; the pages' digest is checked when the last page has arrived). A refusal or failure
 * throws and leaves the machine to be thrown away; the source then resumes.
 */
public final class MigrationDestination {
    /** The result: a machine that may run now, and (post-copy) the pages still arriving; where its switch-over's time went here. */
    public record Incoming(Machine machine, MigrationMode mode, PostCopyPages postCopy, String peer, SwitchTimes times) { }

    /**
     * The switch-over as this end saw it (System.nanoTime stamps): STATE received, its digest checked, the records
     * loaded (and post-copy's lazy source set), READY sent, GO received, and the machine ready to run (epochs
     * started). {@link #goNanos} is the reference for the guest's first instruction here. Post-copy: the set-up step
     * includes taking the {@code pagesBeforeGo} pages that followed STATE (protocol 11).
     */
    public record SwitchTimes(long stateNanos, long checkedNanos, long recordsNanos, long loadedNanos, long readyNanos, long goNanos,
                              long runnableNanos, int pagesBeforeGo, long allocatedBytes, long collections) {
        /** One line for the log: each step's milliseconds. */
        public String describe() {
            return String.format(java.util.Locale.ROOT, "digest check %.1f ms, records %.1f ms, post-copy set-up %.1f ms, READY sent %.1f ms, "
                            + "GO after %.1f ms, ready to run %.1f ms; %d pages taken after STATE; %d bytes allocated, %d collections",
                    (checkedNanos - stateNanos) / 1e6, (recordsNanos - checkedNanos) / 1e6, (loadedNanos - recordsNanos) / 1e6,
                    (readyNanos - loadedNanos) / 1e6, (goNanos - readyNanos) / 1e6, (runnableNanos - goNanos) / 1e6, pagesBeforeGo,
                    allocatedBytes, collections);
        }
    }

    /** How long a refusing destination reads on so that the source can still read why (see closeAfterError). */
    static final int ERROR_DRAIN_MILLIS = 3_000;

    private final Machine machine;
    private final YoungGeneration youngGeneration;
    private final List<CompletableFuture<String>> diskHashes;
    /** This end's boot files, read while it waits: pages the source sends as references are rebuilt from them. */
    private final CompletableFuture<PageReferences> references;

    /**
     * Prepares to receive into {@code machine} (fresh, not booted, not running) and starts hashing its disks' base
     * images in full on side threads, so that the check costs the migration nothing when it arrives; also reads its
     * boot files (kernel, initrd, firmware) to rebuild pages sent as references to them.
     */
    public MigrationDestination(Machine machine) {
        this.machine = machine;
        this.youngGeneration = new YoungGeneration();
        this.references = CompletableFuture.supplyAsync(() -> PageReferences.forDestination(machine));
        this.diskHashes = new ArrayList<>();
        for (VirtioBlk d : machine.virtio().disks()) {
            diskHashes.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return MachineDescription.diskSha256(d); // remembered by the file's identity, as on restore
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }));
        }
    }

    public Machine machine() {
        return machine;
    }

    /** Arrays allocated before listening, which received pages are copied into (null: new arrays). */
    private PageArrayPool pagePool;

    /**
     * Received pages go into arrays of {@code pool} while it has any ({@link PageArrayPool}); once the migration is in
     * (pre-copy: when this returns it; post-copy: at END) the pool is emptied.
     */
    public void usePagePool(PageArrayPool pool) {
        this.pagePool = pool;
    }

    /**
     * Post-copy: the receiver gets its work once the guest's clock runs here ({@link Machine#whenStarted}) rather
     * than at GO, for a caller that runs the machine right after {@link #receive} returns: waking it before the
     * guest's first instruction cost the guest up to 4 ms of its pause at load 10-12 (run 11). Pages the guest asks for
     * before then are answered all the same, once the receiver runs. Pre-copy: the connection is closed and the
     * completion reported then too (DONE is sent at once).
     */
    public void startReceiverWithGuest() {
        receiverWithGuest = true;
    }

    private boolean receiverWithGuest;

    /** Post-copy's receiver, started when a post-copy migration begins so that GO only hands it its work. */
    private StandbyThread postCopyReceiver;
    /** Post-copy's slots for arriving pages, made when a post-copy migration begins. */
    private java.util.concurrent.atomic.AtomicReferenceArray<byte[]> postCopyArrived;
    /** Post-copy's stale copies of the pages still to come, per page (made when a post-copy migration begins). */
    private byte[][] postCopyBases;
    /** Whether any page arrived before STATE (rounds ran): only then can a page still to come have a stale copy here. */
    private boolean pagesBeforeState;

    /** Receives one migration on {@code conn}. On failure the peer is told why (if it still listens). */
    public Incoming receive(MigrationConnection conn, MigrationSource.Listener listener) throws MigrationException {
        MigrationSource.Listener events = listener == null ? s -> { } : listener;
        boolean arrived = false;
        try {
            Incoming in = receiveChecked(conn, events);
            arrived = true;
            if (in.postCopy() == null && pagePool != null) pagePool.clear(); // every page is here (post-copy's: at END)
            return in;
        } catch (MigrationException e) {
            conn.sendErrorQuietly(e.getMessage());
            conn.closeAfterError(ERROR_DRAIN_MILLIS);
            throw e;
        } catch (IOException e) {
            conn.close();
            throw new MigrationException("the migration connection from " + conn.peer() + " broke: " + e.getMessage(), e);
        } finally {
            if (!arrived && postCopyReceiver != null) postCopyReceiver.release();
        }
    }

    private Incoming receiveChecked(MigrationConnection conn, MigrationSource.Listener events) throws MigrationException, IOException {
        int version = conn.receiveOpening();
        if (version != MigrationWire.VERSION) {
            throw new MigrationException("refused a migration stream of protocol version " + version + " from " + conn.peer()
                    + ": this vmckpt speaks version " + MigrationWire.VERSION + " (run the same vmckpt version on both ends)");
        }
        MigrationWire.Frame f = conn.receive();
        if (f.type() != MigrationWire.HELLO) throw new MigrationException("the migration stream began with " + MigrationWire.name(f.type()) + " instead of HELLO");
        MigrationWire.Payload hello = f.read();
        int modeNumber = hello.u8();
        if (modeNumber >= MigrationMode.values().length) throw hello.malformed("unknown mode " + modeNumber);
        MigrationMode mode = MigrationMode.values()[modeNumber];
        int pageCount = hello.i32();
        int entries = hello.count(4096, "description entries");
        Map<String, String> description = new HashMap<>();
        for (int i = 0; i < entries; i++) description.put(hello.string("key"), hello.string("value"));
        hello.end();
        checkMachine(description, pageCount);
        if (mode == MigrationMode.POSTCOPY) {
            postCopyReceiver = new StandbyThread("vmckpt-postcopy", Thread.MAX_PRIORITY); // the guest waits for what it brings
            // Its page slots too (a reference per guest page: 1-2 MiB per GiB), now rather than in the guest's pause,
            // where an allocation that size can be the one that starts a collection.
            postCopyArrived = new java.util.concurrent.atomic.AtomicReferenceArray<>(pageCount);
            // And the slots for the stale copies kept aside at the switch, which the deltas after GO apply to.
            postCopyBases = new byte[pageCount][];
        }
        // The boot files held here with the source's hashes: the source may send their pages as references.
        PageReferences refs = references.join();
        List<Integer> boot = refs.acceptedBootFiles(description);
        events.status(MigrationStatus.ACTIVE);
        MigrationWire.PayloadWriter accept = new MigrationWire.PayloadWriter().i32(boot.size());
        for (int b : boot) accept.i32(b);
        conn.send(MigrationWire.ACCEPT, accept.toByteArray());

        GuestMemory memory = machine.memory();
        List<VirtioBlk> disks = machine.virtio().disks();
        long[] blockCounts = new long[disks.size()];
        for (int i = 0; i < blockCounts.length; i++) blockCounts[i] = disks.get(i).overlay().blockCount();
        StateDigest digest = new StateDigest(memory.pageCount());
        PageFrames frames = new PageFrames();
        frames.usePool(pagePool);
        while (true) {
            f = conn.receiveReusing(); // a PAGES frame is decoded below before the next one is read
            switch (f.type()) {
                case MigrationWire.PAGES -> {
                    pagesBeforeState = true;
                    // In place: the machine does not run and nothing else holds its pages' arrays before GO.
                    frames.decodePages(f.read(), memory.pageCount(), refs, memory::peekPage, true, (idx, data, origin) -> {
                    memory.installPage(idx, data);
                    // Rebuilt from (or checked equal to) this end's own file: the page keeps that origin, as a restored
                    // page does, so this VM's checkpoints refer to it instead of storing it.
                    if (origin >= 0) memory.recordOrigin(idx, PageReferences.source(origin), PageReferences.sector(origin));
                    digest.page(idx, StateDigest.crc(data));
                    });
                }
                case MigrationWire.DISK -> {
                    List<Long> blocks = new ArrayList<>();
                    List<byte[]> contents = new ArrayList<>();
                    int disk = frames.decodeBlocks(f.read(), blockCounts, (b, data) -> { blocks.add(b); contents.add(data); });
                    for (int k = 0; k < blocks.size(); k++) {
                        disks.get(disk).restoreOverlayBlock(blocks.get(k), contents.get(k));
                        digest.block(MigrationSource.diskKey(disk, blocks.get(k)), contents.get(k));
                    }
                }
                case MigrationWire.SYNC -> {
                    // Everything before it has been applied: tell the source (it paces its rounds by this).
                    MigrationWire.Payload p = f.read();
                    long n = p.i64();
                    p.end();
                    // Before confirming: a collection of the pages that arrived, now rather than after GO (YoungGeneration).
                    youngGeneration.collectIfWorthIt();
                    conn.send(MigrationWire.SYNCED, new MigrationWire.PayloadWriter().i64(n).toByteArray());
                    digest.refresh(); // as the source does after each round: the final check is then small
                }
                case MigrationWire.STATE -> {
                    stateAllocated = SwitchAllocation.allocatedByThisThread();
                    stateCollections = SwitchAllocation.collections();
                    return switchOver(conn, f.read(), mode, digest, frames, events, System.nanoTime());
                }
                case MigrationWire.ERROR -> throw new MigrationException("the source gave up: " + f.read().string("message"));
                default -> throw new MigrationException("unexpected " + MigrationWire.name(f.type()) + " message before the state records");
            }
        }
    }

    /** Checks the source's machine against this one: configuration, memory size, disks by content. */
    private void checkMachine(Map<String, String> source, int pageCount) throws MigrationException {
        List<String> diffs = MachineDescription.differences(source, machine.config().identity());
        if (!diffs.isEmpty()) {
            throw new MigrationException("the source's machine differs from this one (" + String.join("; ", diffs)
                    + "); start the destination with the same machine options as the source");
        }
        if (pageCount != machine.memory().pageCount()) {
            throw new MigrationException("the source has " + pageCount + " pages of memory, this machine " + machine.memory().pageCount());
        }
        List<VirtioBlk> disks = machine.virtio().disks();
        for (int i = 0; i < disks.size(); i++) {
            String want = source.get("disk." + i + ".sha256");
            String have;
            try {
                have = diskHashes.get(i).join();
            } catch (CompletionException e) {
                Throwable c = e.getCause() instanceof java.io.UncheckedIOException u ? u.getCause() : e.getCause();
                throw new MigrationException("cannot read disk " + i + " (" + disks.get(i).baseImagePath() + "): " + c.getMessage(), c);
            }
            if (!have.equals(want)) {
                throw new MigrationException("disk " + i + " (" + disks.get(i).baseImagePath() + ") is not the source's base image "
                        + "(" + source.get("disk." + i + ".path") + "): its SHA-256 is " + have + ", the source's is " + want
                        + "; both ends must use the same image file");
            }
            if (Boolean.parseBoolean(source.get("disk." + i + ".rw")) || disks.get(i).isWriteThrough()) {
                throw new MigrationException("disk " + i + " is attached read-write (,rw) on one end; only copy-on-write disks migrate");
            }
        }
    }

    private Incoming switchOver(MigrationConnection conn, MigrationWire.Payload p, MigrationMode mode, StateDigest digest,
                                PageFrames frames, MigrationSource.Listener events, long stateAt) throws MigrationException, IOException {
        // Packed since protocol 12: unpacked here, at most a frame's largest payload (what an unpacked STATE could be).
        byte[] body = frames.unpackBody(p, MigrationWire.MAX_PAYLOAD);
        p.end();
        p = new MigrationWire.Payload("STATE", body);
        int n = p.count(1024, "record count");
        List<StateRecord> records = new ArrayList<>();
        for (int i = 0; i < n; i++) records.add(new StateRecord(p.string("record name"), p.i32(), p.bytes(MigrationWire.MAX_PAYLOAD, "record length")));
        int words = p.count((machine.memory().pageCount() + 63) / 64, "pending pages bitmap");
        long[] bits = new long[words];
        for (int i = 0; i < words; i++) bits[i] = p.i64();
        int before = p.count(machine.memory().pageCount(), "pages following the state");
        byte[] sourceDigest = p.bytes(64, "digest");
        p.end();
        if (mode == MigrationMode.PRECOPY && words != 0) throw new MigrationException("a pre-copy STATE names pages still to come");
        if (before > 0 && (mode == MigrationMode.PRECOPY || before > BitSet.valueOf(bits).cardinality())) {
            throw new MigrationException("malformed STATE: " + before + " pages are to follow it, more than it names");
        }
        byte[] mine = digest.digest(records, mode == MigrationMode.PRECOPY);
        if (!MessageDigest.isEqual(mine, sourceDigest)) {
            throw new MigrationException("the migrated state does not match the source's digest (a page or record was lost or damaged "
                    + "on the way); the guest was not started here");
        }
        long checkedAt = System.nanoTime();
        loadRecords(records);
        long recordsAt = System.nanoTime();
        events.status(MigrationStatus.DEVICE);
        BitSet pending = BitSet.valueOf(bits);
        PostCopyPages postCopy = null;
        if (mode == MigrationMode.POSTCOPY) {
            // The rounds sent every page once; those named pending changed since and come again (their stale
            // copies here are dropped). Each is checked against END's digest when it has arrived.
            // The rounds' frame buffers go on to post-copy's receiver: no half a MiB allocated in the guest's pause
            // (on a loaded host, an allocation there can be the one that starts a young collection).
            // The stale copies are kept aside (not in guest memory: the guest must not see them): the source sends
            // the pages it knows this end holds as deltas against them, first thing after GO.
            if (pagesBeforeState) {
                for (int i = pending.nextSetBit(0); i >= 0; i = pending.nextSetBit(i + 1)) postCopyBases[i] = machine.memory().peekPage(i);
            }
            postCopy = new PostCopyPages(conn, machine, pending, digest, records, events, references.join(), frames, postCopyArrived,
                    postCopyBases);
            machine.memory().setLazySourceKeepingOthers(postCopy, pending);
        }
        // Post-copy (protocol 11): the guest's working set follows STATE, sent while this end checked it; its pages go
        // into guest memory now, so the guest does not ask for them once it runs. Taken before READY: a frame refused
        // here leaves the source free to resume its guest.
        while (postCopy != null && postCopy.pushedBeforeGo() < before) {
            MigrationWire.Frame f = conn.receiveReusing();
            if (f.type() == MigrationWire.ERROR) throw new MigrationException("the source gave up at switch-over: " + f.read().string("message"));
            if (f.type() != MigrationWire.PAGES) throw new MigrationException("the source sent " + MigrationWire.name(f.type()) + " where STATE announced pages");
            postCopy.acceptBeforeGo(f.read());
            if (postCopy.pushedBeforeGo() > before) throw new MigrationException("the source sent more pages after STATE than it announced (" + before + ")");
        }
        long loadedAt = System.nanoTime();
        conn.send(MigrationWire.READY, new byte[0]);
        long readyAt = System.nanoTime();
        MigrationWire.Frame go = conn.receive();
        long goAt = System.nanoTime();
        if (go.type() == MigrationWire.ERROR) throw new MigrationException("the source gave up at switch-over: " + go.read().string("message"));
        if (go.type() != MigrationWire.GO) throw new MigrationException("the source sent " + MigrationWire.name(go.type()) + " instead of GO");
        MigrationWire.Payload gp = go.read();
        long pausedFor = gp.i64();
        gp.end();
        if (pausedFor < -1 || pausedFor > MAX_SWITCH_PAUSE_NANOS) throw new MigrationException("malformed GO: the guest paused for " + pausedFor + " ns");
        // The guest's clock counts the switch-over's pause, the source's part and this end's until it runs (not the
        // one-way trip of GO): real time passed for the guest meanwhile (MachineClock.leapOnResume).
        if (pausedFor >= 0) machine.clock().leapOnResume(goAt - pausedFor);
        // As after a restore: the dirty log and overlay epochs start here.
        machine.memory().startNewEpoch();
        for (VirtioBlk d : machine.virtio().disks()) if (!d.isWriteThrough()) d.freezeOverlay().release();
        long allocated = SwitchAllocation.allocatedByThisThread();
        SwitchTimes times = new SwitchTimes(stateAt, checkedAt, recordsAt, loadedAt, readyAt, goAt, System.nanoTime(),
                postCopy == null ? 0 : postCopy.pushedBeforeGo(), allocated < 0 || stateAllocated < 0 ? -1 : allocated - stateAllocated,
                SwitchAllocation.collections() - stateCollections);
        if (postCopy != null) {
            events.status(MigrationStatus.POSTCOPY_ACTIVE);
            postCopy.start(postCopyReceiver, receiverWithGuest);
        } else {
            conn.send(MigrationWire.DONE, new byte[0]);
            // Closing (TLS's close_notify) and reporting (the log, cold) need not come before the guest's first
            // instruction: 14 ms at load 11 (run 11). One call site whatever the caller, so that the migration
            // warm-up's pre-copies link the lambda.
            Runnable finish = () -> {
                conn.close();
                events.status(MigrationStatus.COMPLETED);
            };
            if (receiverWithGuest) machine.whenStarted(finish);
            else finish.run();
        }
        return new Incoming(machine, mode, postCopy, conn.peer(), times);
    }

    /** The receiving thread's allocation and this JVM's collections when STATE arrived (SwitchTimes' counts). */
    private long stateAllocated = -1;
    private long stateCollections;

    /** The longest switch-over pause a GO may report (longer is a malformed frame). */
    static final long MAX_SWITCH_PAUSE_NANOS = 3_600_000_000_000L;

    private void loadRecords(List<StateRecord> records) throws MigrationException {
        String mismatch = StateRecords.mismatch(machine.stateParts(), records);
        if (mismatch != null) throw new MigrationException("the source sent " + mismatch);
        try {
            StateRecords.load(machine.stateParts(), records);
        } catch (StateFormatException e) {
            throw new MigrationException("the source's state cannot be loaded: " + e.getMessage(), e);
        }
    }
}
