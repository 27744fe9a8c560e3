package org.vmckpt.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VmSocketsTest {
    @Test
    void aNameMapsToASocketInTheRuntimeDirectory() {
        assertEquals(Path.of("/run/user/1000/vmckpt-web.sock"),
                VmSockets.socketFor("web", Map.of("XDG_RUNTIME_DIR", "/run/user/1000")));
        assertEquals(Path.of("/tmp/vmckpt-web.sock"), VmSockets.socketFor("web", Map.of()));
        assertEquals(Path.of("/tmp/vmckpt-web.sock"), VmSockets.socketFor("web", Map.of("XDG_RUNTIME_DIR", "")));
    }

    @Test
    void anythingWithASlashIsAPath() {
        assertTrue(VmSockets.isPath("./vm.sock"));
        assertFalse(VmSockets.isPath("vm"));
        assertEquals(Path.of("./vm.sock"), VmSockets.socketFor("./vm.sock", Map.of("XDG_RUNTIME_DIR", "/run")));
        assertEquals(Path.of("/x/y.qmp"), VmSockets.socketFor("/x/y.qmp", Map.of()));
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("a b", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("a\nb", Map.of()));
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("x".repeat(65), Map.of()));
    }
}
