package org.vmckpt.machine.cpu;

/** Decode's Zba/Zbb/Zbs counts as one line, for tests outside this package (BitmanipBootTest). */
public final class BitmanipCountsForTests {
    private BitmanipCountsForTests() { }

    /** {@code BITMANIP-COUNTS zb=TOTAL op=N ...}, every operation by its Alu name. */
    public static String line() {
        long total = 0;
        StringBuilder b = new StringBuilder();
        for (int k = 0; k < Decode.BITMANIP_OPS.length; k++) {
            total += Decode.BITMANIP_RETIRED[k];
            b.append(' ').append(Decode.BITMANIP_OPS[k]).append('=').append(Decode.BITMANIP_RETIRED[k]);
        }
        return "BITMANIP-COUNTS zb=" + total + b;
    }
}
