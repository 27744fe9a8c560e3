package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The one rule every loader applies: one record per part, none unknown, nothing loaded when they do not match. */
class StateRecordsTest {
    static final class Part implements Snapshottable {
        final String name;
        int value;

        Part(String name, int value) {
            this.name = name;
            this.value = value;
        }

        @Override public String stateName() { return name; }
        @Override public int stateVersion() { return 1; }
        @Override public void saveState(StateWriter out) { out.writeInt(value); }
        @Override public void loadState(StateReader in, int version) throws StateFormatException {
            if (version != 1) throw StateFormatException.unsupportedVersion(name, version, 1);
            int v = in.readInt();
            in.expectEnd();
            value = v;
        }
    }

    static StateRecord record(Snapshottable part) {
        StateWriter w = new StateWriter();
        part.saveState(w);
        return new StateRecord(part.stateName(), part.stateVersion(), w.toByteArray());
    }

    @Test
    void savedRecordsLoadBackInAnyOrder() throws Exception {
        List<StateRecord> saved = List.of(record(new Part("a", 1)), record(new Part("b", 2)));
        Part a = new Part("a", 0), b = new Part("b", 0);
        StateRecords.load(List.of(a, b), List.of(saved.get(1), saved.get(0)));
        assertEquals(1, a.value);
        assertEquals(2, b.value);
    }

    @Test
    void missingUnknownAndRepeatedRecordsAreRefusedBeforeAnyPartIsLoaded() {
        StateRecord a = new StateRecord("a", 1, new byte[]{0, 0, 0, 7});
        StateRecord c = new StateRecord("c", 1, new byte[]{0, 0, 0, 9});
        Part pa = new Part("a", 0), pb = new Part("b", 0);
        assertEquals("no state for 'b'", StateRecords.mismatch(List.of(pa, pb), List.of(a)));
        assertEquals("state for 'c', which this machine does not have", StateRecords.mismatch(List.of(pa), List.of(a, c)));
        assertNotNull(StateRecords.mismatch(List.of(pa), List.of(a, a)));
        assertNull(StateRecords.mismatch(List.of(pa), List.of(a)));
        assertThrows(StateFormatException.class, () -> StateRecords.load(List.of(pa, pb), List.of(a, c)));
        assertEquals(0, pa.value, "nothing is loaded when the records do not match");
    }

    @Test
    void aPartThatRefusesItsRecordFailsTheLoad() {
        StateRecord bad = new StateRecord("a", 2, new byte[]{0, 0, 0, 7});
        assertThrows(StateFormatException.class, () -> StateRecords.load(List.of(new Part("a", 0)), List.of(bad)));
    }
}
