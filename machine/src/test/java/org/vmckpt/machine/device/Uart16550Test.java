package org.vmckpt.machine.device;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.vmckpt.machine.state.StateFormatException;

class Uart16550Test {
    private static final int RBR = 0, THR = 0, DLL = 0, IER = 1, DLM = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

    private final RecordingIrqLine irq = new RecordingIrqLine();
    private final ByteArrayOutputStream sent = new ByteArrayOutputStream();
    private final Uart16550 uart = new Uart16550(irq, sent::write);

    private int in(int reg) {
        return (int) uart.read(reg, 1);
    }

    private void out(int reg, int value) {
        uart.write(reg, 1, value);
    }

    @Test
    void resetStateIsIdleWithTransmitterEmpty() {
        assertEquals(0x01, in(IIR));
        assertEquals(0x60, in(LSR));
        assertEquals(0x00, in(IER));
        assertEquals(0x00, in(LCR));
        assertEquals(0x08, in(MCR));
        assertEquals(0xB0, in(MSR), "DCD, DSR and CTS: a ready line");
        assertFalse(irq.level);
    }

    @Test
    void probeScratchRegisterAndIerTestsPass() {
        // autoconfig(): the scratch register keeps what is written.
        out(SCR, 0xA5);
        assertEquals(0xA5, in(SCR));
        out(SCR, 0x5A);
        assertEquals(0x5A, in(SCR));
        // IER keeps the four low bits only.
        out(IER, 0);
        assertEquals(0, in(IER) & 0x0F);
        out(IER, 0xFF);
        assertEquals(0x0F, in(IER));
        out(IER, 0);
    }

    @Test
    void dlabSwitchesTheFirstTwoRegistersToTheDivisor() {
        out(IER, 0x05);
        out(LCR, 0x80 | 0x03);
        out(DLL, 0x01);
        out(DLM, 0x02);
        assertEquals(0x01, in(DLL));
        assertEquals(0x02, in(DLM));
        assertEquals(0x83, in(LCR));
        assertEquals(0, sent.size(), "a divisor write is not a transmitted byte");
        out(LCR, 0x03);
        assertEquals(0x05, in(IER), "IER untouched by the divisor writes");
        out(LCR, 0x80);
        assertEquals(0x01, in(DLL));
    }

    @Test
    void fifoEnableShowsInTheTopBitsOfIir() {
        out(FCR, 0x01);
        assertEquals(0xC1, in(IIR));
        // autoconfig reads IIR >> 6 == 3 to recognise a 16550A
        assertEquals(3, in(IIR) >> 6);
        out(FCR, 0x00);
        assertEquals(0x01, in(IIR));
    }

    @Test
    void linuxClearFifosSequenceLeavesAnIdleUart() {
        uart.receive((byte) 'x');
        out(FCR, 0x01);
        out(FCR, 0x01 | 0x02 | 0x04);
        out(FCR, 0x00);
        assertEquals(0x60, in(LSR));
        assertTrue(uart.canReceive());
        assertEquals(0x01, in(IIR));
    }

    @Test
    void transmittedBytesGoToTheOutputAndTheTransmitterIsEmptyAgain() {
        for (byte b : "hi\n".getBytes()) out(THR, b);
        assertEquals("hi\n", sent.toString());
        assertEquals(0x60, in(LSR) & 0x60);
        assertFalse(irq.level, "THRE interrupt not enabled");
    }

    @Test
    void thrEmptyInterruptFiresWhenEnabledAndIsClearedByReadingIir() {
        out(FCR, 0x01);
        out(IER, 0x02);
        assertTrue(irq.level, "enabling THRI with an empty THR raises the interrupt");
        assertEquals(0xC2, in(IIR));
        assertFalse(irq.level, "reading IIR acknowledges THRE");
        assertEquals(0xC1, in(IIR));
        out(THR, 'a');
        assertTrue(irq.level, "the byte went out, THR is empty again");
        out(IER, 0);
        assertFalse(irq.level);
    }

    @Test
    void linuxStartupThreReassertTestSeesAWorkingUart() {
        // serial8250_do_startup: IER=THRI, read IIR, IER=0, IER=THRI, read IIR. A UART whose second IIR
        // read shows no interrupt gets flagged UART_BUG_THRE and is driven by a polling timer.
        out(IER, 0x02);
        int iir1 = in(IIR);
        out(IER, 0);
        out(IER, 0x02);
        int iir = in(IIR);
        out(IER, 0);
        assertEquals(0, iir1 & 0x01);
        assertEquals(0, iir & 0x01, "THRE re-asserted when THRI is enabled again");
        // The TXEN test: IER=THRI, read LSR and IIR; TEMT with no interrupt would mean UART_BUG_TXEN.
        out(IER, 0x02);
        int lsr = in(LSR);
        int iir2 = in(IIR);
        out(IER, 0);
        assertEquals(0x40, lsr & 0x40);
        assertEquals(0x02, iir2 & 0x0F);
    }

    @Test
    void receivedBytesComeOutInOrderAndRaiseTheReceiveInterrupt() {
        out(FCR, 0x01); // trigger level 1
        out(IER, 0x01);
        assertFalse(irq.level);
        uart.receive((byte) 'a');
        uart.receive((byte) 'b');
        assertTrue(irq.level);
        assertEquals(0xC4, in(IIR));
        assertEquals(0x61, in(LSR));
        assertEquals('a', in(RBR));
        assertEquals('b', in(RBR));
        assertEquals(0x60, in(LSR));
        assertFalse(irq.level);
        assertEquals(0, in(RBR), "reading an empty receiver gives 0");
    }

    @Test
    void belowTheTriggerLevelTheTimeoutInterruptIsReported() {
        out(FCR, 0xC1); // trigger at 14 bytes
        out(IER, 0x01);
        for (int i = 0; i < 3; i++) uart.receive((byte) i);
        assertTrue(irq.level);
        assertEquals(0xCC, in(IIR));
        for (int i = 3; i < 14; i++) uart.receive((byte) i);
        assertEquals(0xC4, in(IIR));
    }

    @Test
    void overflowKeepsTheFirstSixteenBytesAndSetsOverrun() {
        out(FCR, 0x01);
        for (int i = 0; i < 16; i++) {
            assertTrue(uart.canReceive());
            uart.receive((byte) (0x40 + i));
        }
        assertFalse(uart.canReceive());
        uart.receive((byte) 0x7F);
        int lsr = in(LSR);
        assertEquals(0x02, lsr & 0x02, "overrun");
        assertEquals(0, in(LSR) & 0x02, "reading LSR clears overrun");
        for (int i = 0; i < 16; i++) assertEquals(0x40 + i, in(RBR));
        assertEquals(0, in(LSR) & 0x01);
    }

    @Test
    void withoutFifosTheReceiverHoldsOneByteAndANewOneOverwritesIt() {
        assertTrue(uart.canReceive());
        uart.receive((byte) 'a');
        assertFalse(uart.canReceive());
        uart.receive((byte) 'b');
        assertEquals(0x02, in(LSR) & 0x02);
        assertEquals('b', in(RBR));
        assertTrue(uart.canReceive());
    }

    @Test
    void iirReportsTheHighestPriorityCondition() {
        out(FCR, 0x01);
        out(IER, 0x07);
        assertEquals(0xC2, in(IIR), "THRE alone");
        out(IER, 0);
        out(IER, 0x07);
        uart.receive((byte) 1);
        assertEquals(0xC4, in(IIR), "received data outranks THRE");
        for (int i = 0; i < 16; i++) uart.receive((byte) 2); // overrun
        assertEquals(0xC6, in(IIR), "line status outranks received data");
        in(LSR);
        assertEquals(0xC4, in(IIR));
        while ((in(LSR) & 1) != 0) in(RBR);
        assertEquals(0xC2, in(IIR), "then the pending THRE");
        assertEquals(0xC1, in(IIR));
        assertFalse(irq.level);
    }

    @Test
    void changingFifoModeFlushesTheReceiver() {
        out(FCR, 0x01);
        uart.receive((byte) 1);
        uart.receive((byte) 2);
        out(FCR, 0x00);
        assertEquals(0, in(LSR) & 0x01);
        out(FCR, 0x01);
        uart.receive((byte) 3);
        out(FCR, 0x01 | 0x02);
        assertEquals(0, in(LSR) & 0x01);
    }

    @Test
    void loopbackMirrorsModemLinesAndEchoesBytes() {
        // autoconfig's loopback test: MCR = LOOP | RTS | OUT2 must read back CTS | DCD in MSR.
        out(MCR, 0x10 | 0x0A);
        assertEquals(0x90, in(MSR) & 0xF0);
        out(FCR, 0x01);
        out(THR, 'z');
        assertEquals(0, sent.size());
        assertEquals('z', in(RBR));
        out(MCR, 0x08);
        assertEquals(0xB0, in(MSR));
    }

    @Test
    void hostileAccessesNeverThrow() {
        Random random = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            long offset = random.nextBoolean() ? random.nextInt(0x100) : random.nextLong();
            int size = 1 << random.nextInt(4);
            uart.read(offset, size);
            uart.write(offset, size, random.nextLong());
            if (random.nextInt(4) == 0) uart.receive((byte) random.nextInt());
        }
    }

    @Test
    void stateRoundTripIsExactAndBehaviourContinuesIdentically() throws StateFormatException {
        out(LCR, 0x83);
        out(DLL, 0x03);
        out(LCR, 0x03);
        out(FCR, 0x81);
        out(IER, 0x03);
        out(SCR, 0x42);
        for (int i = 0; i < 20; i++) uart.receive((byte) ('A' + i)); // 16 kept, overrun set
        in(RBR);
        in(RBR);
        byte[] saved = StateRoundTrip.save(uart);

        RecordingIrqLine copyIrq = new RecordingIrqLine();
        ByteArrayOutputStream copySent = new ByteArrayOutputStream();
        Uart16550 copy = new Uart16550(copyIrq, copySent::write);
        StateRoundTrip.load(copy, saved);
        assertArrayEquals(saved, StateRoundTrip.save(copy));
        assertTrue(copyIrq.level, "load drives the interrupt line");

        StringBuilder original = new StringBuilder();
        StringBuilder restored = new StringBuilder();
        for (int reg : new int[] {IIR, LSR, LSR, RBR, RBR, IIR, LCR, SCR, MSR, MCR}) {
            original.append(uart.read(reg, 1)).append(',');
            restored.append(copy.read(reg, 1)).append(',');
        }
        assertEquals(original.toString(), restored.toString());
        out(LCR, 0x80);
        copy.write(LCR, 1, 0x80);
        assertEquals(in(DLL), copy.read(DLL, 1));
        assertEquals(irq.level, copyIrq.level);
    }

    @Test
    void truncatedRecordsAndUnknownVersionsAreRejected() {
        out(FCR, 0x01);
        uart.receive((byte) 'q');
        byte[] saved = StateRoundTrip.save(uart);
        for (int n = 0; n < saved.length; n++) {
            byte[] truncated = Arrays.copyOf(saved, n);
            assertThrows(StateFormatException.class, () -> StateRoundTrip.load(new Uart16550(IrqLine.NONE, b -> { }), truncated));
        }
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(uart, saved, 2));
        byte[] tooMuchData = StateRoundTrip.save(new Uart16550(IrqLine.NONE, b -> { })); // FIFO off: 1 byte max
        byte[] withTwoBytes = Arrays.copyOf(tooMuchData, tooMuchData.length + 2);
        withTwoBytes[tooMuchData.length - 4] = 2; // the unread-byte count
        assertThrows(StateFormatException.class, () -> StateRoundTrip.load(uart, withTwoBytes));
    }
}
