package org.vmckpt.cli;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Executable;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * ./build's check of the class-data archive ({@code vmckpt cds-check}) names every method HotSpot will not compile:
 * here a method barred from C1 through the WhiteBox API, as an archived mark from the training run would bar it.
 */
class ClassDataSharingCheckTest {
    static final class Victims {
        static int barred(int x) {
            return x + 1;
        }

        static int fine(int x) {
            return x * 2;
        }
    }

    @Test
    void aMethodHotSpotWillNotCompileIsNamedAndNoOther() throws Exception {
        assumeTrue(HotSpotCompiler.available(), "the test JVM has no WhiteBox API");
        assertEquals(List.of(), ClassDataSharing.marked(List.of(Victims.class), 0), "nothing is marked yet");
        Class.forName("sun.hotspot.WhiteBox")
                .getMethod("makeMethodNotCompilable0", Executable.class, int.class, boolean.class)
                .invoke(null, Victims.class.getDeclaredMethod("barred", int.class), HotSpotCompiler.TIER_C1, false);
        List<String> marked = ClassDataSharing.marked(List.of(Victims.class), 0);
        assertEquals(1, marked.size(), marked.toString());
        assertTrue(marked.get(0).contains("barred") && marked.get(0).contains("(not C1)"), marked.get(0));
    }
}
