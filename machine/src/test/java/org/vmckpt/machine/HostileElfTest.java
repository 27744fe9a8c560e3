package org.vmckpt.machine;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.firmware.BootImageException;
import org.vmckpt.machine.firmware.ElfImage;

/**
 * Issue 8, items 9 and 10: hostile ELF files are refused with a message that says what is wrong (never a Java
 * exception name), and --max-instructions stops a program caught in an endless trap loop.
 */
class HostileElfTest {
    @TempDir
    Path dir;

    private byte[] good() throws Exception {
        return Files.readAllBytes(ElfRunTest.resource("fail21.elf"));
    }

    private static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    private Machine machineFor(byte[] elf) throws Exception {
        Path p = dir.resolve("hostile.elf");
        Files.write(p, elf);
        return new Machine(new MachineConfig(16 << 20, null, null, "", null, p, List.of(), false, false, false), b -> { });
    }

    private void refused(byte[] elf, String expected) throws Exception {
        Machine m = machineFor(elf);
        BootImageException e = assertThrows(BootImageException.class, m::boot);
        assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
        for (String javaName : new String[]{"Exception", "Error", "java."}) {
            assertTrue(!e.getMessage().contains(javaName), "a Java name in: " + e.getMessage());
        }
    }

    /** Offset of the first PT_LOAD program header. */
    private static int firstLoad(byte[] b) {
        ByteBuffer h = le(b);
        long phoff = h.getLong(32);
        int size = h.getShort(54) & 0xffff;
        for (int i = 0; ; i++) if (h.getInt((int) phoff + i * size) == 1) return (int) phoff + i * size;
    }

    @Test
    void programHeadersFarOutsideTheFileAreRefused() throws Exception {
        byte[] b = good();
        le(b).putLong(32, 1L << 40);
        refused(b, "program headers");
    }

    @Test
    void aNegativeSegmentSizeIsRefused() throws Exception {
        byte[] b = good();
        le(b).putLong(firstLoad(b) + 32, -1L); // p_filesz
        refused(b, "segment");
        b = good();
        le(b).putLong(firstLoad(b) + 8, Long.MAX_VALUE - 3); // p_offset
        refused(b, "segment");
    }

    @Test
    void sectionHeadersOutsideTheFileAreRefused() throws Exception {
        byte[] b = good();
        le(b).putLong(40, -16L);
        refused(b, "section headers");
    }

    @Test
    void tohostOutsideRamIsRefused() throws Exception {
        byte[] b = good();
        long tohost = ElfImage.parse(b, "fail21").tohost();
        ByteBuffer h = le(b);
        int replaced = 0;
        for (int i = 0; i + 8 <= b.length; i += 8) {
            if (h.getLong(i) == tohost) {
                h.putLong(i, 0x1000L);
                replaced++;
            }
        }
        assertTrue(replaced > 0);
        refused(b, "'tohost' symbol (0x1000) is outside RAM");
    }

    @Test
    void maxInstructionsStopsAnEndlessTrapLoop() throws Exception {
        byte[] b = good();
        le(b).putLong(24, MemoryMap.UART0_BASE); // entry point in MMIO: every fetch faults, nothing ever retires
        Machine m = machineFor(b);
        m.boot();
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> assertNull(m.run(100_000), "the budget ends the run"));
    }
}
