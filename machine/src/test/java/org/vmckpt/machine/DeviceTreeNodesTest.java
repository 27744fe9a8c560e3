package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.firmware.DeviceTree;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** The device tree describes the devices the machine wired, and no others. */
class DeviceTreeNodesTest {
    private static String tree(boolean balloon, boolean rng) throws Exception {
        MachineConfig c = new MachineConfig(64L << 20, null, null, "console=ttyS0", null, null, List.of(), balloon, rng, true);
        Machine m = new Machine(c, b -> { });
        try {
            byte[] dtb = DeviceTree.build(new DeviceTree.Spec(c.memoryBytes(), 1, c.cmdline(), 0, 0, m.deviceTreeNodes(), new byte[32]));
            return new String(dtb, StandardCharsets.ISO_8859_1);
        } finally {
            m.virtio().close();
        }
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }

    @Test
    void oneVirtioNodePerWiredVirtioDevice() throws Exception {
        assertEquals(0, count(tree(false, false), "virtio_mmio@"));
        assertEquals(1, count(tree(true, false), "virtio_mmio@"));
        assertEquals(2, count(tree(true, true), "virtio_mmio@"));
    }

    @Test
    void everyFixedDeviceDescribesItself() throws Exception {
        String t = tree(false, false);
        for (String node : List.of("sifive,test0", "syscon-poweroff", "syscon-reboot", "riscv,clint0", "riscv,plic0", "microsoft,vmgenid", "ns16550a")) {
            assertEquals(1, count(t, node), node);
        }
    }
}
