package org.vmckpt.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * RunPrefault, in a JVM with the launcher's collector options and the native helper, with the heap committed in full
 * at the start (the launcher's default) and in part ({@code -Xms} below the maximum, as {@code VMCKPT_HEAP=fit} starts
 * `run`): the heap it finds starts at the old generation's bottom and ends where its committed part ends (or the young
 * generation's 16 MiB above it, where both are one mapping), as the JVM's
 * own heap description gives them; once it has run, every 4 KiB page of its goal from the bottom is mapped for writing,
 * which it was not before; it stays off unless asked for.
 */
class RunPrefaultTest {
    /** Run in the child JVM: prints "bottom-by-maps bottom-by-description end-by-maps end-by-description before after pages". */
    public static void main(String[] args) throws Exception {
        long[] heap = RestorePrefault.heapMapping(Runtime.getRuntime().maxMemory());
        long[] described = OldGenPrefault.oldSpace();
        if (heap == null || described == null) {
            System.out.println("none " + (heap == null) + " " + (described == null));
            return;
        }
        if (args.length > 0 && args[0].equals("started")) {
            RunPrefault.startIfEnabled();
            Thread.sleep(3000);
            System.out.println("touched " + RunPrefault.touchedBytes());
            return;
        }
        // Above what the JVM has used so far (the old generation is nearly empty in a fresh JVM): not mapped yet.
        long from = heap[0] + (8L << 20);
        int pages = (int) ((RunPrefault.GOAL - (8L << 20)) / 4096);
        int before = OldGenPrefaultTest.mappedForWrite(from, pages);
        RunPrefault.populate(RunPrefault.GOAL);
        int after = OldGenPrefaultTest.mappedForWrite(from, pages);
        System.out.println(heap[0] + " " + described[0] + " " + heap[1] + " " + described[2] + " " + before + " " + after + " " + pages);
    }

    @Test
    void findsTheHeapCommittedInFullAndMapsItsBottom() throws Exception {
        check(child());
    }

    @Test
    void findsTheHeapCommittedInPartAndMapsItsBottom() throws Exception {
        check(child("-Xms1g"));
    }

    private static void check(String out) {
        String[] f = out.split("\\s+");
        int n = f.length;
        assertEquals(7, n, out);
        assertEquals(Long.parseLong(f[1]), Long.parseLong(f[0]), "the heap found starts at the old generation's bottom: " + out);
        long end = Long.parseLong(f[2]), oldEnd = Long.parseLong(f[3]);
        // (Committed in full, the heap's one mapping goes on to the young generation's 16 MiB above the old one.)
        assertTrue(end >= oldEnd && end - oldEnd <= (16L << 20), "and ends where its old generation's committed part ends: " + out);
        int before = Integer.parseInt(f[4]), after = Integer.parseInt(f[5]), pages = Integer.parseInt(f[6]);
        assertTrue(before < pages / 2, "a fresh JVM's old generation is not mapped yet: " + before + " of " + pages);
        assertEquals(pages, after, "every page of the goal is mapped for writing");
    }

    @Test
    void offUnlessAskedFor() throws Exception {
        assertEquals("touched 0", last(child("started")));
        assertEquals("touched " + RunPrefault.GOAL, last(child("-D" + RunPrefault.PROPERTY + "=true", "-Xms1g", "started")));
    }

    private static String last(String out) {
        String[] lines = out.split("\n");
        return lines[lines.length - 1].trim();
    }

    private static String child(String... more) throws Exception {
        return RestorePrefaultTest.childOf(RunPrefaultTest.class, more);
    }
}
