package org.vmckpt.machine;

import java.util.List;

/**
 * The instruction set the harts implement, named in one place: the device tree's {@code riscv,isa} strings and the
 * {@code arch} a checkpoint records are derived from it (misa, in {@code Hart.MISA_VALUE}, is checked against it by
 * a test).
 */
public final class Isa {
    private Isa() { }

    public static final String BASE = "rv64i";

    /**
     * {@code -Dvmckpt.isa.bitmanip=true}: the harts implement Zba, Zbb and Zbs (the bit-manipulation extensions QEMU
     * 7.2's hart advertises) and {@link #EXTENSIONS} names them. Off by default: the list, the device tree and every
     * engine's decoding are then main's. {@code cpu.Decode#bitmanip} starts from it (tests set that one per JVM).
     */
    public static final boolean BITMANIP = Boolean.getBoolean("vmckpt.isa.bitmanip");

    /** The bit-manipulation extensions {@link #BITMANIP} adds, in canonical order (Z-b after Z-i). */
    public static final List<String> BITMANIP_EXTENSIONS = List.of("zba", "zbb", "zbs");

    /** Single-letter extensions (the base's "i" first), then multi-letter ones, in canonical order. */
    public static final List<String> EXTENSIONS = extensions(BITMANIP);

    /** The list with the bit-manipulation extensions or without (tests: both ways in one JVM). */
    static List<String> extensions(boolean bitmanip) {
        List<String> base = List.of("i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei");
        if (!bitmanip) return base;
        java.util.ArrayList<String> all = new java.util.ArrayList<>(base);
        all.addAll(BITMANIP_EXTENSIONS);
        return List.copyOf(all);
    }

    /** The single-letter part: {@code rv64imafdc}. A checkpoint's {@code arch}, which a restore must match. */
    public static final String LETTERS = "rv64" + String.join("", EXTENSIONS.stream().filter(e -> e.length() == 1).toList());

    /** The whole ISA string for the device tree's {@code riscv,isa}: {@code rv64imafdc_zicntr_zicsr_zifencei}. */
    public static final String NAME = name(EXTENSIONS);

    /** The {@code riscv,isa} string of an extension list. */
    static String name(List<String> extensions) {
        return "rv64" + String.join("", extensions.stream().filter(e -> e.length() == 1).toList())
                + extensions.stream().filter(e -> e.length() > 1).map(e -> "_" + e).reduce("", String::concat);
    }
}
