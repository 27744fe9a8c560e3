package org.vmckpt.machine.device;

import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/** Save/load helpers shared by the device state tests. */
final class StateRoundTrip {
    private StateRoundTrip() {
    }

    static byte[] save(Snapshottable s) {
        StateWriter out = new StateWriter();
        s.saveState(out);
        return out.toByteArray();
    }

    static void load(Snapshottable s, byte[] record) throws StateFormatException {
        s.loadState(new StateReader(s.stateName(), record), s.stateVersion());
    }

    static void load(Snapshottable s, byte[] record, int version) throws StateFormatException {
        s.loadState(new StateReader(s.stateName(), record), version);
    }
}
