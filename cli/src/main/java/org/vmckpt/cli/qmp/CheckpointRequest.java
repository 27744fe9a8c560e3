package org.vmckpt.cli.qmp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The arguments of {@code vmckpt-checkpoint}.
 *
 * @param name        a label chosen by the client, or null to let the checkpointer choose
 * @param live        copy memory while the guest runs (copy-on-write); false = stop-and-copy (default true)
 * @param incremental store only pages written since the parent checkpoint (default false)
 * @param stopAfter   leave the VM paused when the checkpoint is taken (QMP argument "stop", default false)
 * @param options     further free-form options (eviction policies, compression, ...), never null; values are
 *                    as parsed from JSON (String, Long, Double, Boolean, null, List, Map)
 */
public record CheckpointRequest(String name, boolean live, boolean incremental, boolean stopAfter,
                                Map<String, Object> options) {
    public CheckpointRequest {
        Objects.requireNonNull(options, "options");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options)); // Map.copyOf refuses JSON null values
    }
}
