package org.vmckpt.machine.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The interpreter's two-table expansion of compressed instructions gives Compressed's expansion for every encoding. */
class CompressedPartsTest {

    @Test
    void everyEncodingExpandsAsTheFullTableDoes() {
        // Twice: the first pass fills each key on its first encoding, the second reads filled tables only.
        for (int pass = 0; pass < 2; pass++) {
            for (int c = 0; c < 65536; c++) {
                if ((c & 3) == 3) continue;
                assertEquals(Compressed.expandCached(c), CompressedParts.expand(c),
                        "encoding 0x" + Integer.toHexString(c) + ", pass " + pass);
            }
        }
    }

    @Test
    void keysAreFilledInAnyOrder() {
        // The encodings in a scrambled order (an odd stride visits each once): the fill of a key must not depend on
        // which of its encodings came first.
        for (int i = 0; i < 65536; i++) {
            int c = (i * 40503 + 12345) & 0xffff;
            if ((c & 3) == 3) continue;
            assertEquals(Compressed.expandCached(c), CompressedParts.expand(c), "encoding 0x" + Integer.toHexString(c));
        }
    }

    @Test
    void almostEveryEncodingIsTakenFromTheTwoTables() {
        int fromTables = 0, all = 0;
        for (int c = 0; c < 65536; c++) {
            if ((c & 3) == 3) continue;
            all++;
            if (CompressedParts.fromTables(c)) fromTables++;
        }
        // The exceptions are rows and columns of a few keys (c.jr/c.jalr/c.ebreak, c.addi16sp, zero immediates,
        // rd = 0, reserved encodings): what is left for Compressed's big table must stay a small part.
        assertTrue(fromTables >= all * 85 / 100, fromTables + " of " + all + " encodings from the tables");
        // The common instructions of kernel code are among them: c.ldsp, c.sdsp, c.mv, c.addi, c.li, c.ld, c.sd, c.j,
        // c.beqz, c.bnez, c.add, c.andi, c.srli, c.slli.
        int[] common = {0x60a2 /* c.ld ra,8(sp) */, 0xe406 /* c.sd ra,8(sp) */, 0x852e /* c.mv a0,a1 */,
            0x0505 /* c.addi a0,1 */, 0x4501 /* c.li a0,0 */, 0x6508 /* c.ld a0,8(a0) */, 0xe108 /* c.sd a0,0(a0) */,
            0xa001 /* c.j */, 0xc119 /* c.beqz a0 */, 0xe119 /* c.bnez a0 */, 0x952e /* c.add a0,a1 */,
            0x897d /* c.andi a0,31 */, 0x8105 /* c.srli a0,1 */, 0x0506 /* c.slli a0,1 */};
        for (int c : common) {
            assertTrue(Compressed.expandCached(c) != 0, "0x" + Integer.toHexString(c) + " is legal");
            assertTrue(CompressedParts.fromTables(c), "0x" + Integer.toHexString(c) + " from the tables");
        }
    }
}
