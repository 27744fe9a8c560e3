package org.vmckpt.checkpoint;

import org.vmckpt.machine.Isa;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.MachineConfig;
import org.vmckpt.machine.device.virtio.VirtioBlk;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine configuration as a checkpoint stores it (a flat string map), and back. Restoring needs the
 * same disks: each base image is named by path and by SHA-256, and the content must match on restore. The
 * kernel and initrd live in RAM; only pages stored as references to them need the files again (their paths
 * and hashes are added by {@link PageSources#describe}).
 */
public final class MachineDescription {
    private MachineDescription() { }

    /** Keys that must be equal for a checkpoint to be restored onto a machine. */
    static final List<String> IDENTITY_KEYS = List.of("arch", "extensions", "cbozBlockSize", "harts", "memory", "disks", "balloon", "rng",
            "deterministic", "firmware", "net");

    public static Map<String, String> describe(Machine m) throws IOException {
        MachineConfig c = m.config();
        Map<String, String> map = new LinkedHashMap<>(c.identity());
        List<VirtioBlk> disks = m.virtio().disks();
        for (int i = 0; i < disks.size(); i++) {
            VirtioBlk d = disks.get(i);
            map.put("disk." + i + ".path", d.baseImagePath().toAbsolutePath().toString());
            map.put("disk." + i + ".sha256", diskSha256(d));
            map.put("disk." + i + ".rw", Boolean.toString(d.isWriteThrough()));
        }
        if (c.elf() != null) map.put("elf.path", c.elf().toAbsolutePath().toString());
        map.put("cmdline", c.cmdline());
        // The network's host side (backend and forwards): not identity, but what a restore opens again by default.
        if (c.net() != null) map.put("net.backend", c.net());
        return map;
    }

    /**
     * The SHA-256 of a disk's base image, remembered by the file's identity ({@link FileDigests}); a write-through
     * disk's image is the guest's to change, so it is hashed in full every time.
     */
    public static String diskSha256(VirtioBlk d) throws IOException {
        return d.isWriteThrough() ? d.baseImageSha256() : FileDigests.user().sha256(d.baseImagePath(), d::baseImageSha256);
    }

    /** Rebuilds the configuration a checkpoint was taken with. */
    public static MachineConfig configOf(Map<String, String> map) throws RestoreException {
        String isa = isaMismatch(map, MachineConfig.putIsa(new LinkedHashMap<>()));
        if (isa != null) throw new RestoreException(isa);
        try {
            long memory = Long.parseLong(required(map, "memory"));
            int diskCount = Integer.parseInt(required(map, "disks"));
            List<MachineConfig.DiskConfig> disks = new ArrayList<>();
            for (int i = 0; i < diskCount; i++) {
                boolean rw = Boolean.parseBoolean(required(map, "disk." + i + ".rw"));
                if (rw) {
                    throw new RestoreException("the checkpoint's disk " + i + " was attached read-write (,rw): its image has changed since, "
                            + "so the checkpoint cannot be restored consistently");
                }
                disks.add(new MachineConfig.DiskConfig(Path.of(required(map, "disk." + i + ".path")), false));
            }
            String firmware = required(map, "firmware");
            Path elf = map.containsKey("elf.path") ? Path.of(map.get("elf.path")) : null;
            if (!firmware.equals("builtin-sbi") && !firmware.equals("elf")) {
                // External firmware lives in RAM like the kernel; we only need to know there is no built-in SBI.
                if (!firmware.equals("external")) throw new RestoreException("unknown firmware kind '" + firmware + "' in the checkpoint");
            }
            Path bios = firmware.equals("external") ? Path.of("/dev/null") : null;
            return new MachineConfig(memory, null, null, map.getOrDefault("cmdline", ""), bios, firmware.equals("elf") ? elf : null,
                    disks, Boolean.parseBoolean(required(map, "balloon")), Boolean.parseBoolean(required(map, "rng")),
                    Boolean.parseBoolean(required(map, "deterministic")))
                    .withNet(map.containsKey("net") ? required(map, "net.backend") : null);
        } catch (NumberFormatException e) {
            throw new RestoreException("the checkpoint's machine configuration is malformed: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new RestoreException("the checkpoint's machine configuration is invalid: " + e.getMessage());
        }
    }

    private static String required(Map<String, String> map, String key) throws RestoreException {
        String v = map.get(key);
        if (v == null) throw new RestoreException("the checkpoint's machine configuration lacks '" + key + "'");
        return v;
    }

    /**
     * The instruction set a checkpoint's guest saw (its multi-letter extensions, and Zicboz's block size) against this
     * process's, as a sentence naming both and the switches that give the checkpoint's; null if they are the same. A
     * checkpoint that records no extensions was taken with {@link Isa#BASE_MULTI_LETTER}.
     */
    public static String isaMismatch(Map<String, String> checkpoint, Map<String, String> machine) {
        String a = checkpoint.getOrDefault("extensions", Isa.BASE_MULTI_LETTER), b = machine.getOrDefault("extensions", Isa.BASE_MULTI_LETTER);
        String ab = checkpoint.get("cbozBlockSize"), bb = machine.get("cbozBlockSize");
        if (a.equals(b) && java.util.Objects.equals(ab, bb)) return null;
        List<String> want = List.of(a.split("_"));
        String zicboz = want.contains("zicboz") ? "-Dvmckpt.isa.zicboz=true" + (ab != null ? " -Dvmckpt.isa.cbozBlockSize=" + ab : "")
                : "-Dvmckpt.isa.zicboz=false";
        return "the guest was started with the ISA extensions " + a + (ab != null ? " (cbo.zero blocks of " + ab + " bytes)" : "")
                + ", this process offers " + b + (bb != null ? " (cbo.zero blocks of " + bb + " bytes)" : "")
                + ": its kernel patched its code for the set it saw, so continue it in a JVM started with the same switches ("
                + zicboz + ", and the same -Dvmckpt.isa.* switch of any other extension)";
    }

    /** Human-readable differences in the identity keys, empty if the two machines are compatible. */
    public static List<String> differences(Map<String, String> checkpoint, Map<String, String> machine) {
        List<String> diffs = new ArrayList<>();
        String isa = isaMismatch(checkpoint, machine);
        if (isa != null) diffs.add(isa);
        for (String k : IDENTITY_KEYS) {
            if (k.equals("extensions") || k.equals("cbozBlockSize")) continue; // isaMismatch's
            String a = checkpoint.get(k), b = machine.get(k);
            if (a == null ? b != null : !a.equals(b)) diffs.add(k + ": checkpoint has " + a + ", this machine has " + b);
        }
        return diffs;
    }
}
