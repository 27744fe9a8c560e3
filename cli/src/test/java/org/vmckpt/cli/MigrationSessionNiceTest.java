package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * MigrationSessionNice, in a child JVM in a session of its own (setsid: its own autogroup, so the test's session is never
 * changed): with the property set, the session's nice is that value and then the one it had; by default and with
 * "off" nothing changes. A lower nice needs root (or CAP_SYS_NICE): the test runs as root only, on a kernel with autogroups.
 */
class MigrationSessionNiceTest {
    static final int NICE = -3;

    /** Run in the child JVM: prints "APPLIED BEFORE DURING AFTER" (the session's nice values). */
    public static void main(String[] args) {
        Integer before = MigrationSessionNice.current();
        Integer restore = MigrationSessionNice.applyIfEnabled();
        Integer during = MigrationSessionNice.current();
        if (restore != null) MigrationSessionNice.reset(restore);
        System.out.println((restore != null) + " " + before + " " + during + " " + MigrationSessionNice.current());
    }

    static String child(String... opts) throws Exception {
        return ChildJvm.lastLine(List.of("setsid", "-w"), MigrationSessionNiceTest.class, opts);
    }

    @Test
    void theSessionRunsAtTheAskedNiceThenAsBefore() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(MigrationSessionNice.AUTOGROUP), "root, and autogroups");
        String[] r = child("-D" + MigrationSessionNice.PROPERTY + "=" + NICE).split(" ");
        assertEquals("true", r[0], String.join(" ", r));
        assertEquals(String.valueOf(NICE), r[2], "the session's nice while the migration runs");
        assertEquals(r[1], r[3], "and the one it had after");
        assertNotEquals(r[1], r[2]);
    }

    @Test
    void offByDefaultAndOffChangesNothing() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.exists(MigrationSessionNice.AUTOGROUP), "root, and autogroups");
        String[] r = child("-Dunset=1").split(" ");
        assertEquals("false", r[0], String.join(" ", r));
        assertEquals(r[1], r[2]);
        r = child("-D" + MigrationSessionNice.PROPERTY + "=off").split(" ");
        assertEquals("false", r[0], String.join(" ", r));
        assertEquals(r[1], r[2]);
    }
}
