package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** HotSpot accepts the translator's compiler directives and they name what they must keep from C2. */
class UnitCompilerDirectivesTest {
    @Test
    void theDirectivesParseAndCoverUnitsTheTranslatorAndAsm() throws Exception {
        // Both sets: the one for HotSpot's own policy, and the one used with the WhiteBox API (blocking C1 compiles).
        UnitCompilerDirectives.add(UnitCompilerDirectives.json(false)); // throws if HotSpot rejects the JSON
        UnitCompilerDirectives.add(UnitCompilerDirectives.json(true));
        String printed = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesPrint",
                new Object[0], new String[0]);
        assertTrue(printed.contains("org/vmckpt/machine/cpu/Unit*.*"), printed);
        assertTrue(printed.contains("org/vmckpt/machine/cpu/Translator*.*"), printed);
        assertTrue(printed.contains("org/objectweb/asm/*.*"), printed);
        assertTrue(printed.contains("BackgroundCompilation:false"), printed);
    }
}
