package org.vmckpt.machine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.firmware.BootImageException;

/**
 * Issue 8: mutated ELF files (headers, program and section headers, symbol values) booted and run for a few
 * thousand instructions. Each must boot and run (and stop at the instruction budget or exit), or be refused
 * with a {@link BootImageException} whose message names no Java exception; nothing may hang (10 s per input)
 * or escape as another exception. Rerun: {@code mvn -q -B -pl machine test -Dtest=ElfFuzzTest}.
 */
class ElfFuzzTest {
    static final int INPUTS = 400;

    @TempDir
    Path dir;

    @Test
    void mutatedElfFilesBootOrAreRefusedClearly() throws Exception {
        byte[] good = Files.readAllBytes(ElfRunTest.resource("fail21.elf"));
        Random r = new Random(0x656c66);
        int refused = 0, ran = 0;
        List<String> failures = new ArrayList<>();
        ExecutorService watchdog = Executors.newSingleThreadExecutor(x -> {
            Thread t = new Thread(x, "elf-fuzz");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int i = 0; i < INPUTS; i++) {
                byte[] m = mutate(good, r);
                Path p = dir.resolve("fuzz" + i + ".elf");
                Files.write(p, m);
                Future<?> f = watchdog.submit(() -> {
                    Machine machine = new Machine(new MachineConfig(16 << 20, null, null, "", null, p, List.of(), false, false, false), b -> { });
                    machine.boot();
                    machine.run(20_000);
                    return null;
                });
                try {
                    f.get(10, TimeUnit.SECONDS);
                    ran++;
                } catch (TimeoutException e) {
                    f.cancel(true);
                    failures.add("input " + i + ": no answer within 10 s");
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable c = e.getCause();
                    if (c instanceof BootImageException && !c.getMessage().contains("Exception")) refused++;
                    else failures.add("input " + i + ": " + c);
                }
                Files.delete(p);
            }
        } finally {
            watchdog.shutdownNow();
        }
        System.out.printf("FUZZ elf (mutated headers, booted and run 20000 instructions): %d inputs, %d refused with BootImageException, %d booted and ran, %d failures%n",
                INPUTS, refused, ran, failures.size());
        assertTrue(failures.isEmpty(), failures.size() + " inputs ended otherwise, e.g. " + failures.subList(0, Math.min(5, failures.size())));
    }

    /** Mutations aimed at the parts the loader reads: the ELF header, the program and section header tables. */
    private static byte[] mutate(byte[] b, Random r) {
        byte[] out = b.clone();
        java.nio.ByteBuffer h = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long phoff = h.getLong(32), shoff = h.getLong(40);
        int region = r.nextInt(4);
        int at = switch (region) {
            case 0 -> r.nextInt(64);
            case 1 -> (int) Math.min(out.length - 1, phoff + r.nextInt(56 * 2));
            case 2 -> (int) Math.min(out.length - 1, shoff + r.nextInt(64 * 8));
            default -> r.nextInt(out.length);
        };
        switch (r.nextInt(4)) {
            case 0 -> out[at] ^= (byte) (1 << r.nextInt(8));
            case 1 -> {
                long v = switch (r.nextInt(6)) { case 0 -> -1L; case 1 -> 0L; case 2 -> 1L << 40; case 3 -> Long.MAX_VALUE; case 4 -> 0x1000_0000L; default -> r.nextLong(); };
                at &= ~7;
                for (int k = 0; k < 8 && at + k < out.length; k++) out[at + k] = (byte) (v >>> (8 * k));
            }
            case 2 -> out = Arrays.copyOf(out, Math.max(1, r.nextInt(out.length)));
            default -> out[at] = (byte) r.nextInt(256);
        }
        return out;
    }
}
