package org.vmckpt.cli;

/**
 * One command-line option as the parser accepts it and as {@code --help} shows it.
 *
 * @param name  the option without its dashes ({@code mem} for {@code --mem})
 * @param value the placeholder of its value in the help ({@code SIZE}), or null for a flag that takes none
 * @param help  what it does; a line break continues the text on the next line, aligned
 * @param alias an older spelling the parser still accepts as this option (help says so), or null
 */
public record Option(String name, String value, String help, String alias) {
    public Option(String name, String value, String help) {
        this(name, value, help, null);
    }

    /** This option, also accepted as {@code --alias} (an older name users may rely on). */
    public Option alsoAs(String alias) {
        return new Option(name, value, help, alias);
    }

    public boolean takesValue() {
        return value != null;
    }

    /** An option with a value: {@code --name VALUE}. */
    public static Option value(String name, String value, String help) {
        return new Option(name, value, help);
    }

    /** A flag: {@code --name}. */
    public static Option flag(String name, String help) {
        return new Option(name, null, help);
    }
}
