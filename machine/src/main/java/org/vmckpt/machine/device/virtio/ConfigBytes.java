package org.vmckpt.machine.device.virtio;

/** Little-endian access to a device configuration space kept as a byte array. */
final class ConfigBytes {
    private ConfigBytes() { }

    static long read(byte[] config, int offset, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) v |= (long) (config[offset + i] & 0xff) << (8 * i);
        return v;
    }

    static void write(byte[] config, int offset, int size, long value) {
        for (int i = 0; i < size; i++) config[offset + i] = (byte) (value >>> (8 * i));
    }
}
