package org.vmckpt.machine.net;

import java.util.Map;

/**
 * The host side of a virtio-net device: where the guest's Ethernet frames go and where frames for the
 * guest come from. A backend runs on its own thread(s); the device talks to it from the machine's run thread.
 *
 * <p>A backend's host-side state (sockets, translation tables, the TAP file descriptor) is never part of
 * a checkpoint. What the guest can observe of it (for the user-mode network, the TCP connections the guest
 * has and the sequence numbers on them) is written into the device's record by {@link #saveGuestView} and
 * handed back by {@link #loadGuestView} when the record is loaded (a reset in this process, or a restore in
 * a new one), so the backend can keep the connections that still match and reset the others.
 */
public interface NetBackend extends AutoCloseable {
    /** Called once by the device: the guest's MAC address, and whom to tell when frames wait for the guest. */
    void attach(byte[] guestMac, Runnable framesWaiting);

    /** A frame from the guest (Ethernet, no virtio header). The backend copies what it keeps. Run thread. */
    void sendFromGuest(byte[] frame, int length);

    /** The next frame for the guest, or null; {@link #takeForGuest} removes it. Run thread. */
    byte[] peekForGuest();

    /** Removes the frame {@link #peekForGuest} returned. Run thread. */
    void takeForGuest();

    /** What the guest sees of this backend's state, for the device's record (see the class comment). */
    byte[] saveGuestView();

    /**
     * The device's record was loaded with {@code view} (from {@link #saveGuestView}, possibly of another
     * process): the guest's memory is now that of the checkpoint. Frames queued for the guest are dropped.
     * A malformed view is ignored as a whole (it only serves to reset connections).
     */
    void loadGuestView(byte[] view);

    /**
     * Whether the backend takes TCP frames larger than the MTU (up to 64 KiB of IP, as the guest's segmentation
     * offload makes them): then the device offers HOST_TSO4 and the guest's stack sends fewer, larger frames.
     */
    default boolean takesLargeTcpFrames() {
        return false;
    }

    /**
     * Opens the host-side listeners (hostfwd) that are not open, trying a port in use again for up to
     * {@code patienceMillis} (a migration's source on the same host frees it once it has sent GO). Throws, naming
     * the port, if one stays in use. Nothing to do for a backend without listeners.
     */
    default void bindForwards(long patienceMillis) throws java.io.IOException {
    }

    /**
     * The guest has left this process (a migration's source after GO): closes the listeners and ends every
     * connection relayed through host sockets (an RST to both ends), so the ports are free for the destination.
     * {@link #bindForwards} opens them again. Nothing to do for a backend without listeners.
     */
    default void closeForwards() {
    }

    /** "user" or "tap": the kind of backend. */
    String kind();

    /** Counters and settings for {@code query-net} (names to numbers or text). */
    Map<String, Object> describe();

    /** Closes every host resource; frames are no longer accepted. */
    @Override
    void close();
}
