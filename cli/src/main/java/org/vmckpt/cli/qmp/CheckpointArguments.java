package org.vmckpt.cli.qmp;

import org.vmckpt.checkpoint.store.Codec;

import java.util.Map;
import java.util.Set;

/**
 * Checks the arguments of vmckpt-checkpoint before anything happens: the label (argument "label" or "name"), every key of {@code options}
 * with its type and range, and combinations that contradict each other. Errors use QEMU's wording where QEMU
 * has one ("Parameter 'x' is unexpected", "Invalid parameter type for 'x', expected: boolean").
 */
final class CheckpointArguments {
    static final int MAX_NAME_LENGTH = 200;
    private static final Set<String> BOOLEAN_OPTIONS = Set.of("baseline", "evict-zero", "evict-free", "evict-disk", "hint-free", "keep-for-reset");
    private static final Set<String> OPTIONS = Set.of("baseline", "evict-zero", "evict-free", "evict-disk", "hint-free", "keep-for-reset",
            "compression", "level");

    private CheckpointArguments() { }

    /**
     * @param args    the command's arguments (live, incremental, name: their types are checked by the caller)
     * @param options the {@code options} object
     */
    static void check(QmpArguments args, Map<String, Object> options) throws QmpException {
        String labelKey = args.has("label") ? "label" : "name"; // "name" is the older spelling of "label"
        String name = args.optionalString(labelKey);
        if (name != null) {
            if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
                throw QmpException.generic("Parameter '" + labelKey + "' must have 1.." + MAX_NAME_LENGTH + " characters (it has " + name.length() + ")");
            }
            for (int i = 0; i < name.length(); i++) {
                if (Character.isISOControl(name.charAt(i))) {
                    throw QmpException.generic("Parameter '" + labelKey + "' must not contain control characters (found U+"
                            + String.format("%04X", (int) name.charAt(i)) + " at position " + i + ")");
                }
            }
        }
        for (Map.Entry<String, Object> e : options.entrySet()) {
            String key = e.getKey();
            Object v = e.getValue();
            if (!OPTIONS.contains(key)) {
                throw QmpException.generic("Parameter 'options." + key + "' is unexpected (known: " + String.join(", ", new java.util.TreeSet<>(OPTIONS)) + ")");
            }
            if (BOOLEAN_OPTIONS.contains(key) && !(v instanceof Boolean)) throw wrongType(key, "boolean");
        }
        Object compression = options.get("compression");
        if (compression != null) {
            if (!(compression instanceof String c)) throw wrongType("compression", "string");
            if (!c.equalsIgnoreCase("zstd") && !c.equalsIgnoreCase("none")) {
                throw QmpException.generic("Parameter 'options.compression' must be 'zstd' or 'none', not '" + c + "'");
            }
        }
        if (options.containsKey("level")) {
            if (!(options.get("level") instanceof Long level)) throw wrongType("level", "integer");
            if (level < Codec.MIN_ZSTD_LEVEL || level > Codec.MAX_ZSTD_LEVEL) {
                throw QmpException.generic("Parameter 'options.level' must be a zstd level " + Codec.MIN_ZSTD_LEVEL + ".." + Codec.MAX_ZSTD_LEVEL + ", not " + level);
            }
            if (compression instanceof String c && c.equalsIgnoreCase("none")) {
                throw QmpException.generic("Parameter 'options.level' needs compression 'zstd', but 'options.compression' is 'none'");
            }
        }
        if (Boolean.TRUE.equals(options.get("baseline"))) {
            if (args.optionalBoolean("incremental", false)) {
                throw QmpException.generic("'options.baseline' is a full stop-and-copy checkpoint; it cannot be 'incremental'");
            }
            if (args.has("live") && args.optionalBoolean("live", true)) {
                throw QmpException.generic("'options.baseline' is stop-and-copy; it cannot be 'live'");
            }
            for (String k : new String[]{"compression", "level", "evict-zero", "evict-free", "evict-disk", "hint-free"}) {
                if (options.containsKey(k)) {
                    throw QmpException.generic("'options.baseline' uses no compression and no eviction; drop 'options." + k + "'");
                }
            }
        }
    }

    private static QmpException wrongType(String key, String expected) {
        return QmpException.generic("Invalid parameter type for 'options." + key + "', expected: " + expected);
    }
}
