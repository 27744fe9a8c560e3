package org.vmckpt.checkpoint.migration;

import java.io.FileInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Makes a QEMU tls-creds-x509 directory for tests with the JDK's keytool: a fresh CA, a server certificate for
 * 127.0.0.1 and localhost, a client certificate, all EC P-256, keys written as PKCS#8 PEM.
 */
public final class TestCertificates {
    private TestCertificates() { }

    private static final String PASS = "testpass";

    /** Creates {@code dir} with ca-cert.pem, server-cert.pem, server-key.pem, client-cert.pem, client-key.pem. */
    public static Path create(Path dir, String caName) throws Exception {
        Files.createDirectories(dir);
        Path work = Files.createDirectories(dir.resolve("work"));
        Path ca = work.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + caName,
                "-ext", "bc:c", "-validity", "3", "-keystore", ca.toString());
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-file", dir.resolve("ca-cert.pem").toString());
        for (String who : new String[]{"server", "client"}) {
            Path ks = work.resolve(who + ".p12");
            keytool("-genkeypair", "-alias", who, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + (who.equals("server") ? "localhost" : "vmckpt-source"),
                    "-validity", "3", "-keystore", ks.toString());
            Path csr = work.resolve(who + ".csr");
            keytool("-certreq", "-alias", who, "-keystore", ks.toString(), "-file", csr.toString());
            List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.toString(), "-infile", csr.toString(),
                    "-outfile", dir.resolve(who + "-cert.pem").toString(), "-validity", "3"));
            if (who.equals("server")) gen.addAll(List.of("-ext", "SAN=ip:127.0.0.1,dns:localhost"));
            keytool(gen.toArray(new String[0]));
            KeyStore k = KeyStore.getInstance("PKCS12");
            try (FileInputStream in = new FileInputStream(ks.toFile())) {
                k.load(in, PASS.toCharArray());
            }
            PrivateKey key = (PrivateKey) k.getKey(who, PASS.toCharArray());
            String pem = "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            Files.writeString(dir.resolve(who + "-key.pem"), pem);
        }
        return dir;
    }

    private static void keytool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        cmd.addAll(List.of("-storepass", PASS, "-keypass", PASS, "-storetype", "PKCS12", "-noprompt"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }
}
