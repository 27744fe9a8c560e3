package org.vmckpt.cli.qmp;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The arguments of {@code vmckpt-checkpoint}.
 *
 * @param label       the checkpoint's label, chosen by the client (QMP argument "label", or its older name "name"),
 *                    or null for none
 * @param live        copy memory while the guest runs (copy-on-write); false = stop-and-copy (default true)
 * @param incremental store only pages written since the parent checkpoint (default false)
 * @param leavePaused leave the VM paused when the checkpoint is taken (QMP argument "leave-paused", or its older
 *                    name "stop"; default false). Not stop-and-copy: that is {@code live} false
 * @param options     further free-form options (eviction policies, compression, ...), never null; values are
 *                    as parsed from JSON (String, Long, Double, Boolean, null, List, Map)
 */
public record CheckpointRequest(String label, boolean live, boolean incremental, boolean leavePaused,
                                Map<String, Object> options) {
    public CheckpointRequest {
        Objects.requireNonNull(options, "options");
        options = Collections.unmodifiableMap(new LinkedHashMap<>(options)); // Map.copyOf refuses JSON null values
    }
}
