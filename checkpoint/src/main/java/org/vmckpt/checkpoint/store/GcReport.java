package org.vmckpt.checkpoint.store;

/**
 * The outcome of {@link Repository#gc()}.
 *
 * @param packsKept          packs still referenced by some checkpoint
 * @param packsDeleted       packs that no checkpoint referenced, now deleted
 * @param bytesFreed         size of the deleted packs
 * @param tmpEntriesDeleted  leftovers of interrupted writers deleted from {@code tmp/}
 */
public record GcReport(int packsKept, int packsDeleted, long bytesFreed, int tmpEntriesDeleted) {
}
