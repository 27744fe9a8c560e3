package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.CheckpointWriter;
import org.vmckpt.machine.cpu.HotSpotCompiler;

import java.lang.reflect.Method;

/**
 * {@link CheckpointWarmUpTest}'s child JVM: runs the checkpoint warm-up (argument {@code warm}) or not ({@code cold}),
 * or ({@code start}) prints whether the engine's call would start it ({@code started true}),
 * then prints one line: {@code runs N writePages T putPage T}, the throwaway checkpoints completed and the tiers of the
 * saver's page loop's and the writer's per-page code for calls now (0: not compiled, 4: C2).
 */
public final class CheckpointWarmUpMain {
    public static void main(String[] args) throws Exception {
        if (args[0].equals("start")) { // whether the engine's call starts it (-Dvmckpt.checkpoint.warmUp)
            Thread t = CheckpointWarmUp.startInBackground();
            System.out.println("started " + (t != null));
            if (t != null) t.join(60_000);
            return;
        }
        int runs = args[0].equals("warm") ? CheckpointWarmUp.run() : 0;
        Method writePages = null;
        for (Method m : PageClassifier.class.getDeclaredMethods()) if (m.getName().equals("writePages")) writePages = m;
        Method putPage = CheckpointWriter.class.getMethod("putPage", int.class, byte[].class);
        System.out.println("runs " + runs + " writePages " + HotSpotCompiler.methodTier(writePages, false)
                + " putPage " + HotSpotCompiler.methodTier(putPage, false));
    }
}
