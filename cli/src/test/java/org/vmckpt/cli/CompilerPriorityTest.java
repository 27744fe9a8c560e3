package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CompilerPriority, in a child JVM with the native helper (OldGenPrefaultTest builds it if ./build has not): HotSpot's
 * C1 and C2 compiler threads are found by name, put at the asked nice until the guest idles, and put back at the nice
 * they had once it has; by default (off), or without the helper, nothing changes. Setting a nice below a thread's
 * own needs CAP_SYS_NICE, so the test runs as root only (as ./build and the launcher's priorities do).
 */
class CompilerPriorityTest {
    static final int NICE = 3; // (neither the JVM's -4 as root nor 0: a change shows)

    /** Run in the child JVM: prints "threads BEFORE | DURING | AFTER" (each a list of the compiler threads' nice values). */
    public static void main(String[] args) throws Exception {
        int[] tids = CompilerPriority.compilerThreads();
        String before = nices(tids);
        AtomicBoolean idled = new AtomicBoolean();
        Map<Integer, Integer> changed = CompilerPriority.startIfEnabled(idled::get);
        String during = nices(tids);
        idled.set(true);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!nices(tids).equals(before) && System.nanoTime() < deadline) Thread.sleep(20);
        System.out.println(tids.length + " " + changed.size() + " " + before + "|" + during + "|" + nices(tids));
    }

    static String nices(int[] tids) {
        StringBuilder sb = new StringBuilder();
        for (int tid : tids) sb.append(CompilerPriority.niceOf(tid)).append(',');
        return sb.toString();
    }

    @Test
    void theCompilerThreadsRunAtTheAskedNiceUntilTheGuestIdlesThenAsBefore() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "setting a lower nice needs root");
        String[] r = child("-D" + CompilerPriority.PROPERTY + "=" + NICE).split(" ", 3);
        int threads = Integer.parseInt(r[0]);
        String[] phases = r[2].split("\\|", -1);
        assertTrue(threads >= 2, "a C1 and a C2 compiler thread were found: " + threads);
        assertEquals(threads, Integer.parseInt(r[1]), "every compiler thread was changed");
        assertEquals((NICE + ",").repeat(threads), phases[1], "while the guest is cold every compiler thread runs at nice " + NICE);
        assertEquals(phases[0], phases[2], "once the guest idled they are back at their nice before");
        assertNotEquals(phases[0], phases[1]);
    }

    @Test
    void offByDefaultOrWithoutTheHelperNothingChanges() throws Exception {
        String[][] cases = {{"-Dunset=1"}, {"-D" + CompilerPriority.PROPERTY + "=off"},
                {"-D" + CompilerPriority.PROPERTY + "=" + NICE, "-D" + NativeMemory.LIBRARY_PROPERTY + "="}};
        for (String[] opts : cases) {
            String off = String.join(" ", opts);
            String[] r = child(opts).split(" ", 3);
            String[] phases = r[2].split("\\|", -1);
            assertEquals("0", r[1], off);
            assertEquals(phases[0], phases[1], off + ": the compiler threads keep their nice");
        }
    }

    static String child(String... opts) throws Exception {
        return ChildJvm.withNativeHelper(CompilerPriorityTest.class, opts);
    }
}
