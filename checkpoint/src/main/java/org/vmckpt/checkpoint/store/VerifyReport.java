package org.vmckpt.checkpoint.store;

import java.util.List;

/**
 * The outcome of {@link Checkpoint#verify}: every frame of every pack the checkpoint references was read,
 * its CRC checked and its contents decoded.
 *
 * @param checkpointId the checkpoint verified
 * @param packs        packs checked
 * @param frames       frames whose CRC matched and that decoded to their declared size
 * @param storedBytes  pack bytes read
 * @param problems     one message per problem found, each naming its file; empty if the checkpoint is sound
 */
public record VerifyReport(String checkpointId, int packs, long frames, long storedBytes, List<String> problems) {
    public VerifyReport {
        problems = List.copyOf(problems);
    }

    public boolean ok() {
        return problems.isEmpty();
    }
}
