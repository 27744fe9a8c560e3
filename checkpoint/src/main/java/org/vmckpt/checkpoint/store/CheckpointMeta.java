package org.vmckpt.checkpoint.store;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the capture side states about a checkpoint when it begins one.
 *
 * @param label     optional name to find it by ({@code null} for none); 1..200 characters, no control characters
 * @param mode      how the machine was captured
 * @param pageCount number of 4 KiB guest RAM pages (RAM size / 4096); every page 0..pageCount-1 has an entry
 * @param config    the machine configuration (memory size, harts, devices, disk base image hash...), used to
 *                  refuse a restore onto a different machine; copied and kept sorted by key
 */
public record CheckpointMeta(String label, CaptureMode mode, int pageCount, Map<String, String> config) {
    public static final int MAX_LABEL_LENGTH = 200;

    public CheckpointMeta {
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(config, "config");
        if (pageCount <= 0 || pageCount > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("pageCount must be 1.." + (Integer.MAX_VALUE - 8) + ": " + pageCount);
        }
        checkLabel(label);
        TreeMap<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> e : config.entrySet()) {
            copy.put(Objects.requireNonNull(e.getKey(), "config key"), Objects.requireNonNull(e.getValue(), "config value"));
        }
        config = Collections.unmodifiableMap(copy);
    }

    static void checkLabel(String label) {
        if (label == null) return;
        if (label.isEmpty() || label.length() > MAX_LABEL_LENGTH) {
            throw new IllegalArgumentException("label must have 1.." + MAX_LABEL_LENGTH + " characters: '" + label + "'");
        }
        for (int i = 0; i < label.length(); i++) {
            if (Character.isISOControl(label.charAt(i))) throw new IllegalArgumentException("label contains a control character");
        }
    }
}
