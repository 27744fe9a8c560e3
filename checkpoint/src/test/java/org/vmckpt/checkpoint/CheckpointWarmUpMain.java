package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.machine.Machine;
import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Method;

/**
 * {@link CheckpointWarmUpTest}'s child JVM: runs the checkpoint warm-up (argument {@code warm}) or not ({@code cold}),
 * or ({@code start}) prints whether the engine's call would start it ({@code started true}), or ({@code guest}) starts it
 * for a memwalk guest that does not run for 1.5 s, then runs, and prints {@code before N waiting B after M}: the
 * throwaway checkpoints done before the guest ran, whether the thread was still waiting then (alive, no temporary
 * repository made), and those done once the guest had been idle for a while;
 * then prints one line: {@code runs N writePages T putPage T pageReplaced T}, the throwaway checkpoints completed and
 * the tiers of the saver's page loop's, the writer's per-page code and the copy-on-write path's TLB sweep for calls
 * now (0: not compiled, 4: C2).
 */
public final class CheckpointWarmUpMain {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("start")) { // whether the engine's call starts it (-Dvmckpt.checkpoint.warmUp)
            Thread t = CheckpointWarmUp.startInBackground(null, () -> false);
            System.out.println("started " + (t != null));
            if (t != null) t.join(60_000);
            return;
        }
        if (args[0].equals("guest")) { // the thread waits for the guest to be idle for a while
            Machine m = Machines.memwalk(new StringBuilder()); // booted, not running: never idle
            Thread t = CheckpointWarmUp.startInBackground(m, () -> false);
            Thread.sleep(1500);
            int before = CheckpointWarmUp.completedRuns();
            boolean waiting = t.isAlive() && !tempDirMade();
            Thread guest = new Thread(() -> m.run(-1), "warm-up-test-guest"); // memwalk waits for its timer often
            guest.start();
            t.join(120_000);
            m.requestExit(0);
            guest.join(30_000);
            System.out.println("before " + before + " waiting " + waiting + " after " + CheckpointWarmUp.completedRuns());
            return;
        }
        int runs = args[0].equals("warm") ? CheckpointWarmUp.run() : 0;
        Method writePages = null;
        for (Method m : PageClassifier.class.getDeclaredMethods()) if (m.getName().equals("writePages")) writePages = m;
        Method putPage = CheckpointWriter.class.getMethod("putPage", int.class, byte[].class);
        Method pageReplaced = Class.forName("org.vmckpt.machine.cpu.Mmu").getDeclaredMethod("pageReplaced", int.class);
        System.out.println("runs " + runs + " writePages " + HotSpotCompiler.methodTier(writePages, false)
                + " putPage " + HotSpotCompiler.methodTier(putPage, false)
                + " pageReplaced " + HotSpotCompiler.methodTier(pageReplaced, false));
    }

    /** Whether the warm-up has made its temporary repository (the first thing a run does) in this JVM's temporary directory. */
    private static boolean tempDirMade() throws java.io.IOException {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of(System.getProperty("java.io.tmpdir")))) {
            return files.anyMatch(p -> p.getFileName().toString().startsWith("vmckpt-checkpoint-warm-up"));
        }
    }
}
