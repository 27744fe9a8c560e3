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
                VmSockets.socketFor("web", Map.of("XDG_RUNTIME_DIR", "/run/user/1000"), 1000));
        assertEquals(Path.of("/tmp/vmckpt-1000/web.sock"), VmSockets.socketFor("web", Map.of(), 1000));
        assertEquals(Path.of("/tmp/vmckpt-1000/web.sock"), VmSockets.socketFor("web", Map.of("XDG_RUNTIME_DIR", ""), 1000));
    }

    @Test
    void anythingWithASlashIsAPath() {
        assertTrue(VmSockets.isPath("./vm.sock"));
        assertFalse(VmSockets.isPath("vm"));
        assertEquals(Path.of("./vm.sock"), VmSockets.socketFor("./vm.sock", Map.of("XDG_RUNTIME_DIR", "/run"), 0));
        assertEquals(Path.of("/x/y.qmp"), VmSockets.socketFor("/x/y.qmp", Map.of(), 0));
    }

    @Test
    void badNamesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("", Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("a b", Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("a\nb", Map.of(), 0));
        assertThrows(IllegalArgumentException.class, () -> VmSockets.socketFor("x".repeat(65), Map.of(), 0));
    }
}
