package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The dispatcher's trip between units calls nothing of the unit's but the unit itself: {@link Hart#run}'s bytecode names
 * no method of {@link TranslatedUnit} other than {@code run}. Its per-run bookkeeping ({@link TranslatedUnit#runCount})
 * is written out: as a call, C2 inlined it in some compiles of {@code Hart.run} and left it a call in others (a call and
 * a spill around it on every trip; perf of the compute phase, docs/BENCHMARKS.md round 62), and what C2 decides is not
 * something a test can hold; what the method asks it to call is.
 */
class DispatcherCallsTest {
    @Test
    void hartRunCallsNoHelperOfTheUnit() throws IOException {
        List<String> calls = new ArrayList<>();
        String unit = Type.internalName(TranslatedUnit.class);
        try (InputStream in = Hart.class.getResourceAsStream("Hart.class")) {
            assertNotNull(in, "Hart.class");
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    if (!name.equals("run") || !descriptor.equals("(I)I")) return null;
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitMethodInsn(int opcode, String owner, String method, String desc, boolean itf) {
                            calls.add(owner + "." + method);
                        }
                    };
                }
            }, ClassReader.SKIP_DEBUG);
        }
        assertTrue(calls.contains(unit + ".run"), "Hart.run calls the unit: " + calls);
        List<String> helpers = calls.stream().filter(c -> c.startsWith(unit + ".") && !c.equals(unit + ".run")).toList();
        assertEquals(List.of(), helpers, "methods of TranslatedUnit that Hart.run calls besides run");
    }

    /** The internal name ASM reports for a class. */
    private static final class Type {
        static String internalName(Class<?> c) {
            return c.getName().replace('.', '/');
        }
    }
}
