package org.vmckpt.cli;

/**
 * The options `vmckpt run` and `vmckpt restore` share (each lists them in its own {@link OptionTable}), and
 * the repository option of the repository commands. A class of its own, so that parsing a command line loads
 * nothing of the VM session.
 */
final class SessionOptions {
    private SessionOptions() { }

    static final Option CONSOLE = Option.value("console", "stdio|FILE", "where the serial console goes (default stdio)");
    static final Option EXIT_ON = Option.value("exit-on", "TEXT", "end the run (status 0) when the console prints TEXT");
    static final Option MAX_INSTRUCTIONS = Option.value("max-instructions", "N", "stop after N (more) instructions (status 3)");
    static final Option STATS = Option.flag("stats", "print instructions retired, wall time, MIPS and the translator's counters\nat exit (on stderr)");
    static final Option PAUSED = Option.flag("paused", "start with the guest CPUs paused (QEMU's -S); 'vmckpt resume NAME' starts them");
    static final Option API_SOCKET = Option.value("api-socket", "PATH", "QMP control socket (default: $XDG_RUNTIME_DIR or /tmp, vmckpt-NAME.sock)");
    static final Option NAME = Option.value("name", "NAME", "the VM's name, for its default socket path (run: default vm; restore: the\n"
            + "name it was checkpointed under); other commands (vmckpt checkpoint|pause|\nresume|status|reset|quit NAME) find the VM by it");
    static final Option REPO = Option.value(RepoLocation.OPTION, "DIR", "checkpoint repository (default $VMCKPT_REPO, else ~/.local/share/vmckpt/repo)");
    static final Option CHECKPOINT_EVERY = Option.value("checkpoint-every", "T", "take a live incremental checkpoint every T (e.g. 30s, 5m)");
    static final Option KEEP_CHECKPOINTS = Option.value("keep-checkpoints", "N", "with --checkpoint-every: keep only this run's N newest periodic checkpoints;\n"
            + "older ones of the series are deleted and the space they alone used freed\n"
            + "(as vmckpt rm + gc) after each new one. Other checkpoints are never touched");
    static final Option KEEP_FOR_RESET = Option.flag("keep-for-reset", "keep the last checkpoint's memory frozen in this process, so `vmckpt reset`\n"
            + "to it copies only the pages written since from memory (fast; costs a copy\nof each page the guest writes afterwards)");
    static final Option NET_RUN = Option.value("net", "SPEC", "user[,hostfwd=tcp:[ADDR]:PORT-:GUESTPORT]...: virtio-net with user-mode\n"
            + "networking, as QEMU's -nic user: the guest gets 10.0.2.15/24 by DHCP, 10.0.2.2\n"
            + "is the gateway and reaches this host's loopback, 10.0.2.3 relays DNS; guest\n"
            + "TCP/UDP goes out through host sockets; each hostfwd listens on host ADDR:PORT\n"
            + "(empty ADDR: every address) and forwards to the guest's GUESTPORT. No root\n"
            + "needed. Example: --net user,hostfwd=tcp:127.0.0.1:8080-:80\n"
            + "tap,ifname=NAME: virtio-net on an existing host TAP device\n"
            + "(ip tuntap add NAME mode tap user USER)");
    static final Option NET_RESTORE = Option.value("net", "SPEC", "the network's host side for a VM that has one (default: what it was saved\n"
            + "with, so its hostfwd ports are listened on again); same syntax as vmckpt run\n"
            + "--net. The guest's TCP connections of the old process are reset (RST).");
    static final Option CPU = Option.value("cpu", "jit|interp", "jit (default): translate hot guest code to JVM bytecode; interp: only the\n"
            + "interpreter (the reference; same results, slower)");
    static final Option REALTIME = Option.flag("realtime", "run the guest's CPU thread under the real-time policy SCHED_FIFO (priority 1),\n"
            + "so that no other host thread of normal priority (this VMM's compiler,\n"
            + "checkpoint and migration threads included) delays it once it is runnable:\n"
            + "shorter guest stalls on a busy host; needs root or CAP_SYS_NICE (else a\n"
            + "warning, and the normal policy); the kernel keeps 5% of each second for\n"
            + "other tasks. Its thread is query-cpus-fast's thread-id");
}
