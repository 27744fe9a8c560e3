package org.vmckpt.machine.state;

/** A state record that cannot be read: truncated, malformed, or of an unsupported version. */
public final class StateFormatException extends Exception {
    public StateFormatException(String message) {
        super(message);
    }

    public static StateFormatException unsupportedVersion(String record, int version, int newest) {
        return new StateFormatException("state record '" + record + "' has version " + version
                + ", but this vmckpt reads versions 1.." + newest + "; use a vmckpt at least as new as the one that wrote it");
    }
}
