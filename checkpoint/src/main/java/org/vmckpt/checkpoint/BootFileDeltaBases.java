package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.machine.memory.GuestMemory;

import java.io.IOException;

/**
 * The boot-file side of a SOURCE_DELTA page: the checkpoint stores the XOR of the page with the boot file's page, and
 * a restore reads that base page from the file and XORs it in. One place for the read, so the three restore paths (a
 * page at a time, a loader's run, the eager restore's batched deltas) cannot read or refuse it differently.
 */
final class BootFileDeltaBases {
    private BootFileDeltaBases() {
    }

    /**
     * Page {@code idx}: {@code page} holds its stored XOR and leaves holding the page. The base is read as
     * {@link PageSources#read} reads it, which refuses a page whose file the restore did not load. {@code base} is a
     * page-sized scratch buffer of the calling thread.
     */
    static void applyPage(Checkpoint ckpt, PageSources sources, int idx, byte[] page, byte[] base) throws IOException {
        sources.read(ckpt, idx, ckpt.pageSource(idx), ckpt.pageSourceSector(idx), base);
        PageDelta.apply(page, base);
    }

    /**
     * The {@code pages.length} consecutive delta pages from {@code first}, whose bases lie consecutively in boot file
     * {@code source} from {@code sector}: {@code pages[k]} holds page {@code first + k}'s stored XOR and leaves holding
     * the page. The bases come in one read when the file holds the whole run ({@code run[0]}, the calling thread's run
     * buffer, grown as needed), else page by page through {@link #applyPage}.
     */
    static void applyRun(Checkpoint ckpt, PageSources sources, int source, long sector, int first, byte[][] pages,
                         byte[][] run) throws IOException {
        int bytes = pages.length * GuestMemory.PAGE_SIZE;
        if (run[0] == null || run[0].length < bytes) run[0] = new byte[bytes];
        if (sector >= 0 && sources.readBootFile(source, sector, run[0], bytes)) {
            for (int k = 0; k < pages.length; k++) PageDelta.apply(pages[k], run[0], k * GuestMemory.PAGE_SIZE);
            return;
        }
        byte[] base = new byte[GuestMemory.PAGE_SIZE];
        for (int k = 0; k < pages.length; k++) applyPage(ckpt, sources, first + k, pages[k], base);
    }
}
