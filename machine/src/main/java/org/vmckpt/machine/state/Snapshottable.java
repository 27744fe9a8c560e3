package org.vmckpt.machine.state;

/**
 * A part of the machine that holds state and can write and read it as a versioned record.
 *
 * <p>Every hart and device implements this, next to the code that owns the state (as Firecracker keeps a
 * {@code persist} module beside each device). The checkpoint engine stores each record under
 * {@link #stateName()} together with {@link #stateVersion()}, and hands the version back on load so a
 * newer build can read records written by an older one, or refuse them with a clear message.
 */
public interface Snapshottable {
    /** Stable name of this record inside a checkpoint, for example {@code "hart0"} or {@code "uart0"}. */
    String stateName();

    /** Version of the record layout that {@link #saveState} writes. */
    int stateVersion();

    /** Writes the complete state. Called only while the machine is paused at an instruction boundary. */
    void saveState(StateWriter out);

    /**
     * Replaces the state with the record read from {@code in}, written with layout {@code version}.
     *
     * @throws StateFormatException if the record is truncated, malformed, or of a version this build
     *     cannot read. Implementations validate before they change anything they cannot undo; the
     *     engine restores into a fresh machine, so a failed load discards that machine.
     */
    void loadState(StateReader in, int version) throws StateFormatException;
}
