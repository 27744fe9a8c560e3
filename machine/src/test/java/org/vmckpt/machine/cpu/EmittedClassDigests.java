package org.vmckpt.machine.cpu;

import java.io.FileInputStream;
import java.lang.reflect.Field;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

/**
 * The emitted classes of a unit corpus, one digest per entry (a tool, not a test; round 83): the proof that retiring a
 * translator switch left the default's bytecode as it was. Reads a corpus of C1 units' inputs ({@link UnitCorpus}:
 * {@code -Dvmckpt.jit.corpus=FILE} on a real run) and generates every entry again, with the default settings, in each
 * form the code cache asks of the translator: the C1 unit as the translator thread builds it ({@code c1}), its rebuild
 * with the slow paths' calls ({@code c1calls}: CodeCache#missLeft), and the hot-tier build of the same entry promoted in
 * kernel mode ({@code hotK}) and in user mode ({@code hotU}), each also with {@code missCalls} (the adaptive rule's
 * rebuild). Each form gets a fresh {@link Translator}; the digest is SHA-256 of {@link Translator#lastClassBytes}, or
 * "-" for no unit. Prints one line per entry (its index, key and the forms' digests) and a last line with the digest of
 * all lines. Compiled against another tree's classes (main's), the same file gives that tree's digests: every line
 * equal is the proof.
 * <pre>
 * java -cp machine/target/classes:machine/target/test-classes:$ASM org.vmckpt.machine.cpu.EmittedClassDigests CORPUS...
 * </pre>
 * Fields are set by reflection, so that the file compiles against a tree where some of them were retired (a missing
 * field is left alone: its form is then the default's by construction). Since round 84 main's translator has neither
 * {@code userMode} nor {@code missCalls}: there the {@code hotU} and {@code *mc} forms are the {@code hotK} form again,
 * still printed so that a line compares with an older tree's.
 */
public final class EmittedClassDigests {
    private EmittedClassDigests() { }

    private static void set(Translator t, String field, Object value) throws Exception {
        Field f;
        try {
            f = Translator.class.getDeclaredField(field);
        } catch (NoSuchFieldException absent) {
            return;
        }
        f.setAccessible(true);
        f.set(t, value);
    }

    private static String form(UnitCorpus.Entry e, boolean hot, boolean userMode, boolean c1Calls, boolean missCalls)
            throws Exception {
        Translator t = new Translator(Translator.BACKGROUND_NAME);
        set(t, "wordLogic", e.wordLogic());
        set(t, "userMode", userMode);
        set(t, "c1Calls", c1Calls);
        set(t, "missCalls", missCalls);
        TranslatedUnit u = t.translate(e.code(), e.pageIndex(), e.nextCode(), e.nextIndex(), e.entryOff(), hot,
                e.maxLoop(), e.maxStraight(), e.localBytes());
        if (u == null) return "-";
        byte[] d = MessageDigest.getInstance("SHA-256").digest(t.lastClassBytes);
        return HexFormat.of().formatHex(d, 0, 8) + "/" + t.lastClassBytes.length;
    }

    public static void main(String[] args) throws Exception {
        MessageDigest all = MessageDigest.getInstance("SHA-256");
        int n = 0;
        for (String file : args) {
            List<UnitCorpus.Entry> corpus;
            try (FileInputStream in = new FileInputStream(file)) {
                corpus = UnitCorpus.read(in);
            }
            for (UnitCorpus.Entry e : corpus) {
                String line = String.format("%d %x c1 %s c1calls %s hotK %s hotKmc %s hotU %s hotUmc %s", n++,
                        e.pageIndex() * 4096L + e.entryOff(),
                        form(e, false, false, false, false), form(e, false, false, true, false),
                        form(e, true, false, false, false), form(e, true, false, false, true),
                        form(e, true, true, false, false), form(e, true, true, false, true));
                System.out.println(line);
                all.update((line + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        System.out.println("entries " + n + " all " + HexFormat.of().formatHex(all.digest()));
    }
}
