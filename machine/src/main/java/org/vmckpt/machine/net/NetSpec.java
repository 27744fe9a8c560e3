package org.vmckpt.machine.net;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code --net} value: {@code user[,hostfwd=tcp:[ADDR]:PORT-[10.0.2.15]:GUESTPORT]...} (QEMU's
 * user-mode network with its syntax) or {@code tap,ifname=NAME} (a host TAP device). The canonical text
 * ({@link #toString()}) is what a checkpoint records, so a restore opens the same forwards again.
 */
public record NetSpec(Kind kind, List<HostForward> forwards, String ifname) {
    public enum Kind { USER, TAP }

    public NetSpec {
        forwards = List.copyOf(forwards);
    }

    /** Parses a {@code --net} value; the message of the exception says what is wrong and how to write it. */
    public static NetSpec parse(String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("--net needs a value: user[,hostfwd=tcp:ADDR:PORT-:GUESTPORT] or tap,ifname=NAME");
        String[] parts = text.split(",");
        switch (parts[0]) {
            case "user" -> {
                List<HostForward> forwards = new ArrayList<>();
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i];
                    if (!p.startsWith("hostfwd=")) {
                        throw new IllegalArgumentException("--net user: unknown option '" + p + "' (only hostfwd=tcp:ADDR:PORT-:GUESTPORT is supported)");
                    }
                    forwards.add(parseForward(p.substring("hostfwd=".length())));
                }
                return new NetSpec(Kind.USER, forwards, null);
            }
            case "tap" -> {
                String ifname = null;
                for (int i = 1; i < parts.length; i++) {
                    if (parts[i].startsWith("ifname=") && parts[i].length() > "ifname=".length()) ifname = parts[i].substring("ifname=".length());
                    else throw new IllegalArgumentException("--net tap: unknown option '" + parts[i] + "' (write tap,ifname=NAME)");
                }
                if (ifname == null) throw new IllegalArgumentException("--net tap needs the device's name: tap,ifname=NAME (create it with: ip tuntap add NAME mode tap)");
                if (ifname.length() > 15) throw new IllegalArgumentException("--net tap: interface name '" + ifname + "' is longer than 15 characters");
                return new NetSpec(Kind.TAP, List.of(), ifname);
            }
            default -> throw new IllegalArgumentException("--net: unknown network '" + parts[0] + "' (use user[,hostfwd=tcp:ADDR:PORT-:GUESTPORT] or tap,ifname=NAME)");
        }
    }

    /** {@code tcp:[ADDR]:PORT-[GUESTADDR]:GUESTPORT} (the part after "hostfwd="). */
    static HostForward parseForward(String s) {
        String usage = "write hostfwd=tcp:ADDR:PORT-:GUESTPORT, for example hostfwd=tcp:127.0.0.1:8080-:80";
        String rest = s;
        if (rest.startsWith("udp:")) throw new IllegalArgumentException("hostfwd=" + s + ": only TCP forwards are supported (" + usage + ")");
        if (rest.startsWith("tcp:")) rest = rest.substring(4);
        else if (rest.startsWith(":") && rest.indexOf(':', 1) >= 0 && rest.indexOf(':', 1) < rest.indexOf('-')) rest = rest.substring(1); // QEMU: an empty protocol is tcp
        int dash = rest.indexOf('-');
        if (dash < 0) throw new IllegalArgumentException("hostfwd=" + s + ": no '-' between the host and the guest side (" + usage + ")");
        String host = rest.substring(0, dash), guest = rest.substring(dash + 1);
        int hc = host.lastIndexOf(':'), gc = guest.lastIndexOf(':');
        if (hc < 0 || gc < 0) throw new IllegalArgumentException("hostfwd=" + s + ": each side is ADDR:PORT, the address may be empty (" + usage + ")");
        String hostAddr = host.substring(0, hc), guestAddr = guest.substring(0, gc);
        if (!guestAddr.isEmpty() && !guestAddr.equals(UserNetwork.GUEST_ADDRESS_TEXT)) {
            throw new IllegalArgumentException("hostfwd=" + s + ": the guest is " + UserNetwork.GUEST_ADDRESS_TEXT + " (leave the guest address empty)");
        }
        if (!hostAddr.isEmpty() && !isIpv4(hostAddr)) {
            throw new IllegalArgumentException("hostfwd=" + s + ": host address '" + hostAddr + "' is not an IPv4 address (" + usage + ")");
        }
        int hostPort = port(host.substring(hc + 1), s, usage, true);
        int guestPort = port(guest.substring(gc + 1), s, usage, false);
        return new HostForward(hostAddr, hostPort, guestPort);
    }

    private static int port(String text, String s, String usage, boolean zeroOk) {
        try {
            int p = Integer.parseInt(text);
            if (p < (zeroOk ? 0 : 1) || p > 65535) throw new NumberFormatException();
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hostfwd=" + s + ": '" + text + "' is not a port number (" + usage + ")");
        }
    }

    static boolean isIpv4(String s) {
        String[] q = s.split("\\.", -1);
        if (q.length != 4) return false;
        for (String x : q) {
            if (x.isEmpty() || x.length() > 3 || !x.chars().allMatch(Character::isDigit) || Integer.parseInt(x) > 255) return false;
        }
        return true;
    }

    /** Opens the host side: listening sockets or the TAP device. Fails with a message naming what is wrong. */
    public NetBackend open() throws java.io.IOException {
        return open(true);
    }

    /**
     * As {@link #open()}; with {@code bindForwards} false the forwards' listeners are left to
     * {@link NetBackend#bindForwards} (a migration's destination: the guest has not arrived yet).
     */
    public NetBackend open(boolean bindForwards) throws java.io.IOException {
        return kind == Kind.USER ? UserNetwork.open(forwards, bindForwards) : TapNetwork.open(ifname);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(kind == Kind.USER ? "user" : "tap,ifname=" + ifname);
        for (HostForward f : forwards) sb.append(",hostfwd=").append(f);
        return sb.toString();
    }
}
