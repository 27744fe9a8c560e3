package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -Dvmckpt.restore.warmRandom} (round 74, off by default): the restore command's class preload thread sets up the
 * JDK's SecureRandom before the machine's construction needs it for the VM generation ID; off, and for other commands,
 * it does not.
 */
class RestoreWarmRandomTest {
    private static final String SWITCH = "vmckpt.restore.warmRandom";

    /** Waits for this JVM's class preload threads to end. */
    private static void awaitPreload() throws InterruptedException {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("preload-classes")) t.join(30_000);
        }
    }

    @Test
    void thePreloadDrawsFromASecureRandomOnlyWhenSwitchedOnForARestore() throws Exception {
        String before = System.getProperty(SWITCH);
        try {
            System.clearProperty(SWITCH);
            assertFalse(Main.warmRandomEnabled(), "off by default");
            awaitPreload();
            Main.randomWarmed = false;
            Main.preload(new String[] {"restore", "none", "--lazy"});
            awaitPreload();
            assertFalse(Main.randomWarmed, "not warmed with the switch off");

            System.setProperty(SWITCH, "true");
            Main.preload(new String[] {"run"});
            awaitPreload();
            assertFalse(Main.randomWarmed, "not warmed for `run`");
            Main.preload(new String[] {"restore", "none", "--lazy"});
            awaitPreload();
            assertTrue(Main.randomWarmed, "warmed by a restore's preload with the switch on");
        } finally {
            if (before == null) System.clearProperty(SWITCH); else System.setProperty(SWITCH, before);
        }
    }
}
