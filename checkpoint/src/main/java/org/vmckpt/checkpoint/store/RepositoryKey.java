package org.vmckpt.checkpoint.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The key of an encrypted repository (AES-256-GCM). It is never stored in the repository: only its id, an
 * HMAC-SHA256 of a fixed text under the key, is (file {@code KEY-ID}), so a wrong key is refused by name before
 * anything is decrypted. The key comes from a file (32 bytes, or 64 hex digits) named by {@code --key-file} or
 * {@code $VMCKPT_KEY_FILE}.
 *
 * <p>Sealed data is {@code nonce (12 bytes, random) || ciphertext || tag (16 bytes)}; the caller's associated
 * data binds it to where it belongs (a pack id and frame number, a manifest's preamble).
 */
public final class RepositoryKey {
    public static final String ENV_FILE = "VMCKPT_KEY_FILE";
    static final int NONCE_BYTES = 12;
    static final int TAG_BYTES = 16;
    static final int OVERHEAD = NONCE_BYTES + TAG_BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;
    private final String source;
    private final String id;

    private RepositoryKey(byte[] bytes, String source) {
        this.key = new SecretKeySpec(bytes, "AES");
        this.source = source;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(bytes, "HmacSHA256"));
            this.id = HexFormat.of().formatHex(mac.doFinal("vmckpt repository key id".getBytes(StandardCharsets.US_ASCII)), 0, 16);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no HmacSHA256", e);
        }
    }

    /** Reads a key file: exactly 32 bytes, or 64 hex digits (surrounding whitespace allowed). */
    public static RepositoryKey fromFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("key file " + file + " is not a regular file");
        if (Files.size(file) > 1024) throw new IOException("key file " + file + " is too large for a key (32 bytes or 64 hex digits)");
        byte[] b = Files.readAllBytes(file);
        if (b.length == 32) return new RepositoryKey(b, file.toString());
        String text = new String(b, StandardCharsets.US_ASCII).strip();
        if (text.length() == 64) {
            try {
                return new RepositoryKey(HexFormat.of().parseHex(text), file.toString());
            } catch (IllegalArgumentException e) {
                // fall through to the error below
            }
        }
        throw new IOException("key file " + file + " must hold a 256-bit key: 32 bytes, or 64 hex digits (e.g. head -c 32 /dev/urandom > " + file + ")");
    }

    /** The key named by {@code $VMCKPT_KEY_FILE}, or null if it is not set. */
    public static RepositoryKey fromEnvironment() throws IOException {
        String f = System.getenv(ENV_FILE);
        return f == null || f.isEmpty() ? null : fromFile(Path.of(f));
    }

    /** Where the key came from (a file name), for messages. */
    public String source() {
        return source;
    }

    /** The key's public id: 32 hex digits. */
    public String id() {
        return id;
    }

    byte[] seal(byte[] plain, int off, int len, byte[] aad) {
        byte[] nonce = new byte[NONCE_BYTES];
        RANDOM.nextBytes(nonce);
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, nonce));
            c.updateAAD(aad);
            byte[] out = new byte[NONCE_BYTES + len + TAG_BYTES];
            System.arraycopy(nonce, 0, out, 0, NONCE_BYTES);
            c.doFinal(plain, off, len, out, NONCE_BYTES);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed: " + e.getMessage(), e);
        }
    }

    /** Decrypts and authenticates {@code sealed[off, off+len)}; refuses altered or misplaced data naming {@code what}. */
    byte[] open(byte[] sealed, int off, int len, byte[] aad, Path file, String what) throws CheckpointFormatException {
        if (len < OVERHEAD) throw new CheckpointFormatException(file, what + " is too short to be encrypted data");
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BYTES * 8, sealed, off, NONCE_BYTES));
            c.updateAAD(aad);
            return c.doFinal(sealed, off + NONCE_BYTES, len - NONCE_BYTES);
        } catch (AEADBadTagException e) {
            throw new CheckpointFormatException(file, what + " fails authentication (altered, or moved from elsewhere)");
        } catch (GeneralSecurityException e) {
            throw new CheckpointFormatException(file, what + " cannot be decrypted: " + e.getMessage());
        }
    }
}
