package org.vmckpt.checkpoint.migration;

/** QEMU's MigrationStatus names, as query-migrate and the MIGRATION event report them. */
public enum MigrationStatus {
    NONE("none"), SETUP("setup"), ACTIVE("active"), DEVICE("device"), POSTCOPY_ACTIVE("postcopy-active"),
    POSTCOPY_PAUSED("postcopy-paused"), POSTCOPY_RECOVER("postcopy-recover"), COMPLETED("completed"), FAILED("failed"), CANCELLING("cancelling"),
    CANCELLED("cancelled");

    private final String qmpName;

    MigrationStatus(String qmpName) {
        this.qmpName = qmpName;
    }

    public String qmpName() {
        return qmpName;
    }

    /** Whether the migration has ended (successfully or not). */
    public boolean finished() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
