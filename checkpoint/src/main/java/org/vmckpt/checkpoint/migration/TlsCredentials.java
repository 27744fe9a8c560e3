package org.vmckpt.checkpoint.migration;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * TLS 1.3 credentials in the layout of QEMU's {@code tls-creds-x509} directory: {@code ca-cert.pem} (the CA
 * both ends trust), {@code server-cert.pem} and {@code server-key.pem} (the destination's identity),
 * {@code client-cert.pem} and {@code client-key.pem} (the source's). Both ends authenticate: a peer whose
 * certificate is not signed by the CA fails the handshake, before any guest byte is sent.
 *
 * <p>Keys are PEM: PKCS#8 ({@code BEGIN PRIVATE KEY}; RSA, EC or Ed25519) or PKCS#1 RSA ({@code BEGIN RSA
 * PRIVATE KEY}). Encrypted keys are not supported.
 */
public final class TlsCredentials {
    public static final String CA_CERT = "ca-cert.pem";
    public static final String SERVER_CERT = "server-cert.pem";
    public static final String SERVER_KEY = "server-key.pem";
    public static final String CLIENT_CERT = "client-cert.pem";
    public static final String CLIENT_KEY = "client-key.pem";

    private final SSLContext context;
    private final Path dir;

    private TlsCredentials(SSLContext context, Path dir) {
        this.context = context;
        this.dir = dir;
    }

    /** The destination's credentials (it listens): the CA and server-cert/key. */
    public static TlsCredentials forServer(Path dir) throws MigrationException {
        return load(dir, SERVER_CERT, SERVER_KEY);
    }

    /** The source's credentials (it connects): the CA and client-cert/key. */
    public static TlsCredentials forClient(Path dir) throws MigrationException {
        return load(dir, CLIENT_CERT, CLIENT_KEY);
    }

    public SSLContext context() {
        return context;
    }

    public Path dir() {
        return dir;
    }

    private static TlsCredentials load(Path dir, String certFile, String keyFile) throws MigrationException {
        if (!Files.isDirectory(dir)) throw new MigrationException("--tls-creds " + dir + " is not a directory");
        try {
            List<Certificate> ca = certificates(dir.resolve(CA_CERT));
            List<Certificate> chain = certificates(dir.resolve(certFile));
            PrivateKey key = privateKey(dir.resolve(keyFile));
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            for (int i = 0; i < ca.size(); i++) trust.setCertificateEntry("ca" + i, ca.get(i));
            KeyStore own = KeyStore.getInstance("PKCS12");
            own.load(null, null);
            char[] pass = new char[0];
            try {
                own.setKeyEntry("self", key, pass, chain.toArray(new Certificate[0]));
            } catch (GeneralSecurityException e) {
                throw new MigrationException(dir.resolve(keyFile) + " does not belong to " + dir.resolve(certFile) + ": " + e.getMessage(), e);
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(own, pass);
            SSLContext ctx = SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
            return new TlsCredentials(ctx, dir);
        } catch (GeneralSecurityException | IOException e) {
            throw new MigrationException("cannot set up TLS from " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] read(Path p) throws MigrationException {
        try {
            if (Files.exists(p) && !Files.isRegularFile(p)) throw new MigrationException(p + " is not a regular file");
            return Files.readAllBytes(p);
        } catch (NoSuchFileException e) {
            throw new MigrationException("TLS credentials: " + p + " is missing (a tls-creds-x509 directory holds ca-cert.pem, "
                    + "server-cert.pem, server-key.pem, client-cert.pem and client-key.pem)");
        } catch (IOException e) {
            throw new MigrationException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    private static List<Certificate> certificates(Path p) throws MigrationException {
        byte[] pem = read(p);
        try {
            Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(pem));
            if (certs.isEmpty()) throw new MigrationException(p + " holds no certificate");
            return new ArrayList<>(certs);
        } catch (GeneralSecurityException e) {
            throw new MigrationException(p + " is not a PEM X.509 certificate: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(Path p) throws MigrationException {
        String text = new String(read(p), StandardCharsets.US_ASCII);
        byte[] pkcs8;
        if (text.contains("-----BEGIN PRIVATE KEY-----")) {
            pkcs8 = pemBody(text, "PRIVATE KEY", p);
        } else if (text.contains("-----BEGIN RSA PRIVATE KEY-----")) {
            pkcs8 = rsaPkcs1ToPkcs8(pemBody(text, "RSA PRIVATE KEY", p));
        } else if (text.contains("ENCRYPTED")) {
            throw new MigrationException(p + " is an encrypted key; give an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)");
        } else {
            throw new MigrationException(p + " is not a PEM private key of a kind vmckpt reads (PKCS#8 'BEGIN PRIVATE KEY' or "
                    + "'BEGIN RSA PRIVATE KEY'; convert with: openssl pkcs8 -topk8 -nocrypt)");
        }
        for (String alg : new String[]{"RSA", "EC", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(pkcs8));
            } catch (GeneralSecurityException tryNext) {
                // not this algorithm
            }
        }
        throw new MigrationException(p + ": the private key is not an RSA, EC or Ed25519 key vmckpt can read");
    }

    private static byte[] pemBody(String text, String label, Path p) throws MigrationException {
        String begin = "-----BEGIN " + label + "-----", end = "-----END " + label + "-----";
        int a = text.indexOf(begin), b = text.indexOf(end, a + 1);
        if (a < 0 || b < 0) throw new MigrationException(p + ": unterminated PEM block " + label);
        try {
            return Base64.getMimeDecoder().decode(text.substring(a + begin.length(), b));
        } catch (IllegalArgumentException e) {
            throw new MigrationException(p + ": the PEM block is not valid base64", e);
        }
    }

    /** Wraps a PKCS#1 RSAPrivateKey in a PKCS#8 PrivateKeyInfo (version 0, rsaEncryption, the key as an octet string). */
    private static byte[] rsaPkcs1ToPkcs8(byte[] pkcs1) {
        byte[] algorithm = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[]{0x02, 0x01, 0x00});
        body.writeBytes(algorithm);
        body.write(0x04);
        writeLength(body, pkcs1.length);
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        writeLength(out, body.size());
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static void writeLength(ByteArrayOutputStream out, int n) {
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write(n >> 8);
            out.write(n);
        }
    }
}
