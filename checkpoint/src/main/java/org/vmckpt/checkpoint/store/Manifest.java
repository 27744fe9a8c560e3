package org.vmckpt.checkpoint.store;

import java.util.List;
import java.util.Map;

/**
 * Everything one manifest file says about a checkpoint, decoded: the description, the machine configuration,
 * the state records, the packs it uses and its complete page and disk tables.
 *
 * @param info    id, label, parent, time, kind, mode, page count, stats
 * @param config  machine configuration, sorted by key
 * @param records state records by name, in the order they were put
 * @param packs   packs referenced by DATA entries; a table value's pack index points into this list
 * @param pages   page table covering {@code 0..pageCount-1}; kinds ZERO, FREE, DISK_BLOCK, DATA
 * @param disk    disk overlay table; kinds ZERO, DATA, and ABSENT for blocks not in the overlay
 * @param firstTouches the working set and write order ({@link #workingSet}, {@link #writeOrder}); a manifest read from
 *                   a file decodes them when first asked for ({@link FirstTouches})
 * @param deltas  the boot-file deltas (manifest version 6): for a DATA page whose unit holds its XOR with 4096 bytes
 *                of a boot file, that reference as a SOURCE value; ABSENT for every other page (and beyond the table)
 */
record Manifest(CheckpointInfo info, Map<String, String> config, Map<String, StateRecord> records,
                List<PackRef> packs, RunTable pages, RunTable disk, FirstTouches firstTouches, RunTable deltas) {

    /** A manifest whose working set and write order are decoded already. */
    Manifest(CheckpointInfo info, Map<String, String> config, Map<String, StateRecord> records,
             List<PackRef> packs, RunTable pages, RunTable disk, java.util.BitSet workingSet, int[] writeOrder, RunTable deltas) {
        this(info, config, records, packs, pages, disk, FirstTouches.decoded(workingSet, writeOrder), deltas);
    }

    /**
     * The pages the guest wrote in the epoch that ended at this checkpoint (manifest version 4; empty for older
     * manifests): what a lazy restore fetches first. Decoded (and checked) on the first call of this or {@link
     * #writeOrder} if read from a file ({@link FirstTouches}). Never change it.
     */
    java.util.BitSet workingSet() throws CheckpointFormatException {
        return firstTouches.workingSet();
    }

    /**
     * The pages the guest wrote first after this checkpoint's freeze, in that order, each once (manifest version 5;
     * empty for older manifests and for a guest that did not run during the save): what a lazy restore fetches before
     * the working set. Decoded as {@link #workingSet}. Never change it.
     */
    int[] writeOrder() throws CheckpointFormatException {
        return firstTouches.writeOrder();
    }

    /**
     * Decodes and checks the working set and write order now (opening a manifest leaves them undecoded, {@link
     * FirstTouches}), so that the whole manifest has been read: a damaged section throws here.
     */
    void decodeFirstTouches() throws CheckpointFormatException {
        firstTouches.decodeNow();
    }

    /** A manifest without boot-file deltas. */
    Manifest(CheckpointInfo info, Map<String, String> config, Map<String, StateRecord> records,
             List<PackRef> packs, RunTable pages, RunTable disk, java.util.BitSet workingSet, int[] writeOrder) {
        this(info, config, records, packs, pages, disk, workingSet, writeOrder, RunTable.EMPTY);
    }

    /** Whether any page is stored as a boot-file delta. */
    boolean hasDeltas() {
        for (int r = 0; r < deltas.runCount(); r++) if (TableEntry.kind(deltas.value(r)) != TableEntry.KIND_ABSENT) return true;
        return false;
    }

    /** A manifest without a recorded working set or write order. */
    Manifest(CheckpointInfo info, Map<String, String> config, Map<String, StateRecord> records,
             List<PackRef> packs, RunTable pages, RunTable disk) {
        this(info, config, records, packs, pages, disk, new java.util.BitSet(), new int[0], RunTable.EMPTY);
    }

    /** A manifest with a working set and no write order (version 4). */
    Manifest(CheckpointInfo info, Map<String, String> config, Map<String, StateRecord> records,
             List<PackRef> packs, RunTable pages, RunTable disk, java.util.BitSet workingSet) {
        this(info, config, records, packs, pages, disk, workingSet, new int[0], RunTable.EMPTY);
    }

    /** A pack this checkpoint reads from, with the unit count it must have. */
    record PackRef(String id, long unitCount) {
    }
}
