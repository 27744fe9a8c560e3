package org.vmckpt.machine.device;

import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.firmware.DeviceTree;
import org.vmckpt.machine.firmware.DeviceTreeNode;
import org.vmckpt.machine.firmware.FdtWriter;

import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * The RISC-V PLIC as QEMU's virt board lays it out (SiFive register map): sources 1..95 (0 is reserved),
 * priorities 0..7, two contexts per hart (context {@code 2h} is hart h's M-mode and drives MEIP, context
 * {@code 2h+1} is its S-mode and drives SEIP).
 *
 * <pre>
 *   0x000000 + 4*src            priority of source src
 *   0x001000 + 4*word           pending bits (read-only)
 *   0x002000 + 0x80*ctx + 4*w   enable bits of context ctx
 *   0x200000 + 0x1000*ctx       priority threshold of context ctx
 *   0x200004 + 0x1000*ctx       claim (read) / complete (write)
 * </pre>
 *
 * <p>Sources are level-triggered, as every device on this machine is: a source is pending while its line is
 * high and it is not claimed. A claim returns the enabled pending source of highest priority above the
 * context's threshold (ties go to the lowest id) and clears its pending bit; completing it re-arms the gateway,
 * so a line that is still high becomes pending again. Every change recomputes the harts' MEIP/SEIP.
 * Only aligned 4-byte accesses reach registers; others read zero and are ignored.
 */
public final class Plic implements MmioDevice, Snapshottable, DeviceTreeNode {
    public static final long SIZE = 0x4000000;
    public static final int SOURCE_COUNT = 96; // ids 0..95; id 0 means "no interrupt"
    public static final int MAX_PRIORITY = 7;

    private static final long PRIORITY_BASE = 0x0;
    private static final long PENDING_BASE = 0x1000;
    private static final long ENABLE_BASE = 0x2000;
    private static final long ENABLE_STRIDE = 0x80;
    private static final long CONTEXT_BASE = 0x200000;
    private static final long CONTEXT_STRIDE = 0x1000;
    private static final int WORDS = SOURCE_COUNT / 32;
    private static final int STATE_VERSION = 1;

    private final InterruptSink[] harts;
    private final int contextCount;
    private final int[] priority = new int[SOURCE_COUNT];
    private final boolean[] lineLevel = new boolean[SOURCE_COUNT];
    private final boolean[] claimed = new boolean[SOURCE_COUNT];
    private final boolean[] pending = new boolean[SOURCE_COUNT];
    /** enable[ctx][word]: bit b of word w enables source 32*w+b. */
    private final int[][] enable;
    private final int[] threshold;

    public Plic(InterruptSink[] harts) {
        this.harts = harts.clone();
        this.contextCount = 2 * harts.length;
        this.enable = new int[contextCount][WORDS];
        this.threshold = new int[contextCount];
    }

    public int contextCount() {
        return contextCount;
    }

    /** The level-triggered wire of source {@code source} (1..95). */
    public IrqLine line(int source) {
        if (source < 1 || source >= SOURCE_COUNT) {
            throw new IllegalArgumentException("PLIC source " + source + " is outside 1.." + (SOURCE_COUNT - 1));
        }
        return level -> setLine(source, level);
    }

    private void setLine(int source, boolean level) {
        lineLevel[source] = level;
        pending[source] = level && !claimed[source];
        updateOutputs();
    }

    public boolean isPending(int source) {
        return source > 0 && source < SOURCE_COUNT && pending[source];
    }

    /** The claim register's effect: returns the best source for the context (0 if none) and marks it claimed. */
    public int claim(int context) {
        int best = bestSource(context);
        if (best != 0) {
            claimed[best] = true;
            pending[best] = false;
            updateOutputs();
        }
        return best;
    }

    /** The complete register's effect. Ignored unless the source is valid and enabled for the context (as the spec allows). */
    public void complete(int context, int source) {
        if (source <= 0 || source >= SOURCE_COUNT || !isEnabled(context, source)) return;
        claimed[source] = false;
        pending[source] = lineLevel[source];
        updateOutputs();
    }

    private boolean isEnabled(int context, int source) {
        return (enable[context][source >>> 5] & (1 << (source & 31))) != 0;
    }

    private int bestSource(int context) {
        int best = 0;
        int bestPriority = threshold[context];
        for (int source = 1; source < SOURCE_COUNT; source++) {
            if (pending[source] && priority[source] > bestPriority && isEnabled(context, source)) {
                best = source;
                bestPriority = priority[source];
            }
        }
        return best;
    }

    private void updateOutputs() {
        for (int context = 0; context < contextCount; context++) {
            long mask = (context & 1) == 0 ? InterruptSink.MEIP : InterruptSink.SEIP;
            harts[context >>> 1].setInterruptPending(mask, bestSource(context) != 0);
        }
    }

    @Override
    public long read(long offset, int size) {
        if (size != 4 || (offset & 3) != 0 || offset < 0) return 0;
        if (offset < PENDING_BASE) {
            int source = (int) (offset >>> 2);
            return source < SOURCE_COUNT ? priority[source] : 0;
        }
        if (offset < ENABLE_BASE) {
            int word = (int) ((offset - PENDING_BASE) >>> 2);
            return word < WORDS ? pendingWord(word) & 0xFFFF_FFFFL : 0;
        }
        if (offset < CONTEXT_BASE) {
            long rel = offset - ENABLE_BASE;
            long context = rel / ENABLE_STRIDE;
            int word = (int) ((rel % ENABLE_STRIDE) >>> 2);
            if (context >= contextCount || word >= WORDS) return 0;
            return enable[(int) context][word] & 0xFFFF_FFFFL;
        }
        long rel = offset - CONTEXT_BASE;
        long context = rel / CONTEXT_STRIDE;
        long register = rel % CONTEXT_STRIDE;
        if (context >= contextCount) return 0;
        if (register == 0) return threshold[(int) context];
        if (register == 4) return claim((int) context);
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size != 4 || (offset & 3) != 0 || offset < 0) return;
        int v = (int) value;
        if (offset < PENDING_BASE) {
            int source = (int) (offset >>> 2);
            if (source > 0 && source < SOURCE_COUNT) {
                priority[source] = v & MAX_PRIORITY;
                updateOutputs();
            }
            return;
        }
        if (offset < ENABLE_BASE) return; // pending bits are read-only
        if (offset < CONTEXT_BASE) {
            long rel = offset - ENABLE_BASE;
            long context = rel / ENABLE_STRIDE;
            int word = (int) ((rel % ENABLE_STRIDE) >>> 2);
            if (context >= contextCount || word >= WORDS) return;
            enable[(int) context][word] = word == 0 ? v & ~1 : v; // source 0 does not exist
            updateOutputs();
            return;
        }
        long rel = offset - CONTEXT_BASE;
        long context = rel / CONTEXT_STRIDE;
        long register = rel % CONTEXT_STRIDE;
        if (context >= contextCount) return;
        if (register == 0) {
            threshold[(int) context] = v & MAX_PRIORITY;
            updateOutputs();
        } else if (register == 4) {
            complete((int) context, v);
        }
    }

    private int pendingWord(int word) {
        int bits = 0;
        for (int bit = 0; bit < 32; bit++) {
            if (pending[32 * word + bit]) bits |= 1 << bit;
        }
        return bits;
    }

    @Override
    public String stateName() {
        return "plic";
    }

    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    /**
     * Record v1: int context count; per source 1..95 a byte priority, a boolean line level and a boolean
     * claimed; per context its enable words and its threshold. Pending bits follow from level and claimed.
     */
    @Override
    public void saveState(StateWriter out) {
        out.writeInt(contextCount);
        for (int source = 1; source < SOURCE_COUNT; source++) {
            out.writeByte(priority[source]);
            out.writeBoolean(lineLevel[source]);
            out.writeBoolean(claimed[source]);
        }
        for (int context = 0; context < contextCount; context++) {
            out.writeInts(enable[context]);
            out.writeInt(threshold[context]);
        }
    }

    /** Loads the record and drives every hart's MEIP and SEIP from it. */
    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        int contexts = in.readInt();
        if (contexts != contextCount) throw in.error("has " + contexts + " contexts, this machine has " + contextCount);
        int[] newPriority = new int[SOURCE_COUNT];
        boolean[] newLevel = new boolean[SOURCE_COUNT];
        boolean[] newClaimed = new boolean[SOURCE_COUNT];
        for (int source = 1; source < SOURCE_COUNT; source++) {
            newPriority[source] = in.readByte();
            if (newPriority[source] > MAX_PRIORITY) throw in.error("source " + source + " has priority " + newPriority[source]);
            newLevel[source] = in.readBoolean();
            newClaimed[source] = in.readBoolean();
        }
        int[][] newEnable = new int[contexts][];
        int[] newThreshold = new int[contexts];
        for (int context = 0; context < contexts; context++) {
            newEnable[context] = in.readInts();
            if (newEnable[context].length != WORDS || (newEnable[context][0] & 1) != 0) {
                throw in.error("context " + context + " has a malformed enable array");
            }
            newThreshold[context] = in.readInt();
            if (newThreshold[context] < 0 || newThreshold[context] > MAX_PRIORITY) {
                throw in.error("context " + context + " has threshold " + newThreshold[context]);
            }
        }
        in.expectEnd();

        for (int source = 0; source < SOURCE_COUNT; source++) {
            priority[source] = newPriority[source];
            lineLevel[source] = newLevel[source];
            claimed[source] = newClaimed[source];
            pending[source] = newLevel[source] && !newClaimed[source];
        }
        for (int context = 0; context < contexts; context++) {
            enable[context] = newEnable[context];
            threshold[context] = newThreshold[context];
        }
        updateOutputs();
    }

    @Override
    public void writeNode(FdtWriter w, DeviceTree.Handles h) {
        w.beginNode("plic@" + Long.toHexString(MemoryMap.PLIC_BASE));
        w.propertyString("compatible", "sifive,plic-1.0.0", "riscv,plic0");
        w.propertyU64("reg", MemoryMap.PLIC_BASE, SIZE);
        w.propertyU32("#interrupt-cells", 1);
        w.propertyU32("#address-cells", 0);
        w.propertyEmpty("interrupt-controller");
        w.propertyU32("riscv,ndev", SOURCE_COUNT - 1);
        w.propertyU32("interrupts-extended", h.perHart(11, 9)); // machine external, supervisor external
        w.propertyU32("phandle", h.plic());
        w.endNode();
    }
}
