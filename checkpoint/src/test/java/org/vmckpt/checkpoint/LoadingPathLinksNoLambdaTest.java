package org.vmckpt.checkpoint;

import org.junit.jupiter.api.Test;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Handle;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The eager restore's loading path links no lambda or method reference that the class-data archive cannot hold (round 64,
 * restore64): {@code window::close} in {@code Restorer.loadPagesEagerly} (the archive's training opens no window) and
 * {@code Comparator.comparingInt} in {@code Checkpoint.dataBatches} and PageLoader's work list (the JDK's serializable
 * comparator lambda, never archived) were spun at run time in every restore, with the JDK's bytecode generator and
 * LambdaForms, inside the loading phase. (Lambdas of the jar's own classes that the training runs are archived: they
 * stay.)
 */
class LoadingPathLinksNoLambdaTest {
    /** Each method's invokedynamic call sites, as "indy name", and its calls, as "call owner.name". */
    private static List<String> links(Class<?> c, String method) throws IOException {
        List<String> out = new ArrayList<>();
        boolean[] found = {false};
        try (InputStream in = c.getResourceAsStream(c.getSimpleName() + ".class")) {
            new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    if (!name.equals(method)) return null;
                    found[0] = true;
                    return new MethodVisitor(Opcodes.ASM9) {
                        @Override
                        public void visitInvokeDynamicInsn(String n, String d, Handle bsm, Object... args) {
                            out.add("indy " + n);
                        }

                        @Override
                        public void visitMethodInsn(int opcode, String owner, String n, String d, boolean itf) {
                            out.add("call " + owner + "." + n);
                        }
                    };
                }
            }, 0);
        }
        assertTrue(found[0], c.getSimpleName() + "." + method + " exists");
        return out;
    }

    @Test
    void theLoadingPathsSortsAndTheWindowsCloserAreClasses() throws IOException {
        for (List<String> l : List.of(links(org.vmckpt.checkpoint.store.Checkpoint.class, "dataBatches"), links(PageLoader.class, "<init>"))) {
            assertTrue(l.stream().noneMatch(x -> x.startsWith("call java/util/Comparator.comparing")), "no Comparator.comparing*: " + l);
        }
        // The page sink is handed to the batch reader as it is: no sink::page wrapper (round 74).
        List<String> load = links(PageLoader.class, "load");
        assertTrue(load.stream().noneMatch(x -> x.startsWith("indy")), "no lambda or method reference in PageLoader.load: " + load);
        List<String> eager = links(Restorer.class, "loadPagesEagerly");
        assertTrue(eager.contains("indy accept"), "the progress report's lambda (archived: the training runs it): " + eager);
        assertTrue(!eager.contains("indy run"), "no Runnable made by a lambda (window::close): " + eager);
    }
}
