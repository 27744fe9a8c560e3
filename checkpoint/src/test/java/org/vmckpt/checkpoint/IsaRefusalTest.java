package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;
import org.vmckpt.machine.Isa;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A checkpoint records the multi-letter ISA extensions its guest saw (the kernel patched its code for them) and
 * Zicboz's block size, and a restore in a process that offers another set is refused before anything is restored,
 * with a message naming both sets and the switch to use (round 73). A checkpoint that records no extensions (made
 * before they were recorded) was taken with the base set. The test JVM runs without {@code -Dvmckpt.isa.zicboz};
 * the other side of each pair is a child JVM with it.
 */
class IsaRefusalTest {
    @TempDir
    Path dir;

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static String child(Class<?> main, List<String> opts, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java(), "-Xss16m"));
        cmd.addAll(opts);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM ended");
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    @Test
    void aCheckpointWithZicbozIsRefusedWithoutItAndTheOtherWayRound() throws Exception {
        assertFalse(Isa.ZICBOZ, "this test's JVM runs without -Dvmckpt.isa.zicboz");
        // Taken with Zicboz (blocks of 256 bytes) in a child: recorded, and refused here.
        Path withZ = dir.resolve("with");
        child(FirstCheckpointMain.class, List.of("-Dvmckpt.isa.zicboz=true", "-Dvmckpt.isa.cbozBlockSize=256"), withZ.toString(), "1");
        Repository repo = Repository.open(withZ, false);
        try (Checkpoint ck = repo.open(repo.list().get(0).id())) {
            assertEquals("zicboz_zicntr_zicsr_zifencei", ck.config().get("extensions"));
            assertEquals("256", ck.config().get("cbozBlockSize"));
            assertEquals("rv64imafdc", ck.config().get("arch"));
            RestoreException e = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, false, null));
            String m = e.getMessage();
            assertTrue(m.contains("zicboz_zicntr_zicsr_zifencei") && m.contains("offers zicntr_zicsr_zifencei")
                    && m.contains("-Dvmckpt.isa.zicboz=true -Dvmckpt.isa.cbozBlockSize=256"), m);
            RestoreException lazy = assertThrows(RestoreException.class, () -> Restorer.restore(ck, null, b -> { }, true, null));
            assertEquals(m, lazy.getMessage());
        }
        // The same checkpoint in a child with the same switches restores; with another block size it is refused.
        assertTrue(child(IsaRestoreMain.class, List.of("-Dvmckpt.isa.zicboz=true", "-Dvmckpt.isa.cbozBlockSize=256"), withZ.toString())
                .startsWith("RESTORED"));
        String other = child(IsaRestoreMain.class, List.of("-Dvmckpt.isa.zicboz=true"), withZ.toString());
        assertTrue(other.startsWith("REFUSED") && other.contains("blocks of 256 bytes") && other.contains("blocks of 4096 bytes"), other);

        // Taken here without Zicboz: refused in a child with it.
        Path without = dir.resolve("without");
        Repository repo2 = Repository.open(without, true);
        Machine m = Machines.memwalk(new StringBuilder());
        m.run(200_000);
        new CheckpointEngine(m, repo2, null).checkpoint(CheckpointOptions.defaults().withLive(false), null);
        String refused = child(IsaRestoreMain.class, List.of("-Dvmckpt.isa.zicboz=true"), without.toString());
        assertTrue(refused.startsWith("REFUSED") && refused.contains("extensions zicntr_zicsr_zifencei")
                && refused.contains("offers zicboz_zicntr_zicsr_zifencei") && refused.contains("-Dvmckpt.isa.zicboz=false"), refused);
        assertTrue(child(IsaRestoreMain.class, List.of(), without.toString()).startsWith("RESTORED"));
    }

    @Test
    void aCheckpointThatRecordsNoExtensionsHasTheBaseSet() {
        Map<String, String> old = new LinkedHashMap<>(MachineConfig.putIsa(new LinkedHashMap<>()));
        old.remove("extensions");
        old.remove("cbozBlockSize");
        assertNull(MachineDescription.isaMismatch(old, MachineConfig.putIsa(new LinkedHashMap<>())), "base set, switch off");
        Map<String, String> withZ = new LinkedHashMap<>(old);
        withZ.put("extensions", "zicboz_zicntr_zicsr_zifencei");
        withZ.put("cbozBlockSize", "64");
        assertTrue(MachineDescription.differences(old, withZ).get(0).contains("-Dvmckpt.isa.zicboz=false"));
        assertTrue(MachineDescription.differences(withZ, old).get(0).contains("-Dvmckpt.isa.zicboz=true -Dvmckpt.isa.cbozBlockSize=64"));
        // Another engineer's extension in the list: the whole list is compared, not one name.
        Map<String, String> other = new LinkedHashMap<>(old);
        other.put("extensions", "zicntr_zicsr_zifencei_zba_zbb_zbs");
        assertEquals(1, MachineDescription.differences(other, old).size());
        assertEquals(1, MachineDescription.differences(old, other).size());
    }
}
