package org.vmckpt.machine.device.virtio;

import java.util.Arrays;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/** Helpers for state round trips. */
final class Snapshots {
    private Snapshots() { }

    static byte[] save(Snapshottable s) {
        StateWriter w = new StateWriter();
        s.saveState(w);
        return w.toByteArray();
    }

    static void load(Snapshottable s, byte[] record) throws StateFormatException {
        s.loadState(new StateReader(s.stateName(), record), s.stateVersion());
    }

    static byte[] truncated(byte[] record, int drop) {
        return Arrays.copyOf(record, record.length - drop);
    }

    /** A new memory of the same shape holding the same page contents. */
    static GuestMemory copyOf(GuestMemory m) {
        GuestMemory c = new GuestMemory(m.base(), m.size());
        for (int i = 0; i < m.pageCount(); i++) {
            byte[] p = m.peekPage(i);
            if (p != null) c.restorePage(i, p);
        }
        return c;
    }

    static boolean sameContents(GuestMemory a, GuestMemory b) {
        for (int i = 0; i < a.pageCount(); i++) {
            byte[] pa = a.peekPage(i);
            byte[] pb = b.peekPage(i);
            if (GuestMemory.isZeroPage(pa) && GuestMemory.isZeroPage(pb)) continue;
            if (pa == null || pb == null || !Arrays.equals(pa, pb)) return false;
        }
        return true;
    }
}
