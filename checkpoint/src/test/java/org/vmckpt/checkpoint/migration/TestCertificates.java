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
        List<String> cmd = new ArrayList<>(List.of(args));
        cmd.addAll(List.of("-storepass", PASS, "-keypass", PASS, "-storetype", "PKCS12", "-noprompt"));
        if (IN_PROCESS != null) {
            // The JDK's keytool in this JVM: no JVM start per call (seven calls per directory, ~1-2 s each on CI's busy
            // host); the surefire argLine opens its package. Its errors come as exceptions.
            try {
                IN_PROCESS.invoke(KEYTOOL.newInstance(), (Object) cmd.toArray(new String[0]), new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                return;
            } catch (java.lang.reflect.InvocationTargetException e) {
                throw new IOException("keytool " + String.join(" ", args) + " failed: " + e.getCause(), e.getCause());
            } catch (ReflectiveOperationException e) {
                throw new IOException("keytool " + String.join(" ", args) + " could not run in process: " + e, e);
            }
        }
        cmd.add(0, Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", args) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
    }

    /** The JDK's keytool ({@code sun.security.tools.keytool.Main}) as a constructor and its {@code run}, when opened to us; else nulls. */
    private static final java.lang.reflect.Constructor<?> KEYTOOL;
    private static final java.lang.reflect.Method IN_PROCESS;

    static {
        java.lang.reflect.Constructor<?> k = null;
        java.lang.reflect.Method run = null;
        try {
            Class<?> c = Class.forName("sun.security.tools.keytool.Main");
            k = c.getDeclaredConstructor();
            run = c.getDeclaredMethod("run", String[].class, java.io.PrintStream.class);
            k.setAccessible(true);
            run.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            k = null; // not opened (a JVM without the argLine's --add-opens): the keytool command instead
            run = null;
        }
        KEYTOOL = k;
        IN_PROCESS = run;
    }
}
