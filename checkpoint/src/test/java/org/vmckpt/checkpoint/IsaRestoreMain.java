package org.vmckpt.checkpoint;

import org.vmckpt.checkpoint.store.Checkpoint;
import org.vmckpt.checkpoint.store.Repository;

import java.nio.file.Path;

/**
 * The child process of {@link IsaRefusalTest}: in a JVM started with the ISA switches the test chose, tries to restore
 * the repository's newest checkpoint and prints one line: {@code RESTORED} or {@code REFUSED <message>}.
 *
 * <p>Arguments: repository directory.
 */
public final class IsaRestoreMain {
    private IsaRestoreMain() { }

    public static void main(String[] args) throws Exception {
        Repository repo = Repository.open(Path.of(args[0]), false);
        String id = repo.list().get(repo.list().size() - 1).id();
        try (Checkpoint ck = repo.open(id)) {
            Restorer.Restored r = Restorer.restore(ck, null, b -> { }, false, null);
            System.out.println("RESTORED " + r.machine().config().identity());
        } catch (RestoreException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }
}
