package org.vmckpt.cli.qmp;

import java.util.Map;

/** An asynchronous QMP event as a client receives it. */
public record QmpEvent(String name, Map<String, Object> data, long seconds, long microseconds) {
}
