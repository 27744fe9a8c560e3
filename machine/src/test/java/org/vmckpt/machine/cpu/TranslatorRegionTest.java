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
import java.util.SplittableRandom;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The translator's own map of a region ({@link TranslatorRegion}) and set of offsets ({@link TranslatorBits}) behave as
 * the sorted map and bit set they replace, and the translator's code calls none of the JDK's collections, streams or
 * sorts (which HotSpot's policy would send to C2 because the translator thread calls them: docs/BENCHMARKS.md round 25).
 */
class TranslatorRegionTest {
    private static Translator.Insn insn(int off) {
        return new Translator.Insn(off, off * 31, 2 + (off & 2), 1);
    }

    @Test
    void regionAgreesWithASortedMapUnderRandomOperations() {
        SplittableRandom r = new SplittableRandom(25);
        for (int round = 0; round < 200; round++) {
            TranslatorRegion region = new TranslatorRegion();
            TreeMap<Integer, Translator.Insn> model = new TreeMap<>();
            TranslatorRegion other = new TranslatorRegion();
            TreeMap<Integer, Translator.Insn> otherModel = new TreeMap<>();
            int span = r.nextBoolean() ? 4096 : 8192;
            for (int op = 0; op < 300; op++) {
                int off = r.nextInt(span / 2) * 2;
                switch (r.nextInt(10)) {
                    case 0 -> {
                        region.clearFrom(off);
                        model.tailMap(off, true).clear();
                    }
                    case 1 -> {
                        other.put(off, insn(off));
                        otherModel.put(off, insn(off));
                    }
                    case 2 -> {
                        region.putAll(other);
                        model.putAll(otherModel);
                    }
                    default -> {
                        region.put(off, insn(off));
                        model.put(off, insn(off));
                    }
                }
                assertEquals(model.size(), region.size());
                assertEquals(model.isEmpty(), region.isEmpty());
                assertEquals(model.containsKey(off), region.containsKey(off));
                assertEquals(model.get(off), region.get(off));
                Integer ceiling = model.ceilingKey(off);
                assertEquals(ceiling == null ? -1 : ceiling, region.next(off));
                assertEquals(model.isEmpty() ? -1 : model.firstKey(), region.firstKey());
                assertEquals(model.isEmpty() ? -1 : model.lastKey(), region.lastKey());
                assertEquals(model.keySet().containsAll(otherModel.keySet()), region.containsAll(other));
            }
            assertArrayEquals(model.keySet().stream().mapToInt(Integer::intValue).toArray(), region.keySet());
            assertArrayEquals(model.values().toArray(), region.values());
        }
        TranslatorRegion region = new TranslatorRegion();
        assertEquals(null, region.get(-2));
        assertEquals(null, region.get(8192));
        region.put(100, insn(100));
        assertEquals(null, region.get(101), "no instruction at an odd offset");
        region.put(8190, insn(8190));
        assertEquals(8190, region.next(8189));
        assertEquals(-1, region.next(8191));
    }

    @Test
    void bitsAgreeWithABitSet() {
        SplittableRandom r = new SplittableRandom(7);
        TranslatorBits bits = new TranslatorBits(8192);
        java.util.BitSet model = new java.util.BitSet(8192);
        for (int op = 0; op < 20_000; op++) {
            int i = r.nextInt(8192);
            if (r.nextInt(3) == 0) {
                bits.clear(i);
                model.clear(i);
            } else {
                bits.set(i);
                model.set(i);
            }
            int from = r.nextInt(8200);
            assertEquals(model.nextSetBit(from), bits.nextSetBit(from), "from " + from);
            assertEquals(model.get(i), bits.get(i));
        }
        assertEquals(false, bits.get(-1));
        assertEquals(false, bits.get(1 << 20));
    }

    /**
     * No method calls from the translator's classes into the JDK's maps, sets, queues, bit sets, streams or sorts (an
     * int constant given to ASM's visitLdcInsn is boxed: that stays).
     */
    @Test
    void theTranslatorCallsNoJdkCollectionsStreamsOrSorts() throws IOException {
        List<String> found = new ArrayList<>();
        for (Class<?> c : List.of(Translator.class, TranslatorRegion.class, TranslatorBits.class)) {
            for (String name : classAndNested(c)) {
                try (InputStream in = c.getResourceAsStream("/" + name + ".class")) {
                    assertNotNull(in, name);
                    new ClassReader(in).accept(new ClassVisitor(Opcodes.ASM9) {
                        @Override
                        public MethodVisitor visitMethod(int access, String method, String descriptor, String signature, String[] exceptions) {
                            return new MethodVisitor(Opcodes.ASM9) {
                                @Override
                                public void visitMethodInsn(int opcode, String owner, String callee, String desc, boolean itf) {
                                    if (forbidden(owner, callee)) found.add(name + "." + method + " calls " + owner + "." + callee);
                                }
                            };
                        }
                    }, ClassReader.SKIP_DEBUG);
                }
            }
        }
        assertTrue(found.isEmpty(), String.join("\n", found));
    }

    private static boolean forbidden(String owner, String method) {
        return owner.startsWith("java/util/stream/") || owner.equals("java/util/TreeMap") || owner.equals("java/util/HashMap")
                || owner.equals("java/util/HashSet") || owner.equals("java/util/ArrayDeque") || owner.equals("java/util/BitSet")
                || owner.equals("java/util/Map") || owner.equals("java/util/Set")
                || owner.equals("java/util/Arrays") && (method.equals("sort") || method.equals("stream") || method.equals("binarySearch"))
                || owner.equals("java/util/List") && method.equals("sort");
    }

    /** The class's internal name and those of its nested classes that the compiler wrote (Translator$1 ...). */
    private static List<String> classAndNested(Class<?> c) {
        List<String> names = new ArrayList<>();
        String base = c.getName().replace('.', '/');
        names.add(base);
        for (Class<?> n : c.getDeclaredClasses()) names.add(n.getName().replace('.', '/'));
        return names;
    }
}
