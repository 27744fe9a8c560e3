package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;
import org.vmckpt.machine.Bus;
import org.vmckpt.machine.memory.GuestMemory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.*;
import static org.vmckpt.machine.cpu.Asm.j;

/**
 * The translator thread's warm-up ({@link TranslatorWarmUp}): its code is the loop it says (run by the interpreter),
 * the translator makes a unit of it, and a translator thread has built it before it takes its first job.
 */
class TranslatorWarmUpTest {
    static final long BASE = 0x8000_0000L;

    @Test
    void theWarmUpPageIsTheLoopItSays() {
        GuestMemory mem = new GuestMemory(BASE, 1 << 20);
        Hart h = new Hart(0, new Bus(mem), () -> 0);
        h.setTranslation(false);
        byte[] page = TranslatorWarmUp.page();
        for (int i = 0; i < 24; i++) mem.write8(BASE + i, page[i]);
        long data = BASE + 0x1000, out = BASE + 0x2000, ret = BASE + 0x3000;
        for (int k = 0; k < 3; k++) mem.write64(data + 8L * k, k + 1);
        mem.write32(ret, j(0, 0)); // the return lands in a loop of its own
        h.x[10] = data; h.x[11] = out; h.x[14] = data + 24; h.x[1] = ret;
        h.pc = BASE;
        h.run(3 * 5 + 1 + 10);
        assertEquals(ret, h.pc, "ret after three rounds");
        assertEquals(6, h.x[13], "a3 summed the three loads");
        assertEquals(6, mem.read64(out), "and stored each running sum");
    }

    @Test
    void theTranslatorMakesAUnitOfIt() {
        TranslatedUnit u = new Translator(Translator.BACKGROUND_NAME).translate(TranslatorWarmUp.page(), 0, 0);
        assertNotNull(u);
    }

    @Test
    void aTranslatorThreadHasWarmedUpBeforeItsFirstJob() {
        BackgroundTranslator bt = new BackgroundTranslator("test-warm-up", true);
        CountDownLatch seen = new CountDownLatch(1);
        AtomicBoolean warmedUpThen = new AtomicBoolean();
        bt.beforeBuild = p -> {
            if (seen.getCount() == 0) return;
            warmedUpThen.set(bt.warmedUp);
            seen.countDown();
        };
        Hart h = BackgroundTranslatorTest.hart(true, bt);
        while (seen.getCount() > 0 && h.instret < 50_000_000) h.run(4096);
        BackgroundTranslatorTest.await(seen);
        assertTrue(warmedUpThen.get(), "the warm-up unit was built before the first job");
    }
}
