package org.vmckpt.cli.qmp;

import java.time.Instant;

/**
 * The "one checkpoint at a time" policy, for {@link VmController} implementations that do not queue requests:
 * <pre>
 * try (CheckpointGate.Pass pass = gate.enter(request.label())) {
 *     ... take the checkpoint ...
 * }
 * </pre>
 */
public final class CheckpointGate {
    private Instant startedAt; // null when no checkpoint runs
    private String startedName;

    /** Admits one checkpoint, or refuses with a message that says since when the other one runs. */
    public synchronized Pass enter(String name) throws CheckpointBusyException {
        if (startedAt != null) {
            String which = startedName == null ? "" : " '" + startedName + "'";
            throw new CheckpointBusyException("a checkpoint" + which + " is already in progress (started at "
                    + startedAt + "); wait for VMCKPT_CHECKPOINT_COMPLETED");
        }
        startedAt = Instant.now();
        startedName = name;
        return new Pass();
    }

    /** When the running checkpoint started, or null if none runs. */
    public synchronized Instant startedAt() {
        return startedAt;
    }

    private synchronized void leave() {
        startedAt = null;
        startedName = null;
    }

    /** Held while a checkpoint runs; closing it (once) lets the next one in. */
    public final class Pass implements AutoCloseable {
        private boolean closed;

        private Pass() {
        }

        @Override
        public void close() {
            synchronized (CheckpointGate.this) {
                if (!closed) {
                    closed = true;
                    leave();
                }
            }
        }
    }
}
