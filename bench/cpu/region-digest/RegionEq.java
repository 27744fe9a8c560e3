package org.vmckpt.machine.cpu;

import java.nio.file.*;
import java.security.MessageDigest;

/**
 * Translates entries of a kernel Image's pages (both translate() forms, every other one with the next page) and prints a
 * digest of what came out: instruction counts, entry block lengths, bytecode sizes, second pages, exits and their
 * offsets, bounds. Two builds that select the same regions and emit the same units print the same digest (round 25:
 * main 08d5b12 and branch jit14boot, 102,404 translations). Not a test; compile against a build's machine classes and
 * ASM, run with -Dvmckpt.jit.profile=true (for the exit offsets):
 *   javac -d out -cp MACHINE/target/classes:asm-9.7.1.jar RegionEq.java
 *   java -Dvmckpt.jit.profile=true -cp out:MACHINE/target/classes:asm-9.7.1.jar org.vmckpt.machine.cpu.RegionEq ~/.cache/vmckpt/guest/Image 300 24
 */
public class RegionEq {
    public static void main(String[] a) throws Exception {
        byte[] img = Files.readAllBytes(Path.of(a[0]));
        int pages = Integer.parseInt(a[1]);
        int step = Integer.parseInt(a[2]);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        Translator t = new Translator();
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        int n = 0, nulls = 0;
        long t0 = System.nanoTime();
        int total = img.length / 4096 - 2;
        for (int k = 0; k < pages; k++) {
            int p = 1 + r.nextInt(Math.min(total, 4000));
            byte[] page = java.util.Arrays.copyOfRange(img, p * 4096, p * 4096 + 4096);
            byte[] next = (k & 1) == 0 ? java.util.Arrays.copyOfRange(img, p * 4096 + 4096, p * 4096 + 8192) : null;
            for (int off = r.nextInt(step / 2) * 2; off < 4096; off += step) {
                for (int mode = 0; mode < 2; mode++) {
                    TranslatedUnit u = mode == 0 ? t.translate(page, p, next, next != null ? p + 1 : -1, off)
                            : t.translate(page, p, next, next != null ? p + 1 : -1, off, false, 512, 256, 128);
                    n++;
                    if (u == null) { nulls++; md.update((byte) 1); continue; }
                    StringBuilder sb = new StringBuilder();
                    sb.append(off).append(',').append(u.instructionCount).append(',').append(u.entryBlockLength).append(',')
                      .append(u.bytecodeSize).append(',').append(u.nextPageIndex).append(',').append(u.chain.length).append(',')
                      .append(java.util.Arrays.toString(u.exitKinds)).append(java.util.Arrays.toString(u.profExitOffsets))
                      .append(u.profFirst).append(',').append(u.profLast);
                    md.update(sb.toString().getBytes());
                }
            }
        }
        System.out.printf("%d translations, %d null, %.1f s, digest %s%n", n, nulls, (System.nanoTime() - t0) / 1e9,
                java.util.HexFormat.of().formatHex(md.digest()));
    }
}
