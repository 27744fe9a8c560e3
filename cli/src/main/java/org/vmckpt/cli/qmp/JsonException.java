package org.vmckpt.cli.qmp;

/** Input that is not acceptable JSON: malformed, too deep, too long, or not valid UTF-8. */
public final class JsonException extends Exception {
    private static final long serialVersionUID = 1L;

    public JsonException(String message) {
        super(message);
    }
}
