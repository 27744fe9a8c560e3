package org.vmckpt.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A tiny GNU-style option parser: {@code --name value}, {@code --name=value}, boolean {@code --flag}, and
 * positional arguments. Unknown options are an error that names them.
 */
public final class Args {
    private final Map<String, List<String>> values = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();

    public static Args parse(String[] argv, int from, Set<String> withValue, Set<String> flags) throws UsageException {
        return parse(argv, from, withValue, flags, Map.of());
    }

    /** Same, with older option names: {@code --ALIAS} is taken as {@code --aliases.get(ALIAS)}. */
    public static Args parse(String[] argv, int from, Set<String> withValue, Set<String> flags, Map<String, String> aliases)
            throws UsageException {
        Args a = new Args();
        for (int i = from; i < argv.length; i++) {
            String s = argv[i];
            if (s.equals("--")) {
                for (int j = i + 1; j < argv.length; j++) a.positional.add(argv[j]);
                break;
            }
            if (s.startsWith("--")) {
                String name = s.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                name = aliases.getOrDefault(name, name);
                if (withValue.contains(name)) {
                    if (value == null) {
                        if (i + 1 >= argv.length) throw new UsageException("option --" + name + " needs a value");
                        value = argv[++i];
                    }
                    a.add(name, value);
                } else if (flags.contains(name)) {
                    if (value != null) throw new UsageException("option --" + name + " takes no value");
                    a.add(name, "true");
                } else {
                    throw new UsageException("unknown option --" + name + " (see --help)");
                }
            } else {
                a.positional.add(s);
            }
        }
        return a;
    }

    /**
     * Adds one value of an option. (No lambda here: a command's first lambda that the class-data archive does not
     * hold costs a cold JVM milliseconds on the main thread before the command starts; round 62.)
     */
    private void add(String name, String value) {
        List<String> v = values.get(name);
        if (v == null) {
            v = new ArrayList<>();
            values.put(name, v);
        }
        v.add(value);
    }

    public String get(String name) {
        List<String> v = values.get(name);
        return v == null ? null : v.get(v.size() - 1);
    }

    public String get(String name, String def) {
        String v = get(name);
        return v == null ? def : v;
    }

    public List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public List<String> positional() {
        return positional;
    }

    /**
     * Parses a memory size as QEMU's {@code -m} does: a bare number is MiB ({@code 1024}), else a number with a
     * unit: {@code 512M}, {@code 1G}, {@code 524288K}, {@code 512MiB}, {@code 2147483648B} (bytes).
     */
    public static long parseMemorySize(String s, String option) throws UsageException {
        String t = s.trim().toUpperCase(java.util.Locale.ROOT).replace("IB", "");
        // "512MB" is 512M; "4096B" is bytes.
        if (t.length() > 1 && t.endsWith("B") && Character.isLetter(t.charAt(t.length() - 2))) t = t.substring(0, t.length() - 1);
        long mult = 1L << 20; // a bare number: MiB
        if (t.endsWith("B")) { mult = 1; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("K")) { mult = 1L << 10; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("M")) { mult = 1L << 20; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("G")) { mult = 1L << 30; t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("T")) { mult = 1L << 40; t = t.substring(0, t.length() - 1); }
        try {
            long v = Long.parseLong(t);
            if (v <= 0 || v > Long.MAX_VALUE / mult) throw new NumberFormatException();
            return v * mult;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + ": '" + s + "' is not a size (examples: 1024 or 1G; a bare number is MiB)");
        }
    }

    /** Parses durations like 30s, 500ms, 2m. */
    public static long parseDurationMillis(String s, String option) throws UsageException {
        String t = s.trim().toLowerCase();
        long mult = 1000;
        if (t.endsWith("ms")) { mult = 1; t = t.substring(0, t.length() - 2); }
        else if (t.endsWith("s")) { t = t.substring(0, t.length() - 1); }
        else if (t.endsWith("m")) { mult = 60_000; t = t.substring(0, t.length() - 1); }
        try {
            long v = Long.parseLong(t);
            if (v <= 0) throw new NumberFormatException();
            return v * mult;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + option + ": '" + s + "' is not a duration (examples: 30s, 500ms, 2m)");
        }
    }
}
