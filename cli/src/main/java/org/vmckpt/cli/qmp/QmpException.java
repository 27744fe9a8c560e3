package org.vmckpt.cli.qmp;

/**
 * A QMP error: {"error": {"class": errorClass, "desc": description}}. The client throws it for error replies;
 * server code and controllers throw it to reply with a specific class.
 */
public final class QmpException extends Exception {
    private static final long serialVersionUID = 1L;

    /** The class of nearly every error. */
    public static final String GENERIC_ERROR = "GenericError";
    /** Unknown command, or a command not allowed in the current mode (capabilities negotiation). */
    public static final String COMMAND_NOT_FOUND = "CommandNotFound";

    private final String errorClass;
    private final String description;

    public QmpException(String errorClass, String description) {
        super(errorClass + ": " + description);
        this.errorClass = errorClass;
        this.description = description;
    }

    public static QmpException generic(String description) {
        return new QmpException(GENERIC_ERROR, description);
    }

    public String errorClass() {
        return errorClass;
    }

    public String description() {
        return description;
    }
}
