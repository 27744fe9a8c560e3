package org.vmckpt.cli.qmp;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal HMP (QEMU's human monitor), reached through QMP's {@code human-monitor-command} as QEMU's
 * {@code qmp-shell -H} and libvirt's {@code qemu-monitor-command --hmp} use it. Each HMP command is mapped
 * onto the QMP command that does the same; the reply is the text HMP would print.
 */
final class HumanMonitor {
    /** The commands and what they do, as {@code help} prints them. */
    static final String HELP = String.join("\r\n",
            "cont|c -- resume emulation",
            "help|? [cmd] -- show the help",
            "info name -- show the current VM name",
            "info status -- show the current VM status (running|paused)",
            "info version -- show the version of the monitor",
            "loadvm tag -- roll the VM back to the checkpoint with this label or id (vmckpt-reset)",
            "savevm tag -- take a checkpoint labelled tag (vmckpt-checkpoint, live)",
            "stop -- stop emulation",
            "");

    private final QmpCommands commands;

    HumanMonitor(QmpCommands commands) {
        this.commands = commands;
    }

    /** Runs one HMP command line; returns its output. An unknown command is an error, as in QEMU's HMP text. */
    String execute(String line) throws QmpException {
        String[] words = line.trim().split("\\s+");
        String cmd = words[0];
        String arg = words.length > 1 ? words[1] : null;
        switch (cmd) {
            case "":
                return "";
            case "help":
            case "?":
                return HELP;
            case "info":
                return info(arg);
            case "stop":
                commands.execute("stop", Map.of());
                return "";
            case "cont":
            case "c":
                commands.execute("cont", Map.of());
                return "";
            case "savevm": {
                if (arg == null) return "savevm: a tag is needed (savevm TAG)\r\n";
                Map<String, Object> args = new LinkedHashMap<>();
                args.put("label", arg);
                Object reply = commands.execute("vmckpt-checkpoint", args);
                return "checkpoint " + ((Map<?, ?>) reply).get("id") + "\r\n";
            }
            case "loadvm": {
                if (arg == null) return "loadvm: a tag is needed (loadvm TAG)\r\n";
                Object reply = commands.execute("vmckpt-reset", Map.of("checkpoint", arg));
                return "reset to checkpoint " + ((Map<?, ?>) reply).get("checkpoint") + "\r\n";
            }
            default:
                return "unknown command: '" + cmd + "'\r\n";
        }
    }

    private static String infoItems() {
        StringBuilder sb = new StringBuilder();
        for (String line : HELP.split("\r\n")) if (line.startsWith("info ")) sb.append(line).append("\r\n");
        return sb.toString();
    }

    private String info(String what) throws QmpException {
        // Bare "info" lists its items one per line, "info ITEM -- what", as QEMU's HMP does: qmp-shell -H builds its
        // completion from these lines (the second word of each).
        if (what == null) return infoItems();
        switch (what) {
            case "status": {
                Map<?, ?> s = (Map<?, ?>) commands.execute("query-status", Map.of());
                return "VM status: " + s.get("status") + "\r\n";
            }
            case "name": {
                Map<?, ?> n = (Map<?, ?>) commands.execute("query-name", Map.of());
                return n.containsKey("name") ? n.get("name") + "\r\n" : "";
            }
            case "version": {
                Map<?, ?> v = (Map<?, ?>) commands.execute("query-version", Map.of());
                return v.get("package") + "\r\n";
            }
            default:
                return "info: unknown item '" + what + "' (status, name or version)\r\n";
        }
    }
}
