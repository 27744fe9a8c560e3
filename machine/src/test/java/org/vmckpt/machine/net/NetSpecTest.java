package org.vmckpt.machine.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class NetSpecTest {
    @Test
    void qemuHostfwdSyntaxParses() {
        NetSpec s = NetSpec.parse("user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp::2222-10.0.2.15:22,hostfwd=:127.0.0.2:0-:7");
        assertEquals(NetSpec.Kind.USER, s.kind());
        assertEquals(List.of(new HostForward("127.0.0.1", 8080, 80), new HostForward("", 2222, 22), new HostForward("127.0.0.2", 0, 7)), s.forwards());
        assertEquals("user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=tcp::2222-:22,hostfwd=tcp:127.0.0.2:0-:7", s.toString());
        assertEquals(s, NetSpec.parse(s.toString()), "the canonical text parses to the same network");
        assertEquals(NetSpec.parse("user"), new NetSpec(NetSpec.Kind.USER, List.of(), null));
        NetSpec tap = NetSpec.parse("tap,ifname=tap0");
        assertEquals("tap0", tap.ifname());
        assertEquals("tap,ifname=tap0", tap.toString());
    }

    @Test
    void malformedValuesSayWhatIsWrongAndHowToWriteIt() {
        String[][] cases = {
            {"user,hostfwd=tcp:127.0.0.1:8080", "no '-'"},
            {"user,hostfwd=tcp:127.0.0.1:80x-:80", "'80x' is not a port"},
            {"user,hostfwd=tcp:127.0.0.1:8080-:0", "'0' is not a port"},
            {"user,hostfwd=tcp:127.0.0.1:70000-:80", "'70000' is not a port"},
            {"user,hostfwd=udp:127.0.0.1:53-:53", "only TCP"},
            {"user,hostfwd=tcp:localhost:8080-:80", "not an IPv4 address"},
            {"user,hostfwd=tcp:127.0.0.1:8080-10.0.2.16:80", "the guest is 10.0.2.15"},
            {"user,hostfwd=tcp:8080-80", "ADDR:PORT"},
            {"user,smb=/tmp", "unknown option 'smb=/tmp'"},
            {"tap", "tap,ifname=NAME"},
            {"tap,ifname=averyveryverylongname", "longer than 15"},
            {"bridge", "unknown network 'bridge'"},
            {"", "needs a value"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetSpec.parse(c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    @Test
    void aMissingTapDeviceIsAClearError() {
        java.io.IOException e = assertThrows(java.io.IOException.class, () -> NetSpec.parse("tap,ifname=vmckpt-none0").open());
        assertTrue(e.getMessage().contains("no network device 'vmckpt-none0'") && e.getMessage().contains("ip tuntap add"), e.getMessage());
    }
}
