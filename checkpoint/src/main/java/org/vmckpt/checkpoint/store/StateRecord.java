package org.vmckpt.checkpoint.store;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named, versioned state record (a hart, a device, the clock): the one record type from capture to disk and
 * back. The store knows it only as named, versioned bytes; {@code org.vmckpt.checkpoint.StateRecords} makes records
 * from a machine's parts and loads them back. The payload is copied in and out, so a record never changes.
 */
public record StateRecord(String name, int version, byte[] payload) {
    /** Longest record name, in UTF-8 bytes. */
    public static final int MAX_NAME_BYTES = 255;

    public StateRecord {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("record name must have 1.." + MAX_NAME_BYTES + " bytes: '" + name + "'");
        }
        payload = payload.clone();
    }

    /** A copy of the payload. */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    int payloadLength() {
        return payload.length;
    }

    /** The payload without copying, for the manifest encoder only. */
    byte[] payloadUnsafe() {
        return payload;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateRecord r && r.name.equals(name) && r.version == version && Arrays.equals(r.payload, payload);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + version * 17 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "StateRecord[" + name + " v" + version + ", " + payload.length + " bytes]";
    }
}
