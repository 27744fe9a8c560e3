package org.vmckpt.machine.device;

import org.vmckpt.machine.MemoryMap;
import org.vmckpt.machine.firmware.DeviceTree;
import org.vmckpt.machine.firmware.DeviceTreeNode;
import org.vmckpt.machine.firmware.FdtWriter;

import java.util.function.IntConsumer;
import org.vmckpt.machine.state.Snapshottable;
import org.vmckpt.machine.state.StateFormatException;
import org.vmckpt.machine.state.StateReader;
import org.vmckpt.machine.state.StateWriter;

/**
 * An NS16550A UART with 1-byte registers at stride 1 (reg-shift 0), as on QEMU's virt board, behaving the way
 * QEMU's serial model does, which is what Linux's 8250 driver and OpenSBI are tested against.
 *
 * <p>Transmission is instantaneous: a byte written to THR goes straight to the output, so THR and the
 * transmitter are always empty again by the next access. Reception goes through a 16-byte FIFO (1 byte
 * while FIFOs are disabled) fed by {@link #receive(byte)} on the machine thread.
 *
 * <p>The THR-empty interrupt follows QEMU (and Bochs): it is raised when a byte has been sent, when the FIFO
 * is reset, and whenever IER.THRI goes from 0 to 1 while THR is empty; reading IIR while it reports THRE, or
 * writing THR, clears it. Linux's startup probe for a UART that fails to re-assert THRE depends on this.
 * The receive timeout (IIR 0xC) is reported at once when data sits below the FIFO trigger level, since
 * this UART has no notion of character time. In loopback mode (MCR bit 4) sent bytes come back to the
 * receiver and MSR mirrors the MCR outputs.
 */
public final class Uart16550 implements MmioDevice, Snapshottable, DeviceTreeNode {
    public static final long SIZE = 0x100;
    public static final int FIFO_SIZE = 16;

    // Register offsets.
    static final int RBR_THR_DLL = 0;
    static final int IER_DLM = 1;
    static final int IIR_FCR = 2;
    static final int LCR = 3;
    static final int MCR = 4;
    static final int LSR = 5;
    static final int MSR = 6;
    static final int SCR = 7;

    static final int IER_RDI = 0x01;
    static final int IER_THRI = 0x02;
    static final int IER_RLSI = 0x04;
    static final int IER_MSI = 0x08;

    static final int IIR_NO_INT = 0x01;
    static final int IIR_MSI = 0x00;
    static final int IIR_THRI = 0x02;
    static final int IIR_RDI = 0x04;
    static final int IIR_RLSI = 0x06;
    static final int IIR_CTI = 0x0C;
    static final int IIR_FIFO_ENABLED = 0xC0;

    static final int FCR_FIFO_ENABLE = 0x01;
    static final int FCR_CLEAR_RX = 0x02;
    static final int FCR_CLEAR_TX = 0x04;

    static final int LCR_DLAB = 0x80;

    static final int MCR_DTR = 0x01;
    static final int MCR_RTS = 0x02;
    static final int MCR_OUT1 = 0x04;
    static final int MCR_OUT2 = 0x08;
    static final int MCR_LOOP = 0x10;

    static final int LSR_DR = 0x01;
    static final int LSR_OE = 0x02;
    static final int LSR_BI = 0x10;
    static final int LSR_THRE = 0x20;
    static final int LSR_TEMT = 0x40;
    static final int LSR_ERRORS = 0x1E; // OE, PE, FE, BI: the line-status interrupt conditions

    static final int MSR_CTS = 0x10;
    static final int MSR_DSR = 0x20;
    static final int MSR_RI = 0x40;
    static final int MSR_DCD = 0x80;

    private static final int[] TRIGGER_LEVELS = {1, 4, 8, 14};
    private static final int STATE_VERSION = 1;

    private final IrqLine irq;
    private final IntConsumer output;

    private int ier;
    private int fcr;
    private int lcr;
    private int mcr = MCR_OUT2;
    private int lsr = LSR_THRE | LSR_TEMT;
    private int scr;
    private int divisor = 12; // 9600 baud from a 1.8432 MHz clock; Linux programs its own
    private boolean thrInterruptPending;
    private final byte[] rxFifo = new byte[FIFO_SIZE];
    private int rxHead;
    private int rxCount;
    /** The level last driven on the interrupt line (derived state, not saved). */
    private boolean irqLevel;

    public Uart16550(IrqLine irq, IntConsumer output) {
        this.irq = irq;
        this.output = output;
    }

    /** True if {@link #receive(byte)} would keep the byte (the receive FIFO, or the holding register, has room). */
    public boolean canReceive() {
        return rxCount < rxCapacity();
    }

    /** A byte arrives on the serial line. If there is no room, the overrun flag is set as the datasheet says. */
    public void receive(byte b) {
        if (rxCount < rxCapacity()) {
            rxFifo[(rxHead + rxCount) % FIFO_SIZE] = b;
            rxCount++;
        } else {
            lsr |= LSR_OE;
            // Without FIFOs the new character overwrites the unread one; with FIFOs it is lost.
            if (!fifoEnabled()) rxFifo[rxHead] = b;
        }
        lsr |= LSR_DR;
        updateIrq();
    }

    private boolean fifoEnabled() {
        return (fcr & FCR_FIFO_ENABLE) != 0;
    }

    private int rxCapacity() {
        return fifoEnabled() ? FIFO_SIZE : 1;
    }

    @Override
    public long read(long offset, int size) {
        if (size != 1 || offset < 0 || offset > SCR) return 0;
        switch ((int) offset) {
            case RBR_THR_DLL:
                return (lcr & LCR_DLAB) != 0 ? divisor & 0xFF : readRbr();
            case IER_DLM:
                return (lcr & LCR_DLAB) != 0 ? (divisor >>> 8) & 0xFF : ier;
            case IIR_FCR:
                return readIir();
            case LCR:
                return lcr;
            case MCR:
                return mcr;
            case LSR: {
                int value = lsr;
                if ((lsr & (LSR_OE | LSR_BI)) != 0) {
                    lsr &= ~(LSR_OE | LSR_BI);
                    updateIrq();
                }
                return value;
            }
            case MSR:
                return modemStatus();
            case SCR:
                return scr;
            default:
                return 0;
        }
    }

    @Override
    public void write(long offset, int size, long value) {
        if (size != 1 || offset < 0 || offset > SCR) return;
        int v = (int) value & 0xFF;
        switch ((int) offset) {
            case RBR_THR_DLL:
                if ((lcr & LCR_DLAB) != 0) divisor = (divisor & 0xFF00) | v;
                else writeThr(v);
                break;
            case IER_DLM:
                if ((lcr & LCR_DLAB) != 0) divisor = (divisor & 0x00FF) | (v << 8);
                else writeIer(v);
                break;
            case IIR_FCR:
                writeFcr(v);
                break;
            case LCR:
                lcr = v;
                break;
            case MCR:
                mcr = v & 0x1F;
                break;
            case SCR:
                scr = v;
                break;
            default:
                break; // LSR and MSR are read-only
        }
    }

    private int readRbr() {
        int value = 0;
        if (rxCount > 0) {
            value = rxFifo[rxHead] & 0xFF;
            rxHead = (rxHead + 1) % FIFO_SIZE;
            rxCount--;
        }
        if (rxCount == 0) lsr &= ~(LSR_DR | LSR_BI);
        updateIrq();
        return value;
    }

    private int readIir() {
        int id = interruptId();
        int value = id | (fifoEnabled() ? IIR_FIFO_ENABLED : 0);
        if (id == IIR_THRI) {
            // Reading IIR acknowledges a THR-empty interrupt.
            thrInterruptPending = false;
            updateIrq();
        }
        return value;
    }

    private void writeThr(int v) {
        if ((mcr & MCR_LOOP) != 0) {
            receive((byte) v);
        } else {
            output.accept(v);
        }
        // Sent at once: the holding register and the shift register are empty again.
        lsr |= LSR_THRE | LSR_TEMT;
        thrInterruptPending = true;
        updateIrq();
    }

    private void writeIer(int v) {
        int changed = (ier ^ v) & 0x0F;
        ier = v & 0x0F;
        if ((changed & IER_THRI) != 0) {
            thrInterruptPending = (ier & IER_THRI) != 0 && (lsr & LSR_THRE) != 0;
        }
        updateIrq();
    }

    private void writeFcr(int v) {
        if (((v ^ fcr) & FCR_FIFO_ENABLE) != 0) {
            v |= FCR_CLEAR_RX | FCR_CLEAR_TX; // changing the FIFO mode flushes both FIFOs
        }
        if ((v & FCR_CLEAR_RX) != 0) {
            rxHead = 0;
            rxCount = 0;
            lsr &= ~(LSR_DR | LSR_BI);
        }
        if ((v & FCR_CLEAR_TX) != 0) {
            lsr |= LSR_THRE | LSR_TEMT;
            thrInterruptPending = true;
        }
        fcr = v & 0xC9; // the clear bits are self-clearing; keep enable, DMA mode and trigger level
        updateIrq();
    }

    private int modemStatus() {
        if ((mcr & MCR_LOOP) == 0) return MSR_DCD | MSR_DSR | MSR_CTS; // a permanently ready line
        int msr = 0;
        if ((mcr & MCR_RTS) != 0) msr |= MSR_CTS;
        if ((mcr & MCR_DTR) != 0) msr |= MSR_DSR;
        if ((mcr & MCR_OUT1) != 0) msr |= MSR_RI;
        if ((mcr & MCR_OUT2) != 0) msr |= MSR_DCD;
        return msr;
    }

    /** The highest-priority enabled interrupt condition, as IIR bits 0-3. */
    private int interruptId() {
        if ((ier & IER_RLSI) != 0 && (lsr & LSR_ERRORS) != 0) return IIR_RLSI;
        if ((ier & IER_RDI) != 0 && rxCount > 0) {
            if (!fifoEnabled() || rxCount >= TRIGGER_LEVELS[fcr >>> 6]) return IIR_RDI;
            return IIR_CTI;
        }
        if ((ier & IER_THRI) != 0 && thrInterruptPending) return IIR_THRI;
        return IIR_NO_INT; // modem status never changes here, so MSI never fires
    }

    private void updateIrq() {
        boolean level = interruptId() != IIR_NO_INT;
        if (level != irqLevel) {
            irqLevel = level;
            irq.set(level);
        }
    }

    @Override
    public String stateName() {
        return "uart0";
    }

    @Override
    public int stateVersion() {
        return STATE_VERSION;
    }

    /**
     * Record v1: bytes ier, fcr, lcr, mcr, lsr, scr; short divisor; boolean THR-interrupt-pending; the
     * received bytes still unread, oldest first, as a length-prefixed byte array.
     */
    @Override
    public void saveState(StateWriter out) {
        out.writeByte(ier).writeByte(fcr).writeByte(lcr).writeByte(mcr).writeByte(lsr).writeByte(scr);
        out.writeShort(divisor);
        out.writeBoolean(thrInterruptPending);
        byte[] unread = new byte[rxCount];
        for (int i = 0; i < rxCount; i++) unread[i] = rxFifo[(rxHead + i) % FIFO_SIZE];
        out.writeBytes(unread);
    }

    /** Loads the record and drives the interrupt line from it. */
    @Override
    public void loadState(StateReader in, int version) throws StateFormatException {
        if (version != STATE_VERSION) throw StateFormatException.unsupportedVersion(stateName(), version, STATE_VERSION);
        int newIer = in.readByte();
        int newFcr = in.readByte();
        int newLcr = in.readByte();
        int newMcr = in.readByte();
        int newLsr = in.readByte();
        int newScr = in.readByte();
        int newDivisor = in.readShort();
        boolean newThrPending = in.readBoolean();
        byte[] unread = in.readBytes();
        in.expectEnd();
        if ((newIer & ~0x0F) != 0 || (newFcr & ~0xC9) != 0 || (newMcr & ~0x1F) != 0) {
            throw in.error("register value out of range");
        }
        int capacity = (newFcr & FCR_FIFO_ENABLE) != 0 ? FIFO_SIZE : 1;
        if (unread.length > capacity) throw in.error(unread.length + " unread bytes exceed the receiver's " + capacity);

        ier = newIer;
        fcr = newFcr;
        lcr = newLcr;
        mcr = newMcr;
        lsr = unread.length > 0 ? newLsr | LSR_DR : newLsr & ~LSR_DR;
        scr = newScr;
        divisor = newDivisor;
        thrInterruptPending = newThrPending;
        System.arraycopy(unread, 0, rxFifo, 0, unread.length);
        rxHead = 0;
        rxCount = unread.length;
        irqLevel = interruptId() != IIR_NO_INT;
        irq.set(irqLevel);
    }

    @Override
    public void writeNode(FdtWriter w, DeviceTree.Handles h) {
        w.beginNode("serial@" + Long.toHexString(MemoryMap.UART0_BASE));
        w.propertyString("compatible", "ns16550a");
        w.propertyU64("reg", MemoryMap.UART0_BASE, MemoryMap.UART0_SIZE);
        w.propertyU32("clock-frequency", 3686400);
        w.propertyU32("interrupt-parent", h.plic());
        w.propertyU32("interrupts", MemoryMap.UART0_IRQ);
        w.endNode();
    }
}
