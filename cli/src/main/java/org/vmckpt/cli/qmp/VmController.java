package org.vmckpt.cli.qmp;

import java.util.Map;

/**
 * What the control socket needs from a running virtual machine. The machine runner implements it; the
 * {@link QmpServer} turns QMP commands into these calls.
 *
 * <p>Threading: every method may be called from any client thread, concurrently with the others. In
 * particular {@link #status()}, {@link #running()} and {@link #queryCheckpointStatus()} are called while a
 * {@link #checkpoint} runs on another thread and must answer promptly.
 *
 * <p>Errors: an exception thrown by a method becomes a QMP error reply on the connection that asked
 * ({@code GenericError} with the exception's message; a {@link QmpException} keeps its own class). The
 * connection stays open.
 *
 * <p>Events: the controller reports changes of the machine's run state itself, whatever caused them (a QMP
 * command, the guest powering off, a stop-after checkpoint), through the sink given to
 * {@link #setEventSink}: {@code STOP}, {@code RESUME}, {@code SHUTDOWN}, {@code POWERDOWN} (see
 * {@link VmEventSink}). The server itself emits the checkpoint events.
 */
public interface VmController {

    /** The VM's name (QMP query-name; vmckpt run --name), or null if it has none. */
    String name();

    /** How many virtual CPUs (harts) the VM has (QMP query-cpus-fast). */
    int cpuCount();

    /**
     * The host thread that runs virtual CPU {@code cpu} (QMP query-cpus-fast's thread-id: Linux's TID, as QEMU gives it,
     * so that {@code chrt -p}/{@code taskset -p} on it work), or the process id before the CPU first ran.
     */
    long cpuThreadId(int cpu);

    /** Called once by the server before it accepts clients; events sent here go to every negotiated client. */
    void setEventSink(VmEventSink sink);

    /** The QMP RunState name: "running", "paused", "shutdown", "prelaunch", "save-vm", "restore-vm", "internal-error", ... */
    String status();

    /** Whether the guest CPUs are executing (QMP query-status "running"). */
    boolean running();

    /** Stops the guest CPUs at an instruction boundary (QMP {@code stop}); stopping a stopped VM is not an error. */
    void pause() throws Exception;

    /** Resumes the guest CPUs (QMP {@code cont}). */
    void resume() throws Exception;

    /**
     * Stops the VM and ends the monitor (QMP {@code quit}). Called after the reply has been written to the
     * client; it should emit {@code SHUTDOWN} ({"guest": false, "reason": "host-qmp-quit"}).
     */
    void quit() throws Exception;

    /** Asks the guest to power off, like pressing an ACPI power button (QMP {@code system_powerdown}); returns at once. */
    void powerdown() throws Exception;

    /**
     * Takes a checkpoint and returns when it is durable. May take seconds; report progress through
     * {@code progress} as often as convenient (the server rate-limits the events it sends).
     *
     * <p>Whether a second request may run while one is in progress is this method's policy: reject it by
     * throwing {@link CheckpointBusyException} (see {@link CheckpointGate}), or queue it.
     */
    CheckpointResult checkpoint(CheckpointRequest request, ProgressSink progress) throws Exception;

    /**
     * Resets the running VM to a checkpoint: rolls it back (not a reboot). {@code ref} names the checkpoint: an id, a
     * unique id prefix, or a label.
     */
    ResetResult reset(String ref) throws Exception;

    /**
     * The state of checkpointing, returned as-is by {@code vmckpt-query-checkpoint}: a JSON-writable map
     * (String, Number, Boolean, null, List and Map values), e.g. {"active": true, "phase": "memory",
     * "bytes": 123, "last-id": "..."}.
     */
    Map<String, Object> queryCheckpointStatus();

    /**
     * QEMU's {@code balloon}: asks the guest's balloon driver to leave the VM {@code bytes} of memory (the rest is
     * given back to the host). A VM without a balloon throws.
     */
    default void setBalloonTarget(long bytes) throws Exception {
        throw new QmpException(QmpException.GENERIC_ERROR, "No balloon device has been activated");
    }

    /** QEMU's {@code query-balloon}: the memory the VM has now, in bytes. */
    default long balloonActual() throws Exception {
        throw new QmpException(QmpException.GENERIC_ERROR, "No balloon device has been activated");
    }

    /**
     * QEMU's {@code migrate}: starts moving the VM to {@code uri} and returns at once; progress is reported by
     * {@code MIGRATION} events and {@link #queryMigrate()}. {@code options} holds vmckpt's extras ("mode":
     * "precopy" | "postcopy", "tls-creds": directory, "insecure": boolean).
     */
    default void migrate(String uri, Map<String, Object> options) throws Exception {
        throw new QmpException(QmpException.GENERIC_ERROR, "this VM cannot migrate");
    }

    /** QEMU's {@code query-migrate}: MigrationInfo ({} if no migration was started). */
    default Map<String, Object> queryMigrate() {
        return Map.of();
    }

    /** QEMU's {@code migrate_cancel}: stops a migration before switch-over; the VM runs on here. */
    default void migrateCancel() throws Exception {
    }

    /**
     * QEMU's {@code migrate-recover}, on the destination of a post-copy migration whose connection broke: listens
     * on {@code uri} for the source's {@code migrate} with {@code resume: true} and returns at once.
     */
    default void migrateRecover(String uri) throws Exception {
        throw new QmpException(QmpException.GENERIC_ERROR, "this VM is not the destination of a post-copy migration");
    }

    /**
     * {@code vmckpt-query-net}: the network device and its host side, a JSON-writable map; {"attached": false}
     * for a VM without a network.
     */
    default Map<String, Object> queryNet() throws Exception {
        return Map.of("attached", false);
    }
}
