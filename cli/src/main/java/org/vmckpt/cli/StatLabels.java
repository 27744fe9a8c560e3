package org.vmckpt.cli;

import org.vmckpt.checkpoint.store.Stats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Friendly names for the statistics a checkpoint stores, grouped into the sections {@code vmckpt inspect}
 * prints. The store computes the {@link Stats} keys; the checkpoint engine adds the eviction counts and
 * timings. A key not listed here is still shown, under "other", with its unit guessed from its name.
 */
final class StatLabels {
    enum Unit { COUNT, BYTES, NANOS }

    /** One known statistic. {@code ofPages}: show it as a share of the guest's pages too. */
    record Label(String key, String name, Unit unit, boolean ofPages) {
    }

    static final String OTHER = "other";
    /** Shown only when the checkpoint has a disk overlay (most guests' disks are unchanged). */
    static final String DISK_SECTION = "disk overlay";

    /** Section title to its statistics, in print order. */
    static final Map<String, List<Label>> SECTIONS = new LinkedHashMap<>();

    static {
        SECTIONS.put("pages by kind", List.of(
                new Label(Stats.PAGES_ZERO, "zero", Unit.COUNT, true),
                new Label(Stats.PAGES_FREE, "free (balloon)", Unit.COUNT, true),
                new Label(Stats.PAGES_DISK_BLOCK, "disk-block", Unit.COUNT, true),
                new Label(Stats.PAGES_SOURCE, "source (disk, kernel, initrd)", Unit.COUNT, true),
                new Label(Stats.PAGES_DATA, "data", Unit.COUNT, true),
                new Label(Stats.PAGES_SOURCE_DELTA, "  boot-file page + delta", Unit.COUNT, true),
                new Label(Stats.PAGES_DATA_NEW, "  new data (stored here)", Unit.COUNT, true),
                new Label(Stats.PAGES_INHERITED, "inherited from parent", Unit.COUNT, true)));
        SECTIONS.put("pages by eviction policy", List.of(
                new Label(Stats.EVICT_ZERO, "evicted as zero", Unit.COUNT, true),
                new Label(Stats.EVICT_FREE, "evicted as free", Unit.COUNT, true),
                new Label(Stats.EVICT_DISK, "evicted as disk block", Unit.COUNT, true),
                new Label(Stats.EVICT_BOOT, "evicted as kernel/initrd/firmware", Unit.COUNT, true),
                new Label(Stats.PAGES_SAVED, "saved as data", Unit.COUNT, true),
                new Label(Stats.EVICT_BOOT_DELTA, "  as boot-file page + delta", Unit.COUNT, true),
                new Label(Stats.PAGES_UNCHANGED, "unchanged since parent", Unit.COUNT, true),
                new Label(Stats.PAGES_COW, "copied on write", Unit.COUNT, true)));
        SECTIONS.put(DISK_SECTION, List.of(
                new Label(Stats.DISK_BLOCKS, "blocks", Unit.COUNT, false),
                new Label(Stats.DISK_DATA, "data", Unit.COUNT, false),
                new Label(Stats.DISK_ZERO, "zero", Unit.COUNT, false),
                new Label(Stats.DISK_DATA_NEW, "  new data (stored here)", Unit.COUNT, false),
                new Label(Stats.DISK_INHERITED, "inherited from parent", Unit.COUNT, false)));
        SECTIONS.put("sizes", List.of(
                new Label(Stats.BYTES_RAW, "raw data", Unit.BYTES, false),
                new Label(Stats.BYTES_PACK, "pack file", Unit.BYTES, false),
                new Label(Stats.BYTES_RECORDS, "state records", Unit.BYTES, false)));
        SECTIONS.put("timings", List.of(
                new Label(Stats.BOUNDARY_WAIT_NS, "wait for the boundary", Unit.NANOS, false),
                new Label(Stats.PAUSE_NS, "downtime (guest paused)", Unit.NANOS, false),
                new Label(Stats.FREEZE_NS, "freeze (in the pause)", Unit.NANOS, false),
                new Label(Stats.FREEZE_CPU_NS, "  CPU time of the freeze", Unit.NANOS, false),
                new Label(Stats.FREEZE_RECORDS_NS, "  state records", Unit.NANOS, false),
                new Label(Stats.FREEZE_MEMORY_NS, "  guest memory", Unit.NANOS, false),
                new Label(Stats.FREEZE_DISKS_NS, "  disk overlays", Unit.NANOS, false),
                new Label(Stats.FREEZE_BALLOON_NS, "  balloon bitmaps", Unit.NANOS, false),
                new Label(Stats.TOTAL_NS, "total", Unit.NANOS, false),
                new Label(Stats.WRITE_NS, "write (begin to commit)", Unit.NANOS, false)));
        SECTIONS.put("garbage collector (pauses during the checkpoint)", List.of(
                new Label(Stats.GC_PAUSES, "pauses", Unit.COUNT, false),
                new Label(Stats.GC_PAUSE_NS, "total", Unit.NANOS, false),
                new Label(Stats.GC_PAUSE_MAX_NS, "longest", Unit.NANOS, false)));
        SECTIONS.put("guest", List.of(
                new Label(Stats.GUEST_INSTRET, "instructions retired", Unit.COUNT, false)));
    }

    private StatLabels() {
    }

    /** Whether {@code key} is one of the known statistics. */
    static boolean known(String key) {
        for (List<Label> labels : SECTIONS.values()) {
            for (Label l : labels) if (l.key().equals(key)) return true;
        }
        return false;
    }

    /** Labels for the keys nobody described, in key order: the unit is guessed from the name. */
    static List<Label> unknown(Iterable<String> keys) {
        List<Label> out = new ArrayList<>();
        for (String k : keys) {
            if (known(k)) continue;
            Unit unit = k.endsWith(".ns") ? Unit.NANOS : k.startsWith("bytes.") ? Unit.BYTES : Unit.COUNT;
            out.add(new Label(k, k, unit, false));
        }
        return out;
    }

    static String format(Unit unit, long value) {
        return switch (unit) {
            case COUNT -> Long.toString(value);
            case BYTES -> Units.bytes(value) + (value >= 1024 ? " (" + value + " bytes)" : "");
            case NANOS -> Units.duration(value);
        };
    }
}
