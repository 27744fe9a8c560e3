package org.vmckpt.machine.device.virtio;

import java.security.SecureRandom;
import java.util.random.RandomGenerator;

/**
 * The host's entropy for virtio-rng, created on the guest's first request: setting up a SecureRandom costs
 * milliseconds on a cold JVM, which a restore would otherwise spend before its guest can run.
 */
public final class HostEntropy implements RandomGenerator {
    private SecureRandom random;

    @Override
    public long nextLong() {
        if (random == null) random = new SecureRandom();
        return random.nextLong();
    }
}
