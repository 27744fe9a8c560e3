import java.lang.reflect.Field;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;

/**
 * Round 83 (rethot83): a deterministic boot whose hot-tier decisions follow from guest instructions alone, to show that a
 * change leaves the default's hot tier as it was. `vmckpt run --deterministic` builds units and hot builds synchronously,
 * but a C1 unit runs only once HotSpot has compiled it (the dispatcher's timed probe, CodeCache#ready) and a hot build is
 * installed only once a timed look finds it compiled: both read the clock, so two runs of one jar already differ (the
 * hot log's decisions by a few runs, its installs by looks). This sets the cache's two test switches
 * (CodeCache#runUncompiled: a C1 unit runs as soon as it is built; CodeCache#promoteUncompiled: a hot build is installed
 * at its first look), which TranslatorLinuxOracleTest uses for the same reason, and otherwise runs the defaults. Run
 * with -Dvmckpt.jit.hotLog=true: the hot log (stderr) and the state hashes (stdout) are then equal run to run.
 *
 *   java -Dvmckpt.jit.hotLog=true -cp JAR bench/cpu/DetHot.java KERNEL INITRD CMDLINE-FILE MEM-MiB POINT...
 */
public class DetHot {
    public static void main(String[] a) throws Exception {
        Class<?> mc = Class.forName("org.vmckpt.machine.MachineConfig"), m = Class.forName("org.vmckpt.machine.Machine");
        Class<?> dc = Class.forName("org.vmckpt.machine.MachineConfig$DiskConfig");
        Object config = mc.getConstructor(long.class, Path.class, Path.class, String.class, Path.class, Path.class, List.class,
                boolean.class, boolean.class, boolean.class).newInstance(Long.parseLong(a[3]) << 20, Path.of(a[0]), Path.of(a[1]),
                java.nio.file.Files.readString(Path.of(a[2])).trim(), null, null, List.of(), true, false, true);
        StringBuilder console = new StringBuilder();
        Object machine = m.getConstructor(mc, java.util.function.IntConsumer.class).newInstance(config,
                (java.util.function.IntConsumer) b -> console.append((char) b));
        Object hart = m.getMethod("hart", int.class).invoke(machine, 0);
        hart.getClass().getMethod("setTranslation", boolean.class).invoke(hart, true);
        Field cf = hart.getClass().getDeclaredField("codeCache");
        cf.setAccessible(true);
        Object cache = cf.get(hart);
        for (String f : new String[] {"runUncompiled", "promoteUncompiled"}) {
            Field x = cache.getClass().getDeclaredField(f);
            x.setAccessible(true);
            x.setBoolean(cache, true);
        }
        m.getMethod("boot").invoke(machine);
        long done = 0;
        Field instret = hart.getClass().getField("instret");
        for (int i = 4; i < a.length; i++) {
            long p = Long.parseLong(a[i]);
            Object r = m.getMethod("run", long.class).invoke(machine, p - done);
            done = p;
            System.out.printf("at %d (instret %d, ended %s): state %s%n", p, instret.getLong(hart), r,
                    HexFormat.of().formatHex((byte[]) m.getMethod("stateHash").invoke(machine)));
        }
        System.out.println("stats " + hart.getClass().getMethod("translationStats").invoke(hart));
        System.out.println("console " + console.length() + " chars, last: " + console.substring(Math.max(0, console.length() - 200)).replace('\n', '|'));
        Object v = m.getMethod("virtio").invoke(machine);
        v.getClass().getMethod("close").invoke(v);
        System.exit(0);
    }
}
