package org.vmckpt.machine.memory;

/**
 * Whoever caches host page arrays (the harts' TLBs) or code translated from them is told when those caches go stale.
 * Memory calls these on the thread that changes it: the machine's run thread while a run loop runs (other threads go
 * through {@code Machine.callAtInstructionBoundary}), never beside it (a hart's TLB is its run thread's alone,
 * {@code -Dvmckpt.mmu.checkOwner}).
 */
public interface MemoryObserver {
    /** Drop every cached write mapping: a new dirty-log epoch began or memory was frozen. */
    void flushWriteMappings();

    /** The host array behind RAM page {@code pageIndex} was replaced; drop every mapping of it. */
    void pageReplaced(int pageIndex);

    /**
     * Drop every cached write mapping of page {@code pageIndex}: its next write must reach {@link GuestMemory}
     * (the page was just filled from a known source, and the first change must be seen).
     */
    default void dropWriteMappings(int pageIndex) {
        pageReplaced(pageIndex);
    }

    /** Drop every cached mapping of RAM (after a restore or reset replaced memory wholesale). */
    void flushAllMappings();

    /** Page {@code pageIndex} holds translated code and is about to change: drop those translations. */
    default void codePageWritten(int pageIndex) { }
}
