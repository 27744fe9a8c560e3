package org.vmckpt.machine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.machine.firmware.BootImageException;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** `vmckpt run --elf`: bare-metal programs run in M-mode and end through HTIF's tohost, as on Spike. */
class ElfRunTest {
    static Path resource(String name) throws Exception {
        return Path.of(ElfRunTest.class.getResource("/elf/" + name).toURI());
    }

    static Integer runElf(Path elf, ByteArrayOutputStream console) throws Exception {
        MachineConfig c = new MachineConfig(16 << 20, null, null, "", null, elf, List.of(), false, false, false);
        Machine m = new Machine(c, console::write);
        m.boot();
        return m.run(50_000_000);
    }

    @Test
    void selfTestPassesAndPrintsThroughHtif() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, runElf(resource("selftest.elf"), out), () -> "console: " + out);
        assertTrue(out.toString().contains("selftest: all passed"), out.toString());
    }

    @Test
    void exitStatusIsTohostShiftedRight() throws Exception {
        assertEquals(21, runElf(resource("fail21.elf"), new ByteArrayOutputStream()));
    }

    @Test
    void garbageIsRefusedWithAClearMessage(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.elf");
        Files.write(bad, new byte[]{1, 2, 3, 4, 5, 6, 7, 8});
        BootImageException e = assertThrows(BootImageException.class, () -> runElf(bad, new ByteArrayOutputStream()));
        assertTrue(e.getMessage().contains("not an ELF"), e.getMessage());
    }
}
