package org.vmckpt.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A command's options in one list: the parser accepts exactly these, {@code --help} lists exactly these, and
 * shell completion offers exactly these. Adding an option to a command is one line in its table. Entries may
 * be grouped under headings ("Guest:"); every table ends with {@code --help}.
 */
public final class OptionTable {
    /** Where the help text of an option starts (two spaces, the option, at least two spaces). */
    private static final int HELP_COLUMN = 23;

    /** One line of the table: an option, or a heading for the options after it. */
    private record Entry(String heading, Option option) { }

    private final List<Entry> entries = new ArrayList<>();

    private OptionTable() {
    }

    /** A table of these options (and --help); strings among them are headings. */
    public static OptionTable of(Object... items) {
        OptionTable t = new OptionTable();
        for (Object item : items) {
            if (item instanceof Option o) t.entries.add(new Entry(null, o));
            else if (item instanceof String heading) t.entries.add(new Entry(heading, null));
            else throw new IllegalArgumentException("not an option or a heading: " + item);
        }
        t.entries.add(new Entry(null, Option.flag("help", "show this help")));
        Set<String> seen = new LinkedHashSet<>();
        for (Option o : t.options()) {
            if (!seen.add(o.name())) throw new IllegalArgumentException("option --" + o.name() + " is listed twice");
            if (o.alias() != null && !seen.add(o.alias())) throw new IllegalArgumentException("option --" + o.alias() + " is listed twice");
        }
        return t;
    }

    /** The options, in table order. */
    public List<Option> options() {
        List<Option> out = new ArrayList<>();
        for (Entry e : entries) if (e.option() != null) out.add(e.option());
        return Collections.unmodifiableList(out);
    }

    public Option option(String name) {
        for (Option o : options()) if (o.name().equals(name)) return o;
        return null;
    }

    /** Parses {@code argv} from index {@code from}: only these options are accepted. */
    public Args parse(String[] argv, int from) throws UsageException {
        Set<String> withValue = new LinkedHashSet<>();
        Set<String> flags = new LinkedHashSet<>();
        java.util.Map<String, String> aliases = new java.util.HashMap<>();
        for (Option o : options()) {
            (o.takesValue() ? withValue : flags).add(o.name());
            if (o.alias() != null) aliases.put(o.alias(), o.name());
        }
        return Args.parse(argv, from, withValue, flags, aliases);
    }

    /**
     * The options part of the help text: one aligned block, headings as given. (Built with a StringBuilder, not
     * `+`: each new shape of string concatenation costs a cold JVM about a millisecond, and this runs at start.)
     */
    public String help() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            if (e.heading() != null) {
                sb.append(e.heading()).append('\n');
                continue;
            }
            Option o = e.option();
            int start = sb.length();
            sb.append("  --").append(o.name());
            if (o.takesValue()) sb.append(' ').append(o.value());
            int width = sb.length() - start;
            String[] lines = (o.alias() == null ? o.help() : o.help() + "\n(also --" + o.alias() + ", its older name)").split("\n");
            sb.append(" ".repeat(width + 2 > HELP_COLUMN ? 2 : HELP_COLUMN - width)).append(lines[0]).append('\n');
            for (int i = 1; i < lines.length; i++) sb.append(" ".repeat(HELP_COLUMN)).append(lines[i]).append('\n');
        }
        return sb.toString();
    }
}
