package org.vmckpt.machine.cpu;

/** CSR numbers and status/interrupt bit layouts from the RISC-V privileged specification. */
public final class Csr {
    private Csr() { }

    public static final int FFLAGS = 0x001, FRM = 0x002, FCSR = 0x003;
    public static final int CYCLE = 0xC00, TIME = 0xC01, INSTRET = 0xC02;
    public static final int SSTATUS = 0x100, SIE = 0x104, STVEC = 0x105, SCOUNTEREN = 0x106, SENVCFG = 0x10A;
    public static final int SSCRATCH = 0x140, SEPC = 0x141, SCAUSE = 0x142, STVAL = 0x143, SIP = 0x144;
    public static final int SATP = 0x180;
    public static final int MVENDORID = 0xF11, MARCHID = 0xF12, MIMPID = 0xF13, MHARTID = 0xF14, MCONFIGPTR = 0xF15;
    public static final int MSTATUS = 0x300, MISA = 0x301, MEDELEG = 0x302, MIDELEG = 0x303, MIE = 0x304, MTVEC = 0x305;
    public static final int MCOUNTEREN = 0x306, MENVCFG = 0x30A, MCOUNTINHIBIT = 0x320;
    public static final int MSCRATCH = 0x340, MEPC = 0x341, MCAUSE = 0x342, MTVAL = 0x343, MIP = 0x344;
    public static final int MCYCLE = 0xB00, MINSTRET = 0xB02;
    public static final int TSELECT = 0x7A0, TDATA1 = 0x7A1, TDATA2 = 0x7A2, TDATA3 = 0x7A3, TINFO = 0x7A4;

    // mstatus bits
    public static final long SIE_BIT = 1L << 1, MIE_BIT = 1L << 3, SPIE = 1L << 5, UBE = 1L << 6, MPIE = 1L << 7;
    public static final long SPP = 1L << 8, MPP_SHIFT = 11, MPP = 3L << 11, FS_SHIFT = 13, FS = 3L << 13;
    /** envcfg's FIOM bit, and CBZE: cbo.zero allowed in the modes below (Zicboz). */
    public static final long ENVCFG_FIOM = 1, ENVCFG_CBZE = 1L << 7;
    public static final long MPRV = 1L << 17, SUM = 1L << 18, MXR = 1L << 19, TVM = 1L << 20, TW = 1L << 21, TSR = 1L << 22;
    public static final long UXL = 3L << 32, SXL = 3L << 34, SD = 1L << 63;
    public static final long VS = 3L << 9, XS = 3L << 15;

    public static final long MSTATUS_WRITABLE = SIE_BIT | MIE_BIT | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    public static final long SSTATUS_MASK = SIE_BIT | SPIE | UBE | SPP | VS | FS | XS | SUM | MXR | UXL | SD;

    // interrupt bits (mip/mie)
    public static final long SSIP = 1L << 1, MSIP = 1L << 3, STIP = 1L << 5, MTIP = 1L << 7, SEIP = 1L << 9, MEIP = 1L << 11;
    public static final long S_INTERRUPTS = SSIP | STIP | SEIP;
    public static final long ALL_INTERRUPTS = SSIP | MSIP | STIP | MTIP | SEIP | MEIP;

    // exception causes
    public static final int CAUSE_MISALIGNED_FETCH = 0, CAUSE_FETCH_ACCESS = 1, CAUSE_ILLEGAL_INSTRUCTION = 2, CAUSE_BREAKPOINT = 3;
    public static final int CAUSE_MISALIGNED_LOAD = 4, CAUSE_LOAD_ACCESS = 5, CAUSE_MISALIGNED_STORE = 6, CAUSE_STORE_ACCESS = 7;
    public static final int CAUSE_USER_ECALL = 8, CAUSE_SUPERVISOR_ECALL = 9, CAUSE_MACHINE_ECALL = 11;
    public static final int CAUSE_FETCH_PAGE_FAULT = 12, CAUSE_LOAD_PAGE_FAULT = 13, CAUSE_STORE_PAGE_FAULT = 15;
    public static final long INTERRUPT_FLAG = 1L << 63;
}
