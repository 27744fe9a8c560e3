package org.vmckpt.checkpoint.migration;

/**
 * How memory moves. PRECOPY: rounds over the dirty log while the guest runs, then a short stop-and-copy of what
 * is left; the destination runs only once it holds everything. POSTCOPY: switch over at once; the destination
 * runs and pulls the pages it touches from the source while the rest streams in the background.
 */
public enum MigrationMode {
    PRECOPY, POSTCOPY;

    /** The name on the command line and in QMP: "precopy" or "postcopy". */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static MigrationMode parse(String s) {
        for (MigrationMode m : values()) if (m.label().equals(s)) return m;
        throw new IllegalArgumentException("migration mode must be precopy or postcopy, not '" + s + "'");
    }
}
