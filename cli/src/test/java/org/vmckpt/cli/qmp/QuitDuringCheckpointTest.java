package org.vmckpt.cli.qmp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Issue 8, item 12: a requester whose checkpoint is still running when the VM goes away gets an error reply. */
@Timeout(60)
class QuitDuringCheckpointTest {
    @TempDir
    Path dir;

    @Test
    void theWaitingRequesterGetsAnErrorWhenTheVmEnds() throws Exception {
        TestVm vm = new TestVm();
        vm.checkpointRelease = new CountDownLatch(1); // the checkpoint never finishes by itself
        QmpServer server = QmpServer.start(dir.resolve("vm.qmp"), vm);
        try (RawQmpClient requester = new RawQmpClient(dir.resolve("vm.qmp")); RawQmpClient quitter = new RawQmpClient(dir.resolve("vm.qmp"))) {
            requester.negotiate();
            quitter.negotiate();
            requester.sendRaw("{\"execute\": \"vmckpt-checkpoint\", \"id\": \"c7\"}\n");
            assertTrue(vm.checkpointStarted.await(10, TimeUnit.SECONDS));
            assertEquals(Map.of(), quitter.command("{\"execute\": \"quit\"}").get("return"));
            server.close(); // what the VM session does once the run loop has ended
            Map<String, Object> reply = requester.nextReply();
            assertEquals("c7", reply.get("id"));
            Map<String, Object> error = RawQmpClient.error(reply);
            assertEquals("GenericError", error.get("class"));
            assertTrue(error.get("desc").toString().contains("'vmckpt-checkpoint' did not complete: the VM shut down"), error.toString());
        } finally {
            vm.checkpointRelease.countDown();
            server.close();
        }
    }
}
