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
 * The "sifive,test1" finisher at 0x100000 on QEMU's virt board, which Linux's syscon-poweroff/reboot and
 * OpenSBI use to stop or reset the machine. A 16- or 32-bit write to offset 0 whose low 16 bits are
 * {@code 0x5555} powers off with exit code 0, {@code 0x3333} powers off with exit code {@code value >>> 16}
 * (the failure code), and {@code 0x7777} resets. Anything else is ignored; reads return zero.
 * The device holds no state: its record is empty.
 */
public final class SifiveTest implements MmioDevice, Snapshottable, DeviceTreeNode {
    public static final long SIZE = 0x1000;
    public static final int FINISHER_PASS = 0x5555;
    public static final int FINISHER_FAIL = 0x3333;
    public static final int FINISHER_RESET = 0x7777;

    private static final int STATE_VERSION = 1;

    private final PowerControl power;

    public SifiveTest(PowerControl power) {
        this.power = power;
    }

    @Override
    public long read(long offset, int size) {
        return 0;
    }

    @Override
    public void write(long offset, int size, long value) {
        if (offset != 0 || size < 2) return; // QEMU accepts 2- and 4-byte writes
        int status = (int) value & 0xFFFF;
        int code = (int) (value >>> 16) & 0xFFFF;
        switch (status) {
            case FINISHER_PASS -> power.powerOff(0);
            case FINISHER_FAIL -> power.powerOff(code);
            case FINISHER_RESET -> power.reboot();
            default -> { }
        }
    }

    @Override
    public String stateName() {
        return "sifive-test";
    }

    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    /** Record v1 is empty. */
    @Override
    public void saveState(StateWriter out) {
    }

    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        in.expectEnd();
    }

    /** The device (a syscon) and the poweroff and reboot nodes that write its magic values. */
    @Override
    public void writeNode(FdtWriter w, DeviceTree.Handles h) {
        w.beginNode("test@" + Long.toHexString(MemoryMap.TEST_BASE));
        w.propertyString("compatible", "sifive,test1", "sifive,test0", "syscon");
        w.propertyU64("reg", MemoryMap.TEST_BASE, MemoryMap.TEST_SIZE);
        w.propertyU32("phandle", h.test());
        w.endNode();

        sysconWriteNode(w, "poweroff", "syscon-poweroff", h.test(), FINISHER_PASS);
        sysconWriteNode(w, "reboot", "syscon-reboot", h.test(), FINISHER_RESET);
    }

    /** A node that makes the kernel write {@code value} to offset 0 of the syscon {@code regmap} to do its job. */
    private static void sysconWriteNode(FdtWriter w, String name, String compatible, int regmap, int value) {
        w.beginNode(name);
        w.propertyString("compatible", compatible);
        w.propertyU32("regmap", regmap);
        w.propertyU32("offset", 0);
        w.propertyU32("value", value);
        w.endNode();
    }
}
