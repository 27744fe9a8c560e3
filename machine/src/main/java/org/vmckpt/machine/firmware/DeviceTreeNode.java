package org.vmckpt.machine.firmware;

/**
 * A wired device that describes itself in the device tree the kernel boots with. {@link DeviceTree#build} writes
 * the nodes of exactly the devices the machine wired, in the order given, under {@code /soc}.
 */
public interface DeviceTreeNode {
    /** Writes this device's node(s) under {@code /soc}; {@code h} gives the phandles a node may refer to. */
    void writeNode(FdtWriter w, DeviceTree.Handles h);
}
