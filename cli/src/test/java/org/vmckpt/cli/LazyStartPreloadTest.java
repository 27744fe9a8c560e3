package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code -Dvmckpt.restore.lazyStart} (round 85, off): a lazy restore's class preload thread also initialises the control
 * socket's class ({@code QmpServer}, whose logger starts java.util.logging), which the restore command's thread otherwise
 * does between "restored" and the guest's first instruction; an eager restore's preload does not, nor a lazy one's
 * without the switch. Each case in a child JVM of its own (the switch is read once per JVM).
 */
class LazyStartPreloadTest {
    /** The child: the preload of {@code vmckpt restore ARGS}, then whether it initialised the control socket's class. */
    public static void main(String[] args) throws Exception {
        Main.preload(args);
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!Main.socketClassesWarmed && System.nanoTime() < deadline) Thread.sleep(5);
        System.out.println("socket " + Main.socketClassesWarmed + " control " + Main.controlClassWarmed);
    }

    @Test
    void aLazyRestoresPreloadInitialisesTheControlSocketsClassWithTheSwitchOnly() throws Exception {
        List<String> lazy = List.of("restore", "some-checkpoint", "--lazy");
        List<String> eager = List.of("restore", "some-checkpoint");
        assertEquals("socket true control true", ChildJvm.lastLine(List.of(), LazyStartPreloadTest.class, lazy, "-Dvmckpt.restore.lazyStart=true"));
        assertEquals("socket true control false", ChildJvm.lastLine(List.of(), LazyStartPreloadTest.class, lazy, "-Dvmckpt.restore.lazyStart=false"));
        assertEquals("socket true control false", ChildJvm.lastLine(List.of(), LazyStartPreloadTest.class, eager, "-Dvmckpt.restore.lazyStart=true"));
    }
}
