package org.vmckpt.cli;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Part of {@code vmckpt cds-train}: runs the {@code vmckpt run} command itself, in this process, on a throwaway guest
 * (an uncompressed kernel Image whose first instruction jumps to itself, an initrd) to an instruction limit, so that
 * the class-data archive also holds what a boot's start links: the lambdas of the command line, the session, the
 * control socket and the console (each spun at run time when not archived, with the lambda forms they need), the
 * JDK's Unix-domain socket classes, and the translator thread's (its warm-up and the loop's unit). Before this, a boot
 * of the default guest loaded 119 classes from outside the archive before its first instruction (docs/BENCHMARKS.md,
 * round 27). The console's input is an empty stream meanwhile, so the training takes no byte from whoever types at
 * ./build's terminal. Nothing of it outlives the command: the directory is deleted.
 */
final class RunPathTraining {
    private RunPathTraining() { }

    /** Instructions the throwaway guest runs: enough for its loop to be translated. */
    static final long INSTRUCTIONS = 20_000_000;

    /** Runs {@code vmckpt run} on the throwaway guest in a new directory under {@code parent} (deleted after); its exit status. */
    static int run(Path parent) throws Exception {
        Path dir = Files.createTempDirectory(parent, "vmckpt-cds-run");
        InputStream stdin = System.in;
        try {
            Path kernel = dir.resolve("Image");
            Files.write(kernel, loopingImage());
            Files.write(dir.resolve("initrd"), new byte[64 << 10]);
            System.setIn(new ByteArrayInputStream(new byte[0]));
            Main.preload(new String[] {"run"});
            return Main.dispatch(new String[] {"run", "--kernel", kernel.toString(), "--initrd", dir.resolve("initrd").toString(),
                "--mem", "64M", "--max-instructions", Long.toString(INSTRUCTIONS), "--repo", dir.resolve("repo").toString(),
                "--api-socket", dir.resolve("api.sock").toString(), "--name", "cds-train-" + ProcessHandle.current().pid()});
        } finally {
            System.setIn(stdin);
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    /** An uncompressed RISC-V Linux Image of 64 KiB whose first instruction jumps to itself. */
    static byte[] loopingImage() {
        ByteBuffer b = ByteBuffer.allocate(64 << 10).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, 0x0000006f);                 // j .
        b.putLong(8, 0x20_0000L);                // text_offset
        b.putLong(16, 64 << 10);                 // image_size
        b.putLong(0x30, 0x5643534952L);          // "RISCV\0\0\0"
        b.putInt(0x38, 0x05435352);              // "RSC\x05"
        return b.array();
    }

    static void runQuietly() {
        try {
            int status = run(Path.of(System.getProperty("java.io.tmpdir")));
            if (status != 3) System.err.println("vmckpt cds-train: the run path ended with status " + status + " (expected 3, the instruction limit)");
        } catch (Exception | LinkageError e) {
            System.err.println("vmckpt cds-train: the run path was not exercised (" + e.getMessage() + "); boots start slower");
        }
    }
}
