package org.vmckpt.checkpoint.migration;

import java.net.InetSocketAddress;

/** A migration address in QEMU's URI form: {@code tcp:HOST:PORT} ({@code tcp:[v6addr]:PORT} for IPv6). */
public record MigrationEndpoint(String host, int port) {
    public static MigrationEndpoint parse(String uri) throws MigrationException {
        if (uri == null || !uri.startsWith("tcp:")) {
            throw new MigrationException("migration address '" + uri + "' is not of the form tcp:HOST:PORT (the only transport vmckpt has)");
        }
        String rest = uri.substring(4);
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) throw new MigrationException("migration address '" + uri + "' needs a host and a port: tcp:HOST:PORT");
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new MigrationException("migration address '" + uri + "': port '" + rest.substring(colon + 1) + "' is not a number");
        }
        if (port < 0 || port > 65535) throw new MigrationException("migration address '" + uri + "': port " + port + " is out of range");
        return new MigrationEndpoint(host, port);
    }

    public InetSocketAddress socketAddress() {
        return new InetSocketAddress(host, port);
    }

    public String uri() {
        return "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
