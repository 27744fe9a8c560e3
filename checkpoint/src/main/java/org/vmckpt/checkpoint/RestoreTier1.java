package org.vmckpt.checkpoint;

import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Executable;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks HotSpot for the eager restore's hot methods at tier 1 (C1 without profiling) before its loaders run, through the
 * WhiteBox API as translated units are ({@link HotSpotCompiler#requestMethod}): the loaders then find compiled code, and
 * nothing on their path is compiled at tier 3 (C1 with full profiling: costlier to compile, slower to run) first.
 * <b>On</b> by default since round 65's slot; {@code -Dvmckpt.restore.tier1=false} turns it off.
 *
 * <p>Why: C1 took 79-104 ms of CPU inside the loading phase (quiet, round 64; docs/BENCHMARKS.md), 310-350 tasks, most of
 * them tier 3: the JDK's code of the positional reads (channel, buffers, Unsafe's copies), CRC32C and zstd's wrappers,
 * the store's table helpers, and the restore's own code, which the C1-only directive ({@link RestoreCompilerDirectives})
 * then compiled a second time, at tier 1, once C2 refused it.
 *
 * <p>Two lists. {@link #RESTORE_METHODS} are restore code (the directive's classes): tier 1 is where HotSpot's policy
 * takes them anyway, so they stay there. {@link #SHARED_METHODS} are the JDK's, the store's and the machine's methods the
 * loaders spend in, which a running guest or a checkpoint also runs: tier-1 code is final for HotSpot's policy (it has
 * no counters), so when the last eager restore under way has its pages, those still at tier 1 from these requests are
 * deoptimized (made not entrant) and the policy takes them as any other method from then on (tier 3, C2 when hot).
 * A method that already has code or a queued compile is not asked for (a tier-1 request would replace C2 code).
 *
 * <p>The requests go out on a thread of their own ({@code vmckpt-jit-tier1}), which also sets up the WhiteBox API and
 * adds the restore's directive: started by the command line's preload for an eager restore (while the main thread opens
 * the repository and reads the manifest), else at the restore's start. Without the API nothing changes.
 */
public final class RestoreTier1 {
    /**
     * Restore code the loaders run many times, in the order they first need it: "class#method" (every overload) or
     * "class#method(descriptor of the parameters)". All are in {@link RestoreCompilerDirectives#RESTORE_CODE}'s classes.
     */
    static final String[] RESTORE_METHODS = {
            "org.vmckpt.checkpoint.PageLoader#work", "org.vmckpt.checkpoint.PageLoader#take", "org.vmckpt.checkpoint.PageLoader#load",
            "org.vmckpt.checkpoint.Restorer$IntoArray#page", // the one page sink (every loader's, each page)
            "org.vmckpt.checkpoint.PageLoader$Work#<init>", "org.vmckpt.checkpoint.PageLoader$Work#first",
            "org.vmckpt.checkpoint.PageLoader$ByFirst#compare",
            "org.vmckpt.checkpoint.store.BatchReader#readCopies", "org.vmckpt.checkpoint.store.BatchReader#walk",
            "org.vmckpt.checkpoint.store.BatchReader#deliverCopies", "org.vmckpt.checkpoint.store.BatchReader#cpuNanos",
            "org.vmckpt.checkpoint.store.PackReader#framesExtent", "org.vmckpt.checkpoint.store.PackReader#readFrames",
            "org.vmckpt.checkpoint.store.PackReader#readFramesDirect", "org.vmckpt.checkpoint.store.PackReader#frameOffset",
            "org.vmckpt.checkpoint.store.PackReader#frameExtent", "org.vmckpt.checkpoint.store.PackReader#frameUnits",
            "org.vmckpt.checkpoint.store.PackReader#unitsPerFrame", "org.vmckpt.checkpoint.store.PackReader#frameCount",
            "org.vmckpt.checkpoint.store.PackReader#storedDataAt", "org.vmckpt.checkpoint.store.PackReader#decodeInto",
            "org.vmckpt.checkpoint.store.PackReader#decode", "org.vmckpt.checkpoint.store.PackReader#checkOrDecodeDirect",
            "org.vmckpt.checkpoint.store.PackReader#checkHeader",
            // The restoring thread's reference pages (boot files, their deltas, disk blocks) and the install loop.
            "org.vmckpt.checkpoint.PageLoader#readBootFileRun", "org.vmckpt.checkpoint.PageLoader#pagesDone",
            "org.vmckpt.checkpoint.BootFileDeltaBases#applyRun", "org.vmckpt.checkpoint.BootFileDeltaBases#applyPage",
            "org.vmckpt.checkpoint.store.Checkpoint#readPage", "org.vmckpt.checkpoint.store.Checkpoint#readUnit",
            "org.vmckpt.checkpoint.store.Checkpoint#readValue", "org.vmckpt.checkpoint.store.Checkpoint#checkPage",
            "org.vmckpt.checkpoint.store.Checkpoint#checkDst", "org.vmckpt.checkpoint.store.Checkpoint#pageKind",
            "org.vmckpt.checkpoint.store.Checkpoint#pageSource", "org.vmckpt.checkpoint.store.Checkpoint#pageSourceSector",
            "org.vmckpt.checkpoint.store.Checkpoint#pageCount", "org.vmckpt.checkpoint.store.Checkpoint#readDiskBlock",
            "org.vmckpt.checkpoint.store.FrameCache#get", "org.vmckpt.checkpoint.store.FrameCache#key",
            "org.vmckpt.checkpoint.PageDelta#apply", "org.vmckpt.checkpoint.CheckpointPages#recordOrigin",
            "org.vmckpt.checkpoint.CheckpointPages#blockOf", "org.vmckpt.checkpoint.CheckpointPages#diskOf",
            "org.vmckpt.checkpoint.Restorer#loadDisks", "org.vmckpt.checkpoint.Restorer#loadPagesEagerly",
    };

    /**
     * Methods of others (the JDK, zstd-jni, the store's tables, the machine's memory) the loaders spend in, in the order
     * they first need them; given back to HotSpot's policy after the restore (see the class comment).
     */
    static final String[] SHARED_METHODS = {
            // The positional read of a batch of frames (FileChannel.read(ByteBuffer, long) into a heap array's wrapper:
            // through the JDK's temporary direct buffer, then copied out).
            "sun.nio.ch.FileChannelImpl#read(Ljava/nio/ByteBuffer;J)", "sun.nio.ch.FileChannelImpl#readInternal",
            "sun.nio.ch.FileChannelImpl#beginBlocking", "sun.nio.ch.FileChannelImpl#endBlocking",
            "sun.nio.ch.FileChannelImpl#ensureOpen", "sun.nio.ch.IOUtil#read", "sun.nio.ch.IOUtil#readIntoNativeBuffer",
            "sun.nio.ch.IOUtil#acquireScope", "sun.nio.ch.IOUtil#releaseScope", "sun.nio.ch.IOUtil#bufferAddress",
            "sun.nio.ch.Util#getTemporaryDirectBuffer", "sun.nio.ch.Util#offerFirstTemporaryDirectBuffer",
            "sun.nio.ch.Util#isBufferTooLarge", "sun.nio.ch.Util$BufferCache#get", "sun.nio.ch.Util$BufferCache#next",
            "sun.nio.ch.Util$BufferCache#offerFirst", "sun.nio.ch.NativeThreadSet#add", "sun.nio.ch.NativeThreadSet#remove",
            "sun.nio.ch.FileDispatcherImpl#pread", "sun.nio.ch.IOStatus#normalize",
            "java.nio.channels.spi.AbstractInterruptibleChannel#begin", "java.nio.channels.spi.AbstractInterruptibleChannel#end",
            "java.nio.channels.spi.AbstractInterruptibleChannel#isOpen",
            "java.nio.ByteBuffer#wrap([BII)", "java.nio.ByteBuffer#put(Ljava/nio/ByteBuffer;)", "java.nio.ByteBuffer#putBuffer",
            "java.nio.HeapByteBuffer#put(Ljava/nio/ByteBuffer;)", "java.nio.ByteBuffer#get(I[BII)", "java.nio.ByteBuffer#getArray",
            "java.nio.ByteBuffer#position(I)", "java.nio.ByteBuffer#limit(I)", "java.nio.ByteBuffer#flip", "java.nio.ByteBuffer#rewind",
            "java.nio.Buffer#position(I)", "java.nio.Buffer#limit(I)", "java.nio.Buffer#flip", "java.nio.Buffer#remaining",
            "java.nio.Buffer#hasRemaining", "java.nio.Buffer#checkIndex", "java.nio.Buffer#scope", "java.nio.Buffer#checkScope",
            "java.nio.DirectByteBuffer#address", "java.nio.DirectByteBuffer#ix", "java.nio.DirectByteBuffer#getInt",
            "java.nio.DirectByteBuffer#getShort", "java.nio.DirectByteBuffer#get(I)", "java.nio.DirectByteBuffer#isDirect",
            "java.nio.DirectByteBuffer#slice", "java.nio.Buffer$1#acquireScope", "java.nio.ByteOrder#nativeOrder",
            // a buffer made (the reads' wrappers and slices)
            "java.nio.Buffer#<init>", "java.nio.ByteBuffer#<init>", "java.nio.HeapByteBuffer#<init>", "java.nio.DirectByteBuffer#<init>",
            "java.nio.MappedByteBuffer#<init>",
            "java.nio.MappedByteBuffer#position(I)", "java.nio.MappedByteBuffer#limit(I)", "java.nio.MappedByteBuffer#flip",
            "java.nio.MappedByteBuffer#rewind",
            "jdk.internal.misc.ScopedMemoryAccess#copyMemory", "jdk.internal.misc.ScopedMemoryAccess#copyMemoryInternal",
            "jdk.internal.misc.ScopedMemoryAccess#getIntUnaligned", "jdk.internal.misc.ScopedMemoryAccess#getIntUnalignedInternal",
            "jdk.internal.misc.ScopedMemoryAccess#getShortUnaligned", "jdk.internal.misc.ScopedMemoryAccess#getShortUnalignedInternal",
            "jdk.internal.misc.Unsafe#copyMemory(Ljava/lang/Object;JLjava/lang/Object;JJ)", "jdk.internal.misc.Unsafe#copyMemoryChecks",
            "jdk.internal.misc.Unsafe#checkPointer", "jdk.internal.misc.Unsafe#checkOffset", "jdk.internal.misc.Unsafe#checkPrimitivePointer",
            "jdk.internal.misc.Unsafe#checkNativeAddress", "jdk.internal.misc.Unsafe#checkSize",
            "jdk.internal.misc.Unsafe#getIntUnaligned(Ljava/lang/Object;JZ)", "jdk.internal.misc.Unsafe#getShortUnaligned(Ljava/lang/Object;JZ)",
            "jdk.internal.misc.Unsafe#convEndian", "jdk.internal.misc.Unsafe#getLongUnaligned(Ljava/lang/Object;J)",
            "jdk.internal.misc.Unsafe#getAndAddInt", "jdk.internal.misc.Unsafe#weakCompareAndSetInt", "java.lang.Thread#blockedOn",
            // A frame checked and decoded, its pages copied out.
            "java.util.zip.CRC32C#update([BII)", "java.util.zip.CRC32C#update(Ljava/nio/ByteBuffer;)", "java.util.zip.CRC32C#getValue",
            "com.github.luben.zstd.ZstdDecompressCtx#decompressByteArray", "com.github.luben.zstd.ZstdDecompressCtx#decompressDirectByteBuffer",
            "com.github.luben.zstd.ZstdDecompressCtx#ensureOpen", "com.github.luben.zstd.AutoCloseBase#acquireSharedLock",
            "com.github.luben.zstd.AutoCloseBase#releaseSharedLock", "com.github.luben.zstd.Objects#checkFromIndexSize",
            "java.util.Arrays#copyOfRange([BII)",
            // The checkpoint's page table (also the writer's), the boot files' pages, and the install loop's memory.
            "org.vmckpt.checkpoint.store.RunTable#valueAt", "org.vmckpt.checkpoint.store.RunTable#value",
            "org.vmckpt.checkpoint.store.RunTable#runOf", "org.vmckpt.checkpoint.store.RunTable#runEnd",
            "org.vmckpt.checkpoint.store.RunTable#start", "org.vmckpt.checkpoint.store.TableEntry#advance",
            "org.vmckpt.checkpoint.store.TableEntry#base", "org.vmckpt.checkpoint.store.TableEntry#kind",
            "org.vmckpt.checkpoint.store.TableEntry#pack", "org.vmckpt.checkpoint.store.TableEntry#pageKind",
            "org.vmckpt.checkpoint.PageSources#readBootFile", "org.vmckpt.checkpoint.PageSources#isDisk",
            "org.vmckpt.checkpoint.InPlaceFile#read", "org.vmckpt.checkpoint.InitramfsFiles#covers",
            "org.vmckpt.checkpoint.InitramfsFiles#isFileSource", "org.vmckpt.checkpoint.InitramfsFiles#read",
            "org.vmckpt.checkpoint.BootFile#isBootSource", "org.vmckpt.checkpoint.store.Codec#ofCode",
            "org.vmckpt.checkpoint.store.Extent#<init>", "org.vmckpt.checkpoint.store.Extent#end",
            "org.vmckpt.machine.memory.GuestMemory#installPage", "org.vmckpt.machine.memory.GuestMemory#setPage",
            "org.vmckpt.machine.memory.GuestMemory#noteChange", "org.vmckpt.machine.memory.GuestMemory#recordOrigin",
    };

    /**
     * Classes a restore loads that end a "leaf class" assumption of code compiled before (HotSpot's class hierarchy
     * dependencies): loaded before the requests, or the tier-1 code of the buffers' methods was thrown away when the
     * restore loaded them (seen in the log: {@code DirectByteBuffer} until {@code DirectByteBufferR} loaded) and
     * compiled again at tier 3.
     */
    static final String[] LOADED_FIRST = {"java.nio.DirectByteBufferR"};

    /** How long the give-back waits for a shared method's queued tier-1 compile to finish before it deoptimizes. */
    private static final long QUEUE_WAIT_NANOS = 5_000_000_000L;

    /**
     * The switch (read at each use, so a test can turn it on and off): on by default since round 65's slot (interleaved
     * with main and with the same jar without it, lower spawn to restored in every group's paired median, memrandom's
     * loading phase 354 -> 249 ms medians; docs/BENCHMARKS.md); {@code -Dvmckpt.restore.tier1=false} turns it off.
     */
    static boolean enabled() {
        return Boolean.parseBoolean(System.getProperty("vmckpt.restore.tier1", "true"));
    }

    /** Eager restores under way that began with the switch on. */
    private static int restores;
    /** Requests made (or under way) for the restores under way, not yet given back. */
    private static boolean open;
    /** The last thread started (requests or give-back): the next one waits for it. */
    private static Thread last;
    /** Each list entry's methods, resolved once per JVM on the requests' thread; and whether LOADED_FIRST was loaded. */
    private static final java.util.Map<String, List<Executable>> resolved = new java.util.HashMap<>();
    private static boolean classesLoaded;
    /** Shared methods this JVM asked for at tier 1 and has not given back yet. */
    private static final List<Executable> requested = new ArrayList<>();
    /** Tests: methods asked for at tier 1, and shared methods deoptimized after a restore, in this JVM. */
    private static int requestsMade, givenBack;

    private RestoreTier1() { }

    /**
     * An eager restore will start in this process (the command line's preload): the requests go out now, on a thread of
     * their own, while the command opens the repository and reads the checkpoint's manifest.
     */
    public static void startEarly() {
        if (!enabled()) return;
        synchronized (RestoreTier1.class) {
            if (open) return;
            open = true;
            last = start(new Requests(last), "vmckpt-jit-tier1");
        }
    }

    /** An eager restore starts: requests go out unless {@link #startEarly} sent them. Returns whether to call {@link #end}. */
    static boolean begin() {
        if (!enabled()) return false;
        synchronized (RestoreTier1.class) {
            restores++;
            if (!open) {
                open = true;
                last = start(new Requests(last), "vmckpt-jit-tier1");
            }
        }
        return true;
    }

    /** An eager restore that {@link #begin began} has its pages (or failed): the last one gives the shared methods back. */
    static void end() {
        synchronized (RestoreTier1.class) {
            if (restores > 0) restores--;
            if (restores > 0 || !open) return;
            open = false;
            last = start(new GiveBack(last), "vmckpt-jit-tier1-back");
        }
    }

    /** Waits for the requests and give-backs started so far (tests, the class-data archive's training). */
    public static void awaitIdle() throws InterruptedException {
        Thread t;
        synchronized (RestoreTier1.class) {
            t = last;
        }
        if (t != null) t.join();
    }

    static synchronized int requestsMade() {
        return requestsMade;
    }

    static synchronized int givenBack() {
        return givenBack;
    }

    private static Thread start(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void join(Thread t) {
        if (t == null) return;
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Sets the API up, adds the restore's directive, asks for each method with no code and no queued compile at tier 1. */
    private static final class Requests implements Runnable {
        private final Thread before;

        Requests(Thread before) {
            this.before = before;
        }

        @Override
        public void run() {
            join(before);
            if (!HotSpotCompiler.available()) return; // the API's set-up (tens of ms the first time)
            synchronized (RestoreTier1.class) {
                if (!classesLoaded) {
                    classesLoaded = true;
                    for (String c : LOADED_FIRST) {
                        try {
                            Class.forName(c, false, RestoreTier1.class.getClassLoader());
                        } catch (ClassNotFoundException | LinkageError e) {
                            // not in this JDK
                        }
                    }
                }
            }
            // Entry by entry, each resolved and asked for at once: the first ones (the loaders' own) go out before the
            // reflection over the later classes (Unsafe's hundreds of methods) is done.
            int n = 0;
            for (String e : RESTORE_METHODS) for (Executable m : cached(e)) if (ask(m)) n++;
            for (String e : SHARED_METHODS) {
                for (Executable m : cached(e)) {
                    if (ask(m)) {
                        n++;
                        synchronized (RestoreTier1.class) {
                            requested.add(m);
                        }
                    }
                }
            }
            synchronized (RestoreTier1.class) {
                requestsMade += n;
            }
            // C2 off the restore code not asked for here: it needs thousands of calls before C2 would take it.
            RestoreCompilerDirectives.install();
        }

        private static boolean ask(Executable m) {
            if (HotSpotCompiler.methodTier(m, false) != 0 || HotSpotCompiler.methodQueued(m)) return false;
            return HotSpotCompiler.requestMethod(m, HotSpotCompiler.TIER_C1);
        }
    }

    /** Deoptimizes the shared methods still at tier 1 from the requests, once their compiles have left the queue. */
    private static final class GiveBack implements Runnable {
        private final Thread before;

        GiveBack(Thread before) {
            this.before = before;
        }

        @Override
        public void run() {
            join(before);
            List<Executable> mine;
            synchronized (RestoreTier1.class) {
                mine = new ArrayList<>(requested);
                requested.clear();
            }
            long deadline = System.nanoTime() + QUEUE_WAIT_NANOS;
            for (Executable m : mine) {
                while (HotSpotCompiler.methodQueued(m) && System.nanoTime() < deadline) {
                    try {
                        Thread.sleep(1);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                synchronized (RestoreTier1.class) {
                    if (open) { // another eager restore began meanwhile: its requests keep what is left
                        requested.add(m);
                        continue;
                    }
                }
                if (HotSpotCompiler.methodTier(m, false) == HotSpotCompiler.TIER_C1 && HotSpotCompiler.deoptimizeMethod(m)) {
                    synchronized (RestoreTier1.class) {
                        givenBack++;
                    }
                }
            }
        }
    }

    /** {@link #methodsOf} entry {@code e}, resolved once per JVM. */
    private static synchronized List<Executable> cached(String e) {
        return resolved.computeIfAbsent(e, k -> methodsOf(k, RestoreTier1.class.getClassLoader()));
    }

    /** The methods an entry list names (an entry that names none is skipped: another JDK's classes). */
    static List<Executable> resolve(String[] entries) {
        List<Executable> out = new ArrayList<>();
        ClassLoader loader = RestoreTier1.class.getClassLoader();
        for (String e : entries) out.addAll(methodsOf(e, loader));
        return out;
    }

    /**
     * The methods entry {@code e} ("class#name" or "class#name(parameter descriptor)"; {@code <init>}: its constructors)
     * names, bridges included (a covariant override's bridge is what a call through the supertype runs); empty if none.
     */
    static List<Executable> methodsOf(String e, ClassLoader loader) {
        List<Executable> out = new ArrayList<>();
        int hash = e.indexOf('#'), paren = e.indexOf('(');
        String cls = e.substring(0, hash);
        String name = e.substring(hash + 1, paren < 0 ? e.length() : paren);
        String params = paren < 0 ? null : e.substring(paren + 1, e.length() - 1);
        try {
            Class<?> c = Class.forName(cls, false, loader);
            Executable[] all = name.equals("<init>") ? c.getDeclaredConstructors() : c.getDeclaredMethods();
            for (Executable m : all) {
                if (!name.equals("<init>") && !m.getName().equals(name)) continue;
                if (java.lang.reflect.Modifier.isAbstract(m.getModifiers()) || java.lang.reflect.Modifier.isNative(m.getModifiers())) continue;
                if (params != null && !params.equals(descriptor(m.getParameterTypes()))) continue;
                out.add(m);
            }
        } catch (ClassNotFoundException | LinkageError ex) {
            // not in this JDK: nothing to ask for
        }
        return out;
    }

    /** The JVM descriptor of a parameter list, without its parentheses. */
    static String descriptor(Class<?>[] types) {
        StringBuilder sb = new StringBuilder();
        for (Class<?> t : types) sb.append(t.descriptorString());
        return sb.toString();
    }
}
