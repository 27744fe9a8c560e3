package org.vmckpt.machine;

import java.util.ArrayList;
import java.util.List;

/**
 * The instruction set the harts implement, named in one place: the device tree's {@code riscv,isa} strings and the
 * {@code arch} and {@code extensions} a checkpoint records are derived from it (misa, in {@code Hart.MISA_VALUE}, is
 * checked against it by a test). Optional extensions are chosen once per process by their switches, because the guest
 * kernel patches its code for what the device tree advertised: a checkpoint records them and a restore must match.
 */
public final class Isa {
    private Isa() { }

    public static final String BASE = "rv64i";
    /**
     * Zicboz ({@code cbo.zero}); off by default, {@code -Dvmckpt.isa.zicboz=true}: on. The device tree then advertises
     * it with {@link #CBOZ_BLOCK_SIZE}, and the Linux kernel's {@code clear_page} zeroes a page with {@code cbo.zero}
     * instead of {@code memset}.
     */
    public static final boolean ZICBOZ = Boolean.getBoolean("vmckpt.isa.zicboz");
    /**
     * The cache-block size {@code cbo.zero} zeroes ({@code riscv,cboz-block-size}): a power of two from 64 to 4096
     * ({@code -Dvmckpt.isa.cbozBlockSize=N}, default 4096). Linux patches clear_page for any size up to its page: with
     * 4096 a page is one cbo.zero (5 guest instructions of clear_page, one exit of translated code to the interpreter),
     * with QEMU's 64 it is 64 of them (docs/BENCHMARKS.md, round 73). The CMO specification leaves the size to the
     * implementation; vmckpt does not claim Zic64b (RVA23's "blocks are 64 bytes").
     */
    public static final int CBOZ_BLOCK_SIZE = blockSize(Integer.getInteger("vmckpt.isa.cbozBlockSize", 4096));

    /**
     * {@code -Dvmckpt.isa.bitmanip=true}: the harts implement Zba, Zbb and Zbs (the bit-manipulation extensions QEMU
     * 7.2's hart advertises) and {@link #EXTENSIONS} names them. Off by default: the list, the device tree and every
     * engine's decoding are then main's. {@code cpu.Decode#bitmanip} starts from it (tests set that one per JVM).
     */
    public static final boolean BITMANIP = Boolean.getBoolean("vmckpt.isa.bitmanip");

    /** The bit-manipulation extensions {@link #BITMANIP} adds, in canonical order (Z-b after Z-i). */
    public static final List<String> BITMANIP_EXTENSIONS = List.of("zba", "zbb", "zbs");

    /** Single-letter extensions (the base's "i" first), then multi-letter ones, in canonical order. */
    public static final List<String> EXTENSIONS = extensions(ZICBOZ, BITMANIP);
    /** The multi-letter extensions of a checkpoint that does not record them (made before they were recorded). */
    public static final String BASE_MULTI_LETTER = "zicntr_zicsr_zifencei";

    /** The extension list with or without Zicboz and the bit-manipulation extensions (tests: every way in one JVM). */
    static List<String> extensions(boolean zicboz, boolean bitmanip) {
        List<String> l = new ArrayList<>(List.of("i", "m", "a", "f", "d", "c"));
        if (zicboz) l.add("zicboz");
        l.addAll(List.of("zicntr", "zicsr", "zifencei"));
        if (bitmanip) l.addAll(BITMANIP_EXTENSIONS);
        return List.copyOf(l);
    }

    /** The single-letter part: {@code rv64imafdc}. A checkpoint's {@code arch}, which a restore must match. */
    public static final String LETTERS = "rv64" + String.join("", EXTENSIONS.stream().filter(e -> e.length() == 1).toList());

    /**
     * The multi-letter part, joined by "_": {@code zicntr_zicsr_zifencei} by default. A checkpoint's
     * {@code extensions}, which a restore must match as a whole.
     */
    public static final String MULTI_LETTER = String.join("_", EXTENSIONS.stream().filter(e -> e.length() > 1).toList());

    /** The whole ISA string for the device tree's {@code riscv,isa}: {@code rv64imafdc_zicntr_zicsr_zifencei}. */
    public static final String NAME = name(EXTENSIONS);

    /** The {@code riscv,isa} string of an extension list. */
    static String name(List<String> extensions) {
        return "rv64" + String.join("", extensions.stream().filter(e -> e.length() == 1).toList())
                + extensions.stream().filter(e -> e.length() > 1).map(e -> "_" + e).reduce("", String::concat);
    }

    static int blockSize(int n) {
        if (n < 64 || n > 4096 || Integer.bitCount(n) != 1) {
            throw new IllegalArgumentException("vmckpt.isa.cbozBlockSize must be a power of two from 64 to 4096, not " + n);
        }
        return n;
    }

    /** The Zicboz block size a checkpoint records ({@code cbozBlockSize}), or null when Zicboz is off. */
    public static String cbozRecord() {
        return ZICBOZ ? Integer.toString(CBOZ_BLOCK_SIZE) : null;
    }
}
