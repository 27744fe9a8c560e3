package org.vmckpt.machine.device.virtio;

import org.vmckpt.machine.device.IrqLine;

/** An interrupt wire that remembers its level and how often it rose. */
final class RecordingIrq implements IrqLine {
    boolean level;
    int risingEdges;

    @Override
    public void set(boolean l) {
        if (l && !level) risingEdges++;
        level = l;
    }
}
