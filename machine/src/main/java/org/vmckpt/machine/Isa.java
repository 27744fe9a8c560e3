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
    /** Single-letter extensions (the base's "i" first), then multi-letter ones, in canonical order. */
    public static final List<String> EXTENSIONS = List.of("i", "m", "a", "f", "d", "c", "zicntr", "zicsr", "zifencei");

    /** The single-letter part: {@code rv64imafdc}. A checkpoint's {@code arch}, which a restore must match. */
    public static final String LETTERS = "rv64" + String.join("", EXTENSIONS.stream().filter(e -> e.length() == 1).toList());

    /** The whole ISA string for the device tree's {@code riscv,isa}: {@code rv64imafdc_zicntr_zicsr_zifencei}. */
    public static final String NAME = LETTERS + EXTENSIONS.stream().filter(e -> e.length() > 1).map(e -> "_" + e)
            .reduce("", String::concat);
}
