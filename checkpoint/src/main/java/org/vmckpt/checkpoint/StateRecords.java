package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.StateRecord;
import org.vmckpt.machine.MachineImage;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one place where a machine's state records ({@link MachineImage}'s triples) become {@link StateRecord}s and
 * records go back into the parts.
 * Every loader (eager and lazy restore, both resets, migration) uses {@link #load} and so the one rule: every part
 * of the machine has exactly one record of its name, and there is no record the machine has no part for. The store
 * knows records only as named, versioned bytes; this class is where they meet the machine.
 */
public final class StateRecords {
    private StateRecords() { }

    /**
     * The records of a machine's capture, in the machine's load order: the machine writes its parts as plain
     * (name, version, bytes) triples ({@link MachineImage}); here they become the store's one record type.
     */
    public static List<StateRecord> of(MachineImage image) {
        int n = image.recordCount();
        List<StateRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new StateRecord(image.recordName(i), image.recordVersion(i), image.recordBytes(i)));
        return out;
    }

    /**
     * Why {@code records} cannot be loaded into {@code parts} (a missing, unknown or repeated record), or
     * {@code null} if they match. Nothing is loaded.
     */
    public static String mismatch(List<Snapshottable> parts, Collection<StateRecord> records) {
        Map<String, StateRecord> byName = byName(records);
        if (byName == null) return "state for one part is given twice";
        for (Snapshottable s : parts) {
            if (!byName.containsKey(s.stateName())) return "no state for '" + s.stateName() + "'";
        }
        if (byName.size() != parts.size()) {
            for (String name : byName.keySet()) {
                boolean known = false;
                for (Snapshottable s : parts) known |= s.stateName().equals(name);
                if (!known) return "state for '" + name + "', which this machine does not have";
            }
        }
        return null;
    }

    /**
     * Checks {@code records} against {@code parts} ({@link #mismatch}) and then loads every part from its record.
     *
     * @throws StateFormatException if the records do not match the parts (nothing loaded), or a part refuses
     *     its record (parts validate before they change what they cannot undo)
     */
    public static void load(List<Snapshottable> parts, Collection<StateRecord> records) throws StateFormatException {
        String why = mismatch(parts, records);
        if (why != null) throw new StateFormatException(why);
        Map<String, StateRecord> byName = byName(records);
        for (Snapshottable s : parts) {
            StateRecord r = byName.get(s.stateName());
            s.loadState(new StateReader(r.name(), r.payload()), r.version());
        }
    }

    private static Map<String, StateRecord> byName(Collection<StateRecord> records) {
        Map<String, StateRecord> byName = new HashMap<>();
        for (StateRecord r : records) {
            if (byName.put(r.name(), r) != null) return null;
        }
        return byName;
    }
}
