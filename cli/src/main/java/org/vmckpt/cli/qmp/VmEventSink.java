package org.vmckpt.cli.qmp;

import java.util.Map;

/** Where a {@link VmController} reports QMP events. Callable from any thread; never blocks on slow clients. */
@FunctionalInterface
public interface VmEventSink {
    /** The guest CPUs stopped. Data: {}. */
    String STOP = "STOP";
    /** The guest CPUs resumed. Data: {}. */
    String RESUME = "RESUME";
    /** The VM shut down. Data: {"guest": boolean, "reason": "host-qmp-quit" | "guest-shutdown" | ...}. */
    String SHUTDOWN = "SHUTDOWN";
    /** A power-down request was sent to the guest. Data: {}. */
    String POWERDOWN = "POWERDOWN";
    /** Checkpoint progress (emitted by the server, rate-limited). Data: {"phase", "bytes", "pages", "total-pages"}. */
    String CHECKPOINT_PROGRESS = "VMCKPT_CHECKPOINT_PROGRESS";
    /** A checkpoint is durable (emitted by the server). Data: {"id", "size", "downtime-ns", "total-ns"}. */
    String CHECKPOINT_COMPLETED = "VMCKPT_CHECKPOINT_COMPLETED";
    /** A started checkpoint failed (emitted by the server). Data: {"error"}. */
    String CHECKPOINT_FAILED = "VMCKPT_CHECKPOINT_FAILED";

    /** A migration changed status (QEMU's event). Data: {"status": "setup" | "active" | "device" | "postcopy-active" | ...}. */
    String MIGRATION = "MIGRATION";

    /** Sends an event with a JSON-writable data object (see {@link Json#write}) to every negotiated client. */
    void emit(String event, Map<String, Object> data);
}
