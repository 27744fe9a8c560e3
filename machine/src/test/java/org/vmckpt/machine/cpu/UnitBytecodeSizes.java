package org.vmckpt.machine.cpu;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The bytecode size of the units the translator builds at given addresses of a static guest binary (a tool, not a test:
 * figures for docs/BENCHMARKS.md, round 46). Each address's page and the next are taken from the binary's first LOAD
 * segment (file offset 0 at {@code vbase}) and translated as a C1 unit and as a hot-tier unit, as in a run; prints the
 * region's instructions, those its entry reaches (round 55; the others are dead code, which round 55's pruneUnreachable took out)
 * and {@link Translator#lastBytecodeSize}. E.g. gzip's units in busybox (round 44's addresses):
 * {@code java -cp machine/target/classes:machine/target/test-classes:$ASM org.vmckpt.machine.cpu.UnitBytecodeSizes
 * initramfs/bin/busybox 10000 6dd1c 6dcce 6de30 6db66 6dc32 98c1a}.
 */
public final class UnitBytecodeSizes {
    public static void main(String[] args) throws Exception {
        byte[] bin = Files.readAllBytes(Path.of(args[0]));
        long vbase = Long.parseLong(args[1], 16);
        for (int k = 2; k < args.length; k++) {
            long va = Long.parseLong(args[k], 16);
            int at = (int) ((va & ~0xfffL) - vbase);
            byte[] page = new byte[4096], next = new byte[4096];
            System.arraycopy(bin, at, page, 0, Math.min(4096, bin.length - at));
            if (at + 4096 < bin.length) System.arraycopy(bin, at + 4096, next, 0, Math.min(4096, bin.length - at - 4096));
            for (boolean hot : new boolean[] {false, true}) {
                Translator t = new Translator();
                TranslatedUnit u = t.translate(page, 7, next, 8, (int) (va & 0xfff), hot);
                System.out.printf("%s %s: %d instructions (%d reachable from the entry), %d bytes of bytecode%s%n", args[k],
                        hot ? "hot" : "c1", u == null ? -1 : u.instructionCount,
                        u == null ? -1 : t.liveInstructionsOfLastUnit(), t.lastBytecodeSize,
                        u == null || !hot ? "" : String.format(", count with what C2 inlines %d", u.inlineTotal));
            }
        }
    }
}
