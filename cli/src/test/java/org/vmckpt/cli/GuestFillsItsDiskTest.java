package org.vmckpt.cli;

import org.vmckpt.machine.DefaultGuest;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 8, item 1, with the real guest: it overwrites its whole 256 MiB data disk in a VMM whose heap (-Xmx 320m)
 * cannot hold guest RAM (128 MiB) plus the whole disk in memory. The overlay keeps 64 MiB on the heap and spills
 * the rest, so the VMM stays alive, the guest finishes, and it reads back what it wrote past the heap share.
 */
@Tag("slow") // boots Debian; the fast set is mvn test -DexcludedGroups=slow
class GuestFillsItsDiskTest {
    @TempDir
    Path temp;

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS)
    void aGuestWritingMoreThanTheHeapToItsDiskDoesNotKillTheVmm() throws Exception {
        DefaultGuest.ensureBuilt(System.err);
        Path root = Path.of("").toAbsolutePath().getParent();
        try (VmckptProcess run = VmckptProcess.start(root, temp.resolve("run.console"), temp.resolve("run.log"), List.of("-Xmx320m"),
                List.of("run", "--mem", "128M", "--repo", temp.resolve("repo").toString(), "--api-socket", temp.resolve("vm.sock").toString()))) {
            int at = run.await("VMCKPT-READY", 0, 120_000);
            // dd if=/dev/zero of=/dev/vda (255 MiB), then a pattern over the last MiB, read back past the page cache.
            run.type("umount /mnt 2>/dev/null; yes xxxxxxxxxxxxxxx | head -c 1048576 > /tmp/p; "
                    + "dd if=/dev/zero of=/dev/vda bs=1M count=255 conv=fsync 2>/dev/null; dd if=/tmp/p of=/dev/vda bs=1M seek=254 conv=fsync 2>/dev/null; "
                    + "echo 3 > /proc/sys/vm/drop_caches; echo TA''IL=$(dd if=/dev/vda bs=1M skip=254 count=1 2>/dev/null | tr -d 'x\\n' | wc -c)/$(dd if=/dev/vda bs=1M skip=254 count=1 2>/dev/null | wc -c)");
            at = run.await("TAIL=", at, 400_000);
            String rest = run.consoleText().substring(at);
            assertTrue(rest.startsWith("0/1048576"), "the last MiB the guest wrote reads back as written (0 bytes other than the pattern of 1 MiB): TAIL=" + rest.lines().findFirst().orElse("")
                    + "\n" + run.describe());
            assertTrue(run.isAlive(), "the VMM survived\n" + run.describe());
        }
    }
}
