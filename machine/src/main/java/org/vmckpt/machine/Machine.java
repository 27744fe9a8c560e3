package org.vmckpt.machine;

import org.vmckpt.machine.cpu.Hart;
import org.vmckpt.machine.device.Clint;
import org.vmckpt.machine.device.Clock;
import org.vmckpt.machine.device.InterruptSink;
import org.vmckpt.machine.device.Plic;
import org.vmckpt.machine.device.PowerControl;
import org.vmckpt.machine.device.SifiveTest;
import org.vmckpt.machine.device.VmGenId;
import org.vmckpt.machine.device.Uart16550;
import org.vmckpt.machine.firmware.BootImageException;
import org.vmckpt.machine.firmware.DeviceTree;
import org.vmckpt.machine.firmware.ElfImage;
import org.vmckpt.machine.firmware.LinuxImage;
import org.vmckpt.machine.firmware.Sbi;
import org.vmckpt.machine.device.virtio.FrozenOverlay;
import org.vmckpt.machine.device.virtio.VirtioBalloon;
import org.vmckpt.machine.device.virtio.VirtioBlk;
import org.vmckpt.machine.memory.FrozenMemory;
import org.vmckpt.machine.memory.GuestMemory;
import org.vmckpt.machine.memory.PageOrigin;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A whole virtual machine: RAM, one hart, the platform devices of QEMU's virt board, virtio devices, and
 * the loop that runs them. All guest-visible work happens on one thread (the run thread); other threads
 * talk to the machine only through {@link #submit(Runnable)} and the console input queue.
 */
public final class Machine {
    /** Instructions per batch: interrupts, timers and requests are looked at between batches. */
    public static final int BATCH = 4096;
    /** Longest host sleep while the guest idles, so console input and requests are seen promptly. */
    private static final long MAX_IDLE_NANOS = 5_000_000L;
    /**
     * The least time to the guest's next timer for the run thread to take a {@link #whenIdle} task instead of sleeping:
     * such a task (a slice of a lazy restore's installing) takes a few hundred microseconds, and a guest that sleeps
     * a millisecond at a time (the default guest's memdirty) must still leave room for one.
     */
    private static final long IDLE_TASK_MIN_NANOS = 250_000L;

    public enum RunState { RUNNING, PAUSED, SHUTDOWN }

    private final MachineConfig config;
    private final GuestMemory memory;
    private final Bus bus;
    private final MachineClock clock;
    private final Hart[] harts;
    private final Clint clint;
    private final Plic plic;
    private final Uart16550 uart;
    private final Sbi sbi;
    private final VirtioSet virtio;
    private final VmGenId vmGenId;
    /** The SiFive test device: poweroff and reboot. */
    private final SifiveTest test;
    private final List<Snapshottable> stateParts = new ArrayList<>();

    private final ConcurrentLinkedQueue<Byte> consoleInput = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Runnable> requests = new ConcurrentLinkedQueue<>();
    /** Tasks for the run thread's idle time ({@link #whenIdle}). */
    private final ConcurrentLinkedQueue<Runnable> idleTasks = new ConcurrentLinkedQueue<>();
    private volatile Thread runThread;
    /**
     * Held by {@link #run} for its whole run, and by a {@link #callAtInstructionBoundary} task that runs on its caller's
     * thread because no run loop runs: so a run loop never starts while such a task still runs (round 68: a capture run
     * that way right after another thread started the run loop froze memory, emptying the hart's write TLB on the
     * caller's thread, while the run thread stored through it: a null page array, a host crash). While a run loop
     * runs, its thread alone writes the hart's TLB ({@code Hart.setOwner}); others reach it through {@link #submit}.
     */
    private final java.util.concurrent.locks.ReentrantLock runLock = new java.util.concurrent.locks.ReentrantLock();
    /** The host's id of the thread that last ran {@link #run} (HostThreadId), -1 before. */
    private volatile long runThreadHostId = -1;
    private volatile RunState runState = RunState.PAUSED;
    private volatile boolean pauseRequested;
    private volatile Integer exitCode;
    private volatile boolean rebootRequested;
    private ElfImage elf;
    private long idleNanos;
    /**
     * How long the guest has waited for interrupts so far ({@link #waitedNanos}): the host time the run thread slept in
     * {@link #idle} (as {@link #idleNanos}), or in deterministic mode, where it does not sleep, the guest time skipped.
     * Written by the run thread once per idle wait (never on the instruction path), read by any thread.
     */
    private volatile long waitedNanos;
    /** Set the first time the guest idles (a WFI with nothing pending): from then on the host has CPU to spare. */
    private volatile boolean idled;
    private volatile long firstIdleNanos;

    public Machine(MachineConfig config, IntConsumer consoleOutput) throws IOException {
        this(config, consoleOutput, true);
    }

    /**
     * As above; with {@code bindForwards} false the network's host forwards do not listen until
     * {@code virtio().net().backend().bindForwards} is called: a migration's destination, whose guest is still at a
     * source that may hold the same ports on the same host.
     */
    public Machine(MachineConfig config, IntConsumer consoleOutput, boolean bindForwards) throws IOException {
        this.config = config;
        this.memory = new GuestMemory(MemoryMap.DRAM_BASE, config.memoryBytes());
        this.bus = new Bus(memory);
        this.harts = new Hart[1];
        this.clock = new MachineClock(config.deterministic(), () -> harts[0].instret);
        // The CLINT is the guest-visible timer; harts read `time` through it so a guest write to mtime is honoured.
        Clint[] clintRef = new Clint[1];
        harts[0] = new Hart(0, bus, () -> clintRef[0].mtime());
        harts[0].setTranslation(true); // the default engine; `--cpu interp` (VmSession) turns it off
        // Deterministic: units appear at the same counts (the guest's thread translates).
        harts[0].setTranslationInBackground(!config.deterministic());
        // Host time: a batch may end before a unit that does not fit its rest (Hart.setBatchMayEndBeforeUnit).
        harts[0].setBatchMayEndBeforeUnit(!config.deterministic());
        InterruptSink[] sinks = {harts[0]};
        this.clint = new Clint(clock, sinks);
        clintRef[0] = clint;
        this.plic = new Plic(sinks);
        this.uart = new Uart16550(plic.line(MemoryMap.UART0_IRQ), consoleOutput);
        PowerControl power = new PowerControl() {
            @Override
            public void powerOff(int code) {
                exitCode = code;
            }

            @Override
            public void reboot() {
                rebootRequested = true;
            }
        };
        this.test = new SifiveTest(power);
        bus.map("test", MemoryMap.TEST_BASE, MemoryMap.TEST_SIZE, test);
        bus.map("clint", MemoryMap.CLINT_BASE, Clint.SIZE, clint);
        bus.map("plic", MemoryMap.PLIC_BASE, Plic.SIZE, plic);
        bus.map("uart0", MemoryMap.UART0_BASE, MemoryMap.UART0_SIZE, uart);
        // A deterministic machine's ID is fixed here; any other's is drawn when first needed: by boot(), or by the new
        // generation a restore gives its machine before the guest runs (one draw per restore, not two: round 77).
        if (config.deterministic()) {
            byte[] genId = new byte[VmGenId.ID_BYTES];
            new java.util.SplittableRandom(2).nextBytes(genId);
            this.vmGenId = new VmGenId(plic.line(MemoryMap.VMGENID_IRQ), genId);
        } else {
            this.vmGenId = new VmGenId(plic.line(MemoryMap.VMGENID_IRQ));
        }
        bus.map("vmgenid", MemoryMap.VMGENID_BASE, VmGenId.SIZE, vmGenId);
        this.virtio = new VirtioSet(config, memory, bus, plic, this::submit, bindForwards);
        if (config.bios() == null && config.elf() == null) {
            sbi = new Sbi(harts, clint::mtime, memory, power, consoleOutput, this::pollConsoleByte);
            harts[0].setFirmware(sbi);
        } else {
            sbi = null;
        }
        // Record order matters on load: harts before the clock (deterministic time derives from instret).
        stateParts.add(harts[0]);
        stateParts.add(clock);
        stateParts.add(clint);
        stateParts.add(plic);
        stateParts.add(uart);
        if (sbi != null) stateParts.add(sbi);
        stateParts.addAll(virtio.stateParts());
    }

    public MachineConfig config() { return config; }
    public GuestMemory memory() { return memory; }
    public Hart hart(int i) { return harts[i]; }
    public int hartCount() { return harts.length; }
    public MachineClock clock() { return clock; }
    public Clint clint() { return clint; }
    public Plic plic() { return plic; }
    public Uart16550 uart() { return uart; }
    public VirtioSet virtio() { return virtio; }
    public RunState runState() { return runState; }
    public Integer exitCode() { return exitCode; }
    /** Host time spent sleeping because the guest was idle. */
    public long idleNanos() { return idleNanos; }
    /** Whether the guest has idled at least once (waited in WFI for its next timer); any thread may ask. */
    public boolean hasIdled() { return idled; }
    /** {@link System#nanoTime} when the guest first idled, 0 before ({@code --stats} shows it). */
    public long firstIdleNanos() { return firstIdleNanos; }

    private void firstIdle() {
        firstIdleNanos = System.nanoTime();
        idled = true;
    }
    /**
     * How long the guest has waited for interrupts so far, in nanoseconds: host time slept in host mode, guest time
     * skipped in deterministic mode. Any thread may ask (the run's --stats).
     */
    public long waitedNanos() { return waitedNanos; }

    /**
     * The guest's next timer deadline in mtime ticks (the earlier of the CLINT's and the SBI timer's; -1 if none is armed),
     * for diagnostics: any thread may ask (a late read at worst).
     */
    public long nextTimerDeadline() {
        long deadline = clint.nextDeadline();
        if (sbi != null && Long.compareUnsigned(sbi.nextDeadline(), deadline) < 0) deadline = sbi.nextDeadline();
        return deadline;
    }

    /** The wired devices, in the order the device tree describes them (each writes its own node). */
    List<org.vmckpt.machine.firmware.DeviceTreeNode> deviceTreeNodes() {
        return List.of(test, clint, plic, vmGenId, uart, virtio);
    }

    /** Every state record of the machine, in load order (memory and disk contents are not records). */
    public List<Snapshottable> stateParts() {
        return List.copyOf(stateParts);
    }

    /**
     * Captures the machine ({@link MachineImage}): every part's state record, memory and disk overlays frozen
     * (reference copies, no data copied), the pages the balloon knows free, and hart 0's instret. Call only at an
     * instruction boundary (on the run thread through {@link #callAtInstructionBoundary}, or with no run loop); the
     * guest may run on as soon as it returns. The caller releases the image. Allocates the capture's arrays here: a
     * caller that captures inside a guest's pause makes them before it ({@link #captureRoom}, {@link #capture(CaptureRoom)}).
     */
    public MachineImage capture() {
        return capture(captureRoom());
    }

    /**
     * Room for one {@link #capture(CaptureRoom)} of this machine, made on the calling thread (any thread): sized from
     * the last capture's records and the balloon's page sets as they are now, each with a small margin (not more: a
     * checkpoint holds its room until it ends, and what it holds while a young collection runs is promoted). A capture
     * that outgrows it allocates the difference in its pause, once (the first after the guest gave pages back).
     */
    public CaptureRoom captureRoom() {
        int last = lastCaptureRecordBytes;
        VirtioBalloon b = virtio.balloon();
        int[] given = null;
        if (b != null) {
            given = new int[3];
            for (int i = 0; i < 3; i++) given[i] = b.givenPagesWords(i) + 64; // 64 words: 16 MiB of RAM more
        }
        return new CaptureRoom(last + last / 16 + 1024, stateParts.size(), given);
    }

    /**
     * As {@link #capture()}, into {@code room} (from {@link #captureRoom}, used once): the records are written into its
     * array one after another and the balloon's page sets copied into its words, so the pause allocates only a few small
     * objects (the image, the frozen views' holders, the memory's table of chunks: 2 KiB per GiB), unless the records
     * outgrew the room (then a larger copy). Where the pause goes is stored per part ({@link MachineImage#partNanos}).
     */
    public MachineImage capture(CaptureRoom room) {
        long t0 = System.nanoTime();
        int n = stateParts.size();
        VirtioBalloon b = virtio.balloon();
        if (room.names.length != n || (room.givenWords != null) != (b != null)) {
            throw new IllegalArgumentException("a capture room made for another machine");
        }
        StateWriter w = new StateWriter(room.records);
        long[] each = room.recordNanos; // (a diagnostic: null unless CaptureRoom.TRACE_RECORDS)
        for (int i = 0; i < n; i++) {
            Snapshottable s = stateParts.get(i);
            s.saveState(w);
            room.names[i] = s.stateName();
            room.versions[i] = s.stateVersion();
            room.offsets[i + 1] = w.size();
            if (each != null) each[i] = System.nanoTime();
        }
        lastCaptureRecordBytes = w.size();
        long t1 = System.nanoTime();
        FrozenMemory fm = memory.freeze();
        long t2 = System.nanoTime();
        List<FrozenOverlay> disks = new ArrayList<>();
        for (VirtioBlk d : virtio.disks()) disks.add(d.isWriteThrough() ? null : d.freezeOverlay());
        long t3 = System.nanoTime();
        if (b != null) b.copyGivenPagesInto(room.givenWords); // ORed after the pause (MachineImage.freePages)
        long t4 = System.nanoTime();
        long[] parts = room.partNanos;
        parts[0] = t1 - t0;
        parts[1] = t2 - t1;
        parts[2] = t3 - t2;
        parts[3] = t4 - t3;
        return new MachineImage(room.names, room.versions, w.buffer(), room.offsets, fm, disks, room.givenWords,
                harts[0].instret, parts, t0, each);
    }

    // ================================================================== boot

    /** Loads kernel/initrd/firmware/ELF as configured and sets the hart at its entry point. */
    public void boot() throws IOException, BootImageException {
        vmGenId.ensureId(); // a booted guest's first ID, drawn before it runs (a restore's comes from newGeneration)
        if (config.elf() != null) {
            bootElf(config.elf());
            return;
        }
        if (config.kernel() == null) throw new BootImageException("no kernel given: use --kernel FILE, or --elf FILE for a bare-metal program");
        // An uncompressed Image goes from its file straight into RAM (BootFileLoader); a gzip one is decompressed first.
        Path kernel = config.kernel();
        long kernelFileSize = BootFileLoader.size(kernel, "kernel");
        byte[] kernelStart = BootFileLoader.start(kernel, "kernel", LinuxImage.HEADER_BYTES);
        LinuxImage unpacked = LinuxImage.isGzip(kernelStart) ? LinuxImage.parse(readFile(kernel, "kernel"), kernel.toString()) : null;
        LinuxImage.Header header = unpacked != null ? new LinuxImage.Header(unpacked.textOffset(), unpacked.imageSize())
                : LinuxImage.header(kernelStart, kernelFileSize, kernel.toString());
        long kernelAddr = MemoryMap.DRAM_BASE + (header.textOffset() != 0 ? header.textOffset() : MemoryMap.KERNEL_OFFSET);
        long ramEnd = MemoryMap.DRAM_BASE + config.memoryBytes();
        if (kernelAddr + header.imageSize() > ramEnd) {
            throw new BootImageException("the kernel needs " + (header.imageSize() >> 20) + " MiB from 0x" + Long.toHexString(kernelAddr)
                    + " but RAM ends at 0x" + Long.toHexString(ramEnd) + "; give more memory with --mem");
        }
        // The loaded pages remember their source: pages the kernel never changes are stored as references to it.
        if (unpacked != null) memory.writeFromSource(kernelAddr, unpacked.bytes(), 0, unpacked.bytes().length, PageOrigin.KERNEL, 0);
        else BootFileLoader.load(kernel, "kernel", kernelFileSize, memory, kernelAddr, PageOrigin.KERNEL);

        // The device tree goes at the top of RAM, the initrd just below it (as QEMU does, out of the kernel's way).
        long initrdLength = config.initrd() != null ? BootFileLoader.size(config.initrd(), "initrd") : 0;
        long dtbAddr = (ramEnd - 0x10000) & ~0xfffL;
        long initrdStart = (dtbAddr - initrdLength) & ~0xfffL;
        if (initrdLength > 0 && initrdStart < kernelAddr + header.imageSize()) {
            throw new BootImageException("the initrd (" + (initrdLength >> 20) + " MiB) does not fit in RAM above the kernel; give more memory with --mem");
        }
        if (initrdLength > 0) BootFileLoader.load(config.initrd(), "initrd", initrdLength, memory, initrdStart, PageOrigin.INITRD);
        byte[] seed = new byte[32];
        if (config.deterministic()) new java.util.SplittableRandom(1).nextBytes(seed); else new java.security.SecureRandom().nextBytes(seed);
        byte[] dtb = DeviceTree.build(new DeviceTree.Spec(config.memoryBytes(), harts.length, config.cmdline(),
                initrdStart, initrdStart + initrdLength, deviceTreeNodes(), seed));
        if (dtb.length > 0x10000) throw new BootImageException("device tree too large: " + dtb.length + " bytes");
        memory.writeBytes(dtbAddr, dtb, 0, dtb.length);

        if (config.bios() != null) {
            byte[] fw = readFile(config.bios(), "firmware");
            if (fw.length > MemoryMap.KERNEL_OFFSET) {
                throw new BootImageException(config.bios() + ": firmware larger than 2 MiB would overlap the kernel at 0x80200000");
            }
            memory.writeFromSource(MemoryMap.DRAM_BASE, fw, 0, fw.length, PageOrigin.FIRMWARE, 0);
            Hart h = harts[0];
            h.pc = MemoryMap.DRAM_BASE;
            h.x[10] = 0;
            h.x[11] = dtbAddr;
            h.x[12] = 0;
        } else {
            harts[0].enterSupervisor(kernelAddr, 0, dtbAddr);
        }
        harts[0].startBootTranslation(); // (CodeCache.BOOT_THRESHOLD: the heat threshold until the guest's user space)
    }

    private void bootElf(Path path) throws IOException, BootImageException {
        elf = ElfImage.parse(readFile(path, "ELF"), path.toString());
        for (ElfImage.Segment s : elf.segments()) {
            if (!memory.contains(s.paddr(), s.memSize())) {
                throw new BootImageException(path + ": segment at 0x" + Long.toHexString(s.paddr()) + " (" + s.memSize()
                        + " bytes) is outside RAM 0x" + Long.toHexString(MemoryMap.DRAM_BASE) + "+" + config.memoryBytes());
            }
            memory.writeBytes(s.paddr(), s.data(), 0, s.data().length);
        }
        if (elf.tohost() == 0) {
            throw new BootImageException(path + ": no 'tohost' symbol: the program has no way to report its exit (HTIF)");
        }
        if (!memory.contains(elf.tohost(), 8)) {
            throw new BootImageException(path + ": its 'tohost' symbol (0x" + Long.toHexString(elf.tohost()) + ") is outside RAM 0x"
                    + Long.toHexString(MemoryMap.DRAM_BASE) + "+" + config.memoryBytes() + "; HTIF needs it in RAM");
        }
        harts[0].pc = elf.entry();
    }

    private static byte[] readFile(Path p, String what) throws BootImageException {
        BootFileLoader.size(p, what); // the checks and errors every boot file gets
        try {
            return Files.readAllBytes(p);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BootImageException(what + " file not found: " + p);
        } catch (IOException e) {
            throw new BootImageException("cannot read " + what + " " + p + ": " + e.getMessage());
        }
    }

    // ================================================================== running

    /** Queues a host console byte for the guest (any thread). */
    public void consoleInput(byte b) {
        consoleInput.add(b);
        Thread t = runThread;
        if (t != null) LockSupport.unpark(t);
    }

    private int pollConsoleByte() {
        Byte b = consoleInput.poll();
        return b == null ? -1 : b & 0xff;
    }

    /** Runs {@code task} on the run thread between two instructions (any thread). */
    public void submit(Runnable task) {
        requests.add(task);
        Thread t = runThread;
        if (t != null) LockSupport.unpark(t);
    }

    /**
     * Runs {@code task} on the run thread when the guest is idle (waiting for an interrupt, none pending, its next
     * timer at least 250 µs away) or the machine is paused, instead of sleeping then: for host work that the
     * guest need not wait for and that must run on its thread, such as installing the pages a lazy restore's loaders
     * prepared. One task per idle moment, in the order given. A guest that never idles never runs them: whoever
     * needs one done by some time also {@link #submit}s it then (the task must then run once only). Any thread.
     */
    public void whenIdle(Runnable task) {
        idleTasks.add(task);
        Thread t = runThread;
        if (t != null) LockSupport.unpark(t);
    }

    /** Runs the next {@link #whenIdle} task, if any; whether one ran. */
    private boolean runIdleTask() {
        Runnable r = idleTasks.poll();
        if (r == null) return false;
        r.run();
        return true;
    }

    /**
     * Runs {@code task} at an instruction boundary and returns its result: on the run thread if the machine
     * is running (waiting for it), or right here if no run loop is active; then no run loop starts until the task is
     * done ({@link #runLock}). Any thread.
     */
    public <T> T callAtInstructionBoundary(java.util.concurrent.Callable<T> task) throws Exception {
        if (runThread == Thread.currentThread()) return task.call();
        if (runLock.tryLock()) { // no run loop runs, and none starts (on any thread) before the task is done
            try {
                return task.call();
            } finally {
                runLock.unlock();
            }
        }
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        submit(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable t) {
                f.completeExceptionally(t);
            }
        });
        try {
            while (true) {
                try {
                    return f.get(MAX_IDLE_NANOS, java.util.concurrent.TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException notYet) {
                    // The run loop ended before it took the task: the machine is stopped, so this is a boundary too.
                    runLeftRequests();
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Exception ex) throw ex;
            throw new IllegalStateException(c);
        }
    }

    /** Runs the requests no run loop took (it ended), if none runs now (nor starts meanwhile); each runs once. */
    private void runLeftRequests() {
        if (!runLock.tryLock()) return;
        try {
            Runnable r;
            while ((r = requests.poll()) != null) r.run();
        } finally {
            runLock.unlock();
        }
    }

    /**
     * Gives the guest fresh entropy after it was cloned (restored, or reset to a checkpoint): a new VM generation
     * ID from the host's SecureRandom and its interrupt, on which Linux reseeds its CRNG. Call on the run thread
     * or while no run loop runs. Deterministic machines are left alone (their runs must repeat exactly).
     * Returns whether the guest was told.
     */
    public boolean newGeneration() {
        if (config.deterministic()) return false;
        byte[] id = new byte[VmGenId.ID_BYTES];
        VmGenId.drawId(id); // from /dev/urandom under -Dvmckpt.genid.urandom (round 76), else a SecureRandom
        vmGenId.newGeneration(id);
        return true;
    }

    /** The VM generation ID device. */
    public VmGenId vmGenId() {
        return vmGenId;
    }

    /** True while {@link #run} is executing on some thread. */
    public boolean isRunLoopActive() {
        return runThread != null;
    }

    /** Asks the run loop to pause (any thread); the loop keeps serving {@link #submit} requests while paused. */
    public void requestPause() {
        pauseRequested = true;
        submit(() -> { });
    }

    /**
     * Pauses the machine here, its clock included, instead of at the run loop's next turn: for a task at an instruction
     * boundary ({@link #callAtInstructionBoundary}) that captures the state the guest continues from elsewhere (a
     * live migration's switch-over), so that the clock stands where that state has it. The run state changes with the
     * clock, so a {@link #requestResume} that comes before the loop's next turn still resumes both.
     */
    public void pauseNow() {
        pauseRequested = true;
        if (runState == RunState.RUNNING) runState = RunState.PAUSED;
        clock.pause();
    }

    /** Whether a pause has been asked for and not yet undone by {@link #requestResume}. */
    public boolean isPauseRequested() {
        return pauseRequested;
    }

    public void requestResume() {
        pauseRequested = false;
        submit(() -> { });
    }

    /**
     * Runs {@code task} once on the run thread as soon as {@link #run} has started the guest's clock (or has found
     * the machine paused): for work that must not come before the guest's first instruction, such as waking other
     * threads, which on a loaded host can take the CPU from the thread that wakes them for milliseconds (a migrated
     * guest's clock stands still until it runs here). Call before {@link #run}, on the thread that will run it; tasks
     * run in the order given.
     */
    public void whenStarted(Runnable task) {
        if (onceStarted == null) onceStarted = new java.util.ArrayList<>();
        onceStarted.add(task);
    }

    /** The last capture's state records, bytes: the next capture's room is sized from it ({@link #captureRoom}). */
    private volatile int lastCaptureRecordBytes;

    /** {@link #whenStarted}'s tasks in the order given, or null (the run thread's own). */
    private java.util.List<Runnable> onceStarted;

    private void runOnceStarted() {
        java.util.List<Runnable> tasks = onceStarted;
        if (tasks != null) {
            onceStarted = null;
            for (Runnable r : tasks) r.run();
        }
    }

    /**
     * The host's id of the thread that runs (or last ran) the guest's CPU, as {@code chrt -p} and {@code taskset -p} take
     * it (QMP query-cpus-fast's thread-id); -1 before the first {@link #run}, or where the host does not say.
     */
    public long runThreadHostId() {
        return runThreadHostId;
    }

    /** Ends {@link #run} at the next instruction boundary with the given status (any thread). */
    public void requestExit(int code) {
        exitCode = code;
        submit(() -> { });
    }

    /**
     * Runs until the guest powers off, {@link #requestExit} is called, or {@code maxInstructions} have
     * retired (then returns null), or as many attempts in a row retired nothing (a guest caught in an endless
     * trap loop, e.g. its entry point in MMIO: then also null). Returns the exit status otherwise.
     */
    public Integer run(long maxInstructions) {
        runLock.lock(); // waits for a boundary task that runs on another thread with no run loop (callAtInstructionBoundary)
        try {
            return runLocked(maxInstructions);
        } finally {
            runLock.unlock();
        }
    }

    private Integer runLocked(long maxInstructions) {
        runThread = Thread.currentThread();
        runThreadHostId = HostThreadId.current();
        Hart h = harts[0];
        h.setOwner(Thread.currentThread()); // its TLB is this thread's until the loop ends (Hart.CHECK_OWNER checks it)
        long target = maxInstructions < 0 ? Long.MAX_VALUE : h.instret + maxInstructions;
        boolean deterministic = config.deterministic();
        long stalled = 0; // attempts since the hart last retired an instruction (a trap at every fetch retires none)
        try {
            while (exitCode == null) {
                // The cast to Runnable comes after the null test: a checkcast that has only ever seen null (no request
                // while C2 profiled the loop) makes C2 speculate that it stays null, and the first request (a
                // checkpoint's or a migration's capture) threw the loop's C2 code away (speculate_null_assert).
                Object r;
                while ((r = requests.poll()) != null) ((Runnable) r).run();
                if (exitCode != null) break;
                if (rebootRequested) {
                    exitCode = REBOOT_EXIT;
                    break;
                }
                if (pauseRequested) {
                    if (runState != RunState.PAUSED) {
                        runState = RunState.PAUSED;
                        clock.pause();
                    }
                    clock.dropPendingLeap(); // paused on request: that time stays invisible to the guest
                    runOnceStarted();
                    if (!runIdleTask()) LockSupport.parkNanos(MAX_IDLE_NANOS);
                    continue;
                }
                if (runState != RunState.RUNNING) {
                    clock.resume();
                    runState = RunState.RUNNING;
                    runOnceStarted();
                }
                if (h.instret >= target || (maxInstructions >= 0 && stalled >= maxInstructions)) return null;
                feedConsole();
                if (atDecisionPoint(h)) updateTimersAndInterrupts();
                if (h.isWaitingForInterrupt()) {
                    if (h.pendingEnabledBits() != 0) {
                        h.checkInterrupts(); // an enabled pending interrupt ends the WFI, taken or not
                    } else {
                        idle();
                        // Deterministic, no timer armed, nothing pending: only console input or a request can wake it.
                        if (deterministic && h.isWaitingForInterrupt()) {
                            LockSupport.parkNanos(MAX_IDLE_NANOS);
                            waitedNanos += MAX_IDLE_NANOS;
                        }
                        continue;
                    }
                }
                long budget = Math.min(BATCH - (deterministic ? h.instret % BATCH : 0), target - h.instret);
                long retiredBefore = h.instret;
                int attempted = h.run((int) Math.max(1, budget));
                stalled = h.instret == retiredBefore ? stalled + attempted : 0;
                // HTIF is a device the machine polls: never at a split point such as run()'s target, or a program
                // spinning on tohost would spin a different number of times.
                if (elf != null && atDecisionPoint(h)) checkHtif();
                // Deterministic mode: a WFI's idle skip belongs to the instruction, so that the state at a given
                // instruction count is unique (a checkpoint taken between the WFI and the skip would differ).
                if (deterministic && h.isWaitingForInterrupt() && h.pendingEnabledBits() == 0) idle();
            }
            return exitCode;
        } catch (RuntimeException e) {
            // A bug of ours, or a lazy-restore page that cannot be read any more: stop this VM with a clear
            // message rather than a bare stack trace. The guest itself cannot get here: its faults are traps.
            exitCode = 1;
            throw new MachineFault(String.format("the virtual machine stopped on an internal error at pc 0x%x after %,d instructions: %s",
                    h.pc, h.instret, e), e);
        } finally {
            clock.pause(); // guest time stands still while no run loop drives the machine
            runState = exitCode != null ? RunState.SHUTDOWN : RunState.PAUSED;
            h.setOwner(null);
            runThread = null;
        }
    }

    /**
     * Whether the machine looks at timers, interrupts and polled devices now: always in host mode; in
     * deterministic mode only at instruction counts that are multiples of BATCH or right after an event that asks
     * for it, so a run split by a checkpoint makes exactly the same decisions as an uninterrupted one.
     */
    private boolean atDecisionPoint(Hart h) {
        return !config.deterministic() || h.instret % BATCH == 0 || h.interruptCheckDue();
    }

    private void updateTimersAndInterrupts() {
        clint.updateTimers();
        if (sbi != null) sbi.updateTimers(clint.mtime());
        harts[0].checkInterrupts();
    }

    /** Exit status used when the guest asked for a reboot: the caller may boot again. */
    public static final int REBOOT_EXIT = 0x7e5e7;

    private void feedConsole() {
        if (consoleInput.isEmpty() || config.elf() != null) return;
        while (uart.canReceive()) {
            Byte b = consoleInput.poll();
            if (b == null) break;
            uart.receive(b);
        }
    }

    /** Nothing to run until the next timer deadline: skip (deterministic) or sleep (host time). */
    private void idle() {
        long deadline = clint.nextDeadline();
        if (sbi != null && Long.compareUnsigned(sbi.nextDeadline(), deadline) < 0) deadline = sbi.nextDeadline();
        long now = clint.mtime();
        if (config.deterministic()) {
            runIdleTask(); // host work only: nothing the guest sees, so the run is the same with or without it
            if (deadline != -1L && Long.compareUnsigned(deadline, now) > 0) waitedNanos += (deadline - now) * Clock.NANOS_PER_TICK;
            if (deadline != -1L) clock.advanceTo(deadline);
            if (!idled) firstIdle();
            updateTimersAndInterrupts();
            return;
        }
        long waitNanos = Long.compareUnsigned(deadline, now) > 0 ? (deadline - now) * Clock.NANOS_PER_TICK : 0;
        if (deadline == -1L) waitNanos = MAX_IDLE_NANOS;
        // Time the guest does not need: a host task takes it before the run thread sleeps (then the timers again).
        if (waitNanos >= IDLE_TASK_MIN_NANOS && runIdleTask()) {
            feedConsole();
            updateTimersAndInterrupts();
            return;
        }
        waitNanos = Math.min(waitNanos, MAX_IDLE_NANOS);
        if (waitNanos > 0 && consoleInput.isEmpty() && requests.isEmpty()) {
            long t0 = System.nanoTime();
            LockSupport.parkNanos(waitNanos);
            long slept = System.nanoTime() - t0;
            idleNanos += slept;
            waitedNanos += slept;
            if (!idled) firstIdle();
        }
        feedConsole();
        updateTimersAndInterrupts();
    }

    private void checkHtif() {
        long tohost = memory.read64(elf.tohost());
        if (tohost == 0) return;
        long device = tohost >>> 56, command = (tohost >>> 48) & 0xff;
        if (device == 1 && command == 1) { // console putchar
            uart.write(0, 1, tohost & 0xff);
            memory.write64(elf.tohost(), 0);
            if (elf.fromhost() != 0) memory.write64(elf.fromhost(), (1L << 56) | (1L << 48));
            return;
        }
        if ((tohost & 1) != 0) {
            exitCode = tohost == 1 ? 0 : (int) Math.max(1, Math.min(Integer.MAX_VALUE, tohost >>> 1));
        } else {
            exitCode = 1; // a syscall proxy request: not supported, so the program cannot continue
        }
    }

    // ================================================================== state

    /**
     * SHA-256 over every state record and every RAM page and disk block: the oracle for determinism and
     * checkpoint tests. Two machines with equal hashes are in the same state.
     */
    public byte[] stateHash() {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Snapshottable s : stateParts) {
                if (s == clock && !config.deterministic()) continue; // host time is not state we can compare
                StateWriter w = new StateWriter();
                s.saveState(w);
                d.update(s.stateName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
                d.update(w.toByteArray());
            }
            memory.materializeAllLazy();
            byte[] zero = new byte[GuestMemory.PAGE_SIZE];
            for (int i = 0; i < memory.pageCount(); i++) {
                byte[] p = memory.peekPage(i);
                d.update(p == null ? zero : p);
            }
            virtio.hashDisks(d);
            return d.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
