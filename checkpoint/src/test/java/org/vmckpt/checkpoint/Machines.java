package org.vmckpt.checkpoint;

import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/** Test machines: the bare-metal memwalk workload (writes memory, takes timer interrupts, prints heartbeats). */
final class Machines {
    private Machines() { }

    static Path memwalkElf() {
        return Path.of("..", "machine", "src", "test", "resources", "elf", "memwalk.elf").toAbsolutePath().normalize();
    }

    static MachineConfig memwalkConfig() {
        return new MachineConfig(32L << 20, null, null, "", null, memwalkElf(), List.of(), false, false, true);
    }

    static Machine memwalk(StringBuilder console) throws Exception {
        Machine m = new Machine(memwalkConfig(), b -> { synchronized (console) { console.append((char) b); } });
        m.boot();
        return m;
    }

    /** Where two machines differ: the first differing state records and pages, for assertion messages. */
    static String diff(Machine a, Machine b) {
        StringBuilder sb = new StringBuilder();
        var pa = a.stateParts();
        var pb = b.stateParts();
        for (int i = 0; i < pa.size(); i++) {
            var wa = new org.vmckpt.machine.state.StateWriter();
            var wb = new org.vmckpt.machine.state.StateWriter();
            pa.get(i).saveState(wa);
            pb.get(i).saveState(wb);
            byte[] x = wa.toByteArray(), y = wb.toByteArray();
            if (!java.util.Arrays.equals(x, y)) {
                int k = java.util.Arrays.mismatch(x, y);
                sb.append("record ").append(pa.get(i).stateName()).append(" differs at byte ").append(k).append("; ");
            }
        }
        int pages = 0;
        for (int i = 0; i < a.memory().pageCount(); i++) {
            byte[] x = a.memory().peekPage(i), y = b.memory().peekPage(i);
            boolean zx = x == null || org.vmckpt.machine.memory.GuestMemory.isZeroPage(x);
            boolean zy = y == null || org.vmckpt.machine.memory.GuestMemory.isZeroPage(y);
            if (zx && zy) continue;
            if (x == null || y == null || !java.util.Arrays.equals(x, y)) {
                if (pages++ < 5) sb.append("page ").append(i).append(x == null ? " (null)" : "").append(y == null ? " (null2)" : "").append("; ");
            }
        }
        sb.append(pages).append(" pages differ");
        return sb.toString();
    }

    static String hash(Machine m) {
        return HexFormat.of().formatHex(m.stateHash());
    }
}
