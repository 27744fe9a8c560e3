package org.vmckpt.machine.cpu;

import java.lang.reflect.Executable;
import java.lang.reflect.Modifier;

/**
 * Asks HotSpot for the translator's own code at C1 tier 1 (no profiling) at once, through the WhiteBox API as units are
 * ({@link HotSpotCompiler#requestMethod}), when the translator thread starts ({@code -Dvmckpt.jit.translatorTier1=true};
 * off by default, round 82). The compiler directive keeps the translator's classes and ASM's from C2 only
 * ({@link UnitCompilerDirectives#TRANSLATOR_C1_ONLY}), so HotSpot's tiered policy compiled them at tier 3 or 2 first (C1
 * with profiling: costlier to compile, slower to run) and again at tier 1 once C2 had refused them: in logged boots to
 * /init 212-297 tier-3 and 113-156 tier-2 compiles before 101-123 at tier 1, about a quarter of C1's work in a boot, on
 * the core the translator thread and C1 share (docs/BENCHMARKS.md, round 81, lukewarm81's "Noticed (a)"; round 82).
 * Tier 1 is where the policy ends them anyway: asked for at once, they skip the profiled tiers.
 *
 * <p>Which methods: every method of the translator's own classes ({@link #TRANSLATOR_CLASSES}: a boot compiles ~100
 * of Translator's ~170, and the rest are its rarer instruction kinds' emitters, small), and of ASM the methods a boot
 * compiled ({@link #ASM_METHODS}, the library's version is fixed: ASM's classes hold many methods the translator never
 * calls, such as the class reader's). Not the JDK's methods the translator calls (strings, lists, the hidden class's
 * definition, reflection): the run thread and the rest of the VMM run them too, and tier-1 code is final for the policy.
 * A method that has tier-1 code or a queued compile already is not asked for. The requests are background compiles,
 * queued once per JVM by the thread that builds the first unit, as it installs the compiler directives
 * ({@link UnitCompilerDirectives#install}): the translator thread as it starts, before its first job (while the main
 * thread still builds the machine and loads its boot files), or the guest's thread where it translates itself
 * (deterministic mode, tests); in the order of the lists; nothing waits for them.
 *
 * <p>Without the WhiteBox API, or with the directive off ({@code -Dvmckpt.jit.translatorC1=false}: C2 may take the
 * translator, and tier 1 would stop it), nothing is asked for.
 */
final class TranslatorTier1 {
    /** The switch ({@code -Dvmckpt.jit.translatorTier1=true}); off by default. */
    static final boolean ENABLED = Boolean.getBoolean("vmckpt.jit.translatorTier1");

    /** The translator's own classes: all their methods and constructors (not abstract, not native). */
    static final String[] TRANSLATOR_CLASSES = {
            "org.vmckpt.machine.cpu.Translator", "org.vmckpt.machine.cpu.Translator$Insn",
            "org.vmckpt.machine.cpu.TranslatorRegion", "org.vmckpt.machine.cpu.TranslatorBits",
    };

    /**
     * ASM's methods the translator runs, "class#name" (every overload; {@code <init>}: the constructors): those a signed
     * guest's boot to /init compiled at any tier on main's jar (fdb433c2, round 82's counts), the bytecode writer's
     * (ClassWriter, MethodWriter, SymbolTable, ByteVector, Label, Type, Frame for the frames the translator visits).
     */
    static final String[] ASM_METHODS = {
            "org.objectweb.asm.ClassWriter#<init>", "org.objectweb.asm.ClassWriter#visit", "org.objectweb.asm.ClassWriter#visitMethod",
            "org.objectweb.asm.ClassWriter#toByteArray", "org.objectweb.asm.ClassVisitor#<init>",
            "org.objectweb.asm.MethodVisitor#<init>", "org.objectweb.asm.MethodWriter#<init>",
            "org.objectweb.asm.MethodWriter#visitCode", "org.objectweb.asm.MethodWriter#visitEnd",
            "org.objectweb.asm.MethodWriter#visitInsn", "org.objectweb.asm.MethodWriter#visitIntInsn",
            "org.objectweb.asm.MethodWriter#visitVarInsn", "org.objectweb.asm.MethodWriter#visitFieldInsn",
            "org.objectweb.asm.MethodWriter#visitMethodInsn", "org.objectweb.asm.MethodWriter#visitJumpInsn",
            "org.objectweb.asm.MethodWriter#visitLabel", "org.objectweb.asm.MethodWriter#visitLdcInsn",
            "org.objectweb.asm.MethodWriter#visitIincInsn", "org.objectweb.asm.MethodWriter#visitFrame",
            "org.objectweb.asm.MethodWriter#visitFrameStart", "org.objectweb.asm.MethodWriter#visitAbstractType",
            "org.objectweb.asm.MethodWriter#visitFrameEnd", "org.objectweb.asm.MethodWriter#putFrame",
            "org.objectweb.asm.MethodWriter#visitMaxs", "org.objectweb.asm.MethodWriter#endCurrentBasicBlockWithNoSuccessor",
            "org.objectweb.asm.MethodWriter#hasFrames", "org.objectweb.asm.MethodWriter#hasAsmInstructions",
            "org.objectweb.asm.MethodWriter#computeMethodInfoSize", "org.objectweb.asm.MethodWriter#putMethodInfo",
            "org.objectweb.asm.SymbolTable#<init>", "org.objectweb.asm.SymbolTable#putBootstrapMethods", "org.objectweb.asm.SymbolTable#get", "org.objectweb.asm.SymbolTable#put", "org.objectweb.asm.SymbolTable#hash",
            "org.objectweb.asm.SymbolTable#addConstant", "org.objectweb.asm.SymbolTable#addConstantClass",
            "org.objectweb.asm.SymbolTable#addConstantFieldref", "org.objectweb.asm.SymbolTable#addConstantMethodref",
            "org.objectweb.asm.SymbolTable#addConstantMemberReference", "org.objectweb.asm.SymbolTable#addConstantNameAndType",
            "org.objectweb.asm.SymbolTable#addConstantIntegerOrFloat", "org.objectweb.asm.SymbolTable#addConstantLong",
            "org.objectweb.asm.SymbolTable#addConstantLongOrDouble", "org.objectweb.asm.SymbolTable#addConstantUtf8",
            "org.objectweb.asm.SymbolTable#addConstantUtf8Reference", "org.objectweb.asm.SymbolTable#addType",
            "org.objectweb.asm.SymbolTable#addTypeInternal", "org.objectweb.asm.SymbolTable#getClassName",
            "org.objectweb.asm.SymbolTable#getConstantPoolCount", "org.objectweb.asm.SymbolTable#getMajorVersion",
            "org.objectweb.asm.SymbolTable#setMajorVersionAndClassName", "org.objectweb.asm.SymbolTable$Entry#<init>",
            "org.objectweb.asm.Symbol#<init>", "org.objectweb.asm.Symbol#getArgumentsAndReturnSizes",
            "org.objectweb.asm.ByteVector#<init>", "org.objectweb.asm.ByteVector#enlarge", "org.objectweb.asm.ByteVector#putByte",
            "org.objectweb.asm.ByteVector#put11", "org.objectweb.asm.ByteVector#put12", "org.objectweb.asm.ByteVector#put122",
            "org.objectweb.asm.ByteVector#putShort", "org.objectweb.asm.ByteVector#putInt", "org.objectweb.asm.ByteVector#putLong",
            "org.objectweb.asm.ByteVector#putUTF8", "org.objectweb.asm.ByteVector#putByteArray",
            "org.objectweb.asm.Label#<init>", "org.objectweb.asm.Label#put", "org.objectweb.asm.Label#addForwardReference",
            "org.objectweb.asm.Label#resolve",
            "org.objectweb.asm.Type#<init>", "org.objectweb.asm.Type#getObjectType", "org.objectweb.asm.Type#getTypeInternal",
            "org.objectweb.asm.Type#getDescriptor", "org.objectweb.asm.Type#getArgumentCount", "org.objectweb.asm.Type#getArgumentTypes",
            "org.objectweb.asm.Type#getArgumentsAndReturnSizes",
            "org.objectweb.asm.Frame#accept", "org.objectweb.asm.Frame#putAbstractType", "org.objectweb.asm.Frame#getAbstractTypeFromApiFormat",
            "org.objectweb.asm.Frame#getAbstractTypeFromDescriptor", "org.objectweb.asm.Frame#setInputFrameFromDescriptor",
            "org.objectweb.asm.Handler#getExceptionTableLength", "org.objectweb.asm.Handler#getExceptionTableSize",
            "org.objectweb.asm.Handler#putExceptionTable",
            "org.objectweb.asm.Attribute#computeAttributesSize", "org.objectweb.asm.Attribute#putAttributes",
            "org.objectweb.asm.AnnotationWriter#computeAnnotationsSize", "org.objectweb.asm.AnnotationWriter#putAnnotations",
    };

    private static boolean done;
    private static int requested, skipped;

    private TranslatorTier1() { }

    /**
     * With the switch, once per JVM (the first translator thread to start): asks for the lists' methods at tier 1.
     * Returns how many compiles HotSpot queued (0 without the switch, the API or the directive). Never throws.
     */
    static int requestOnce() {
        synchronized (TranslatorTier1.class) {
            if (!ENABLED || done) return 0;
            done = true;
        }
        return request();
    }

    /**
     * Asks for every method the lists name that has no tier-1 code and no queued compile, at tier 1; returns how many
     * HotSpot queued (0 without the API or with the directive off). Never throws.
     */
    static int request() {
        if (!HotSpotCompiler.available() || !UnitCompilerDirectives.TRANSLATOR_C1_ONLY) return 0;
        int n = 0, s = 0;
        for (Executable m : methods()) {
            if (ask(m)) n++;
            else s++;
        }
        synchronized (TranslatorTier1.class) {
            requested += n;
            skipped += s;
        }
        return n;
    }

    private static boolean ask(Executable m) {
        if (HotSpotCompiler.methodTier(m, false) == HotSpotCompiler.TIER_C1 || HotSpotCompiler.methodQueued(m)) return false;
        return HotSpotCompiler.requestMethod(m, HotSpotCompiler.TIER_C1);
    }

    /** The methods the lists name, in their order (the translator's classes first); a name that resolves to none is skipped. */
    static java.util.List<Executable> methods() {
        java.util.ArrayList<Executable> out = new java.util.ArrayList<>();
        ClassLoader loader = TranslatorTier1.class.getClassLoader();
        for (String c : TRANSLATOR_CLASSES) {
            try {
                Class<?> k = Class.forName(c, false, loader);
                for (Executable m : k.getDeclaredConstructors()) if (compilable(m)) out.add(m);
                for (Executable m : k.getDeclaredMethods()) if (compilable(m)) out.add(m);
            } catch (ClassNotFoundException | LinkageError e) {
                // renamed or gone: TranslatorTier1Test names them
            }
        }
        for (String e : ASM_METHODS) out.addAll(methodsOf(e, loader));
        return out;
    }

    /** The methods entry {@code e} ("class#name", {@code <init>}: the constructors) names; empty if none. */
    static java.util.List<Executable> methodsOf(String e, ClassLoader loader) {
        java.util.ArrayList<Executable> out = new java.util.ArrayList<>();
        int hash = e.indexOf('#');
        String name = e.substring(hash + 1);
        try {
            Class<?> k = Class.forName(e.substring(0, hash), false, loader);
            for (Executable m : name.equals("<init>") ? k.getDeclaredConstructors() : k.getDeclaredMethods()) {
                if ((name.equals("<init>") || m.getName().equals(name)) && compilable(m)) out.add(m);
            }
        } catch (ClassNotFoundException | LinkageError ex) {
            // another ASM: nothing to ask for
        }
        return out;
    }

    private static boolean compilable(Executable m) {
        return !Modifier.isAbstract(m.getModifiers()) && !Modifier.isNative(m.getModifiers());
    }

    /** For --stats with the switch: the compiles asked for and the methods not asked for (code or a compile there). */
    static synchronized String summary() {
        return String.format("the translator's own code at tier 1 at once (-Dvmckpt.jit.translatorTier1): %,d methods asked for, %,d not (already at tier 1 or queued)%n",
                requested, skipped);
    }
}
