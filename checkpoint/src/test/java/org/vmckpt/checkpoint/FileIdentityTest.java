package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A file's identity ({@link FileDigests.Identity}) compares by all of its five fields, with a hash code that agrees; and
 * comparing two in a fresh JVM bootstraps no record methods ({@code java.lang.runtime.ObjectMethods}, whose method-handle
 * classes the class-data archive cannot hold: a cold eager restore compares the boot files' identities).
 */
class FileIdentityTest {
    @Test
    void identitiesCompareByEveryField() {
        FileDigests.Identity a = new FileDigests.Identity(1, 2, 3, 4, 5);
        assertEquals(a, new FileDigests.Identity(1, 2, 3, 4, 5));
        assertEquals(a.hashCode(), new FileDigests.Identity(1, 2, 3, 4, 5).hashCode());
        long[] f = {1, 2, 3, 4, 5};
        for (int i = 0; i < f.length; i++) {
            long[] g = f.clone();
            g[i]++;
            assertNotEquals(a, new FileDigests.Identity(g[0], g[1], g[2], g[3], g[4]), "field " + i);
        }
        assertNotEquals(a, null);
        assertNotEquals(a, "1 2 3 4 5");
    }

    /** Run in the child JVM: compares two identities and prints the result. */
    public static void main(String[] args) {
        System.out.println("equal " + new FileDigests.Identity(1, 2, 3, 4, 5).equals(new FileDigests.Identity(1, 2, 3, 4, 5))
                + " " + (new FileDigests.Identity(1, 2, 3, 4, 5).hashCode() == new FileDigests.Identity(1, 2, 3, 4, 5).hashCode()));
    }

    @Test
    void comparingIdentitiesInAColdJvmBootstrapsNoRecordMethods() throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xlog:class+load", "-cp", System.getProperty("java.class.path"), FileIdentityTest.class.getName()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertTrue(out.contains("equal true true"), out);
        assertFalse(out.contains("java.lang.runtime.ObjectMethods "), "the record's methods were bootstrapped");
    }
}
