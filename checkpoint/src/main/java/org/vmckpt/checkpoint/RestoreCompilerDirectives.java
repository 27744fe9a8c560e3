package org.vmckpt.checkpoint;

/**
 * Keeps the code that reads a stored checkpoint's pages into a machine (eager and lazy restore, reset) out of C2: HotSpot
 * compiles it with C1 only, through a compiler directive added once per JVM when the first restore starts (on a thread
 * of its own, {@link #installInBackground}), as
 * {@code UnitCompilerDirectives} does for translated units.
 *
 * <p>Why: an eager restore runs each of these methods a few thousand times (once per frame, per page, per extent) and
 * then never again, while its real work is native (zstd), an intrinsic (CRC32C, the page copies) or the collector's. Under
 * the tiered policy C2 compiled them anyway (with {@code -XX:PerMethodTrapLimit=0}, every branch, the error paths' string
 * building included): {@code Checkpoint.readPage} with 1.5 KB of inlined bytecode, the install loop's OSR, the frame
 * loop; on a two-core host C2 took 0.2-0.25 s of CPU from the restore's loaders (docs/BENCHMARKS.md, restore17), and
 * several of its compiles landed after the pages were in: pure cost. C1's code (tier 1, once its profile asks for C2)
 * runs these loops about as fast, as their time is in native code.
 *
 * <p>Only restore code is named: classes of the checkpoint's read side that nothing else runs, and {@code PageDelta.apply}
 * (not guest memory, which a migration's destination also fills, nor the engine's save side, the migration or the
 * machine). Needs HotSpot's
 * WhiteBox API (the launcher's JVM has it, see {@code HotSpotCompiler}); without it nothing changes.
 * {@code -Dvmckpt.restore.c1Only=false} turns it off (A/B runs).
 */
final class RestoreCompilerDirectives {
    /** HotSpot method patterns (package/Class.method, {@code *} at an end) of the code that reads a checkpoint into a machine. */
    static final String[] RESTORE_CODE = {
            "org/vmckpt/checkpoint/Restorer*.*",        // the restore itself, its install loop and its lambdas
            "org/vmckpt/checkpoint/PageLoader*.*",      // the loaders' threads (eager and lazy), their sinks
            "org/vmckpt/checkpoint/CheckpointPages.*",  // one stored page into a buffer (lazy restore's faults, reset)
            "org/vmckpt/checkpoint/BootFileDeltaBases.*", // a boot-file delta page's base read and XORed in
            "org/vmckpt/checkpoint/store/Checkpoint.*", // an opened checkpoint: page table look-ups, readPage
            "org/vmckpt/checkpoint/store/PackReader.*", // frames: header, CRC, decompression
            "org/vmckpt/checkpoint/store/BatchReader*.*",
            "org/vmckpt/checkpoint/store/FrameBatch.*",
            "org/vmckpt/checkpoint/store/FrameCache*.*",
            // A boot-file delta page's XOR applied to its base (eager and lazy restore, reset; a migration's destination
            // has its own loop, its source uses PageDelta.xor): 2,752 pages of 4 KiB on the signed guest, which C2
            // compiled twice (an OSR and the method) during every restore.
            "org/vmckpt/checkpoint/PageDelta.apply",
    };

    static final boolean ENABLED = Boolean.parseBoolean(System.getProperty("vmckpt.restore.c1Only", "true"));

    private static boolean tried;
    private static boolean installed;

    private RestoreCompilerDirectives() { }

    /** The directive: the restore code's methods never compiled by C2. */
    static String json() {
        StringBuilder match = new StringBuilder();
        for (String p : RESTORE_CODE) match.append(match.length() == 0 ? "" : ", ").append('"').append(p).append('"');
        return "[{ match: [" + match + "], c2: { Exclude: true } }]";
    }

    /**
     * {@link #install} on a thread of its own, started by the restoring thread once its loaders have started: setting up the
     * WhiteBox API (its natives, the method handles) took 27-53 ms at load 11-14 on the restoring thread, before the loaders
     * started (the machine's translator thread set it up off the restore's path before), and started before them, the
     * thread still delayed them by 10-17 ms at that load. Restore code needs thousands of calls before C2 would take it,
     * so the directive is in force well before that.
     */
    static void installInBackground() {
        synchronized (RestoreCompilerDirectives.class) {
            if (tried || !ENABLED) return;
        }
        Thread t = new Thread(RestoreCompilerDirectives::install, "vmckpt-jit-directives");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Adds the directive once per JVM (later calls wait for the first and return its answer); true if it is in force.
     * The JVM's output is off while HotSpot parses it: HotSpot reports the directives added on the JVM's output, which a
     * restored guest's console shares.
     */
    static synchronized boolean install() {
        if (tried) return installed;
        tried = true;
        if (!ENABLED) return false;
        // The first use sets up the WhiteBox API (its natives registered, the units' directives added); then this one,
        // or restore code takes HotSpot's default policy: slower, still correct.
        installed = org.vmckpt.machine.cpu.HotSpotCompiler.addCompilerDirectives(json());
        return installed;
    }
}
