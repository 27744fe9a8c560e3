package org.vmckpt.machine.device.virtio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.device.virtio.TestQueue.Buf;
import org.vmckpt.machine.device.virtio.TestQueue.Used;

class VirtioRngTest {
    private static final long VERSION_1 = 1L << VirtioMmio.F_VERSION_1;
    private static final long EVENT_IDX = 1L << VirtioMmio.F_RING_EVENT_IDX;

    private static TestQueue start(TestDriver d, long features) {
        d.negotiate(features);
        TestQueue q = d.setupQueue(0, 8);
        d.driverOk();
        return q;
    }

    @Test
    void sameSeedGivesSameBytes() {
        TestDriver a = TestDriver.create(new VirtioRng(new SplittableRandom(5)));
        TestDriver b = TestDriver.create(new VirtioRng(new SplittableRandom(5)));
        TestDriver c = TestDriver.create(new VirtioRng(new SplittableRandom(6)));
        byte[][] out = new byte[3][];
        int i = 0;
        for (TestDriver d : List.of(a, b, c)) {
            TestQueue q = start(d, VERSION_1);
            long buf = d.alloc(333, 1);
            q.submit(Buf.out(buf, 333));
            out[i++] = d.readBytes(buf, 333);
        }
        assertArrayEquals(out[0], out[1]);
        assertFalse(java.util.Arrays.equals(out[0], out[2]));
    }

    @Test
    void hugeRequestsAreCapped() {
        VirtioRng rng = new VirtioRng(new SplittableRandom(1));
        TestDriver d = TestDriver.create(rng);
        TestQueue q = start(d, VERSION_1);
        int len = VirtioRng.MAX_BYTES_PER_REQUEST + 4096;
        long buf = d.alloc(len, 4096);
        int head = q.submit(Buf.out(buf, len));
        assertEquals(List.of(new Used(head, VirtioRng.MAX_BYTES_PER_REQUEST)), q.takeUsed());
        byte[] tail = d.readBytes(buf + VirtioRng.MAX_BYTES_PER_REQUEST, 4096);
        for (byte x : tail) assertEquals(0, x);
        assertEquals(VirtioRng.MAX_BYTES_PER_REQUEST, rng.bytesProvided());
    }

    @Test
    void ringIndicesWrapPast65535() {
        TestDriver d = TestDriver.create(new VirtioRng(new SplittableRandom(2)));
        TestQueue q = start(d, VERSION_1 | EVENT_IDX);
        long buf = d.alloc(8, 8);
        int interrupts = 0;
        for (int i = 0; i < 70_000; i++) {
            q.setUsedEvent(q.lastUsedIdx); // like virtqueue_enable_cb: interrupt for the next one
            q.submit(Buf.out(buf, 8));
            assertEquals(1, q.takeUsed().size());
            if (d.irq.level) {
                interrupts++;
                d.takeInterrupt();
            }
        }
        assertEquals(70_000, interrupts);
        assertEquals(70_000 & 0xffff, d.memory.read16(q.used + 2));
        assertFalse(d.needsReset());
        assertTrue(d.mmio.lastError() == null);
    }
}
