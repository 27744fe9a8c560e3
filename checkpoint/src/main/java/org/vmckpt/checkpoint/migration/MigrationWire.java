package org.vmckpt.checkpoint.migration;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The migration stream's framing (docs/MIGRATION.md): the source opens with {@link #MAGIC} and a 32-bit
 * {@link #VERSION}; then both directions carry frames of a type byte, a 32-bit big-endian payload length and the
 * payload. The ERROR frame keeps its layout in every version, so a peer of another version is told why in words.
 */
final class MigrationWire {
    private MigrationWire() { }

    static final byte[] MAGIC = "VMCKMIGR".getBytes(StandardCharsets.US_ASCII);
    /**
     * The protocol version this build speaks; a stream of any other version is refused by name. 5 (2026-12-01): pages
     * post-copy streams after GO may be references (to files both ends hold), as before it. 6 (2026-12-01, branch
     * migrate6): a PAGES frame's page table is compressed on its own. 7 (2026-12-01, branch migrate7): a data page may
     * carry its origin ({@link #PAGE_DATA_ORIGIN}), which the destination checks against its own file. 8 (2026-12-01,
     * branch migrate8): page kind {@link #PAGE_WORDS} (the few words of a page that changed), and post-copy's pages
     * after GO may be deltas, against the copy the destination held before STATE named them (it keeps those aside). 9
     * (2026-12-01, branch migrate11): GO carries how long the source has held the guest paused (i64 ns, -1: paused by
     * the user), which the destination's guest clock counts. 10 (2026-12-02, branch migrate15): page kind
     * {@link #PAGE_SOURCE_DELTA} (a kernel page the boot patched, as the file's page plus the XOR). 11 (2026-12-02,
     * branch migrate16): post-copy's STATE says how many of the pages it names follow it at once (the guest's working
     * set, as PAGES, which the destination takes before READY), and the switch-over's pause sends no page before STATE.
     * 12 (2026-12-02, branch migrate17): STATE's body is packed (zstd where it shrinks), and a PAGES frame lists up to
     * {@link #MAX_PAGES_PER_FRAME} pages of which at most {@link #PAGES_PER_FRAME} carry data, so that the rounds' data
     * parts hold 64 pages each, as a checkpoint's pack frames do. 13 (2026-12-04, branch mig53tables): a PAGES frame's
     * table may be a list of runs ({@code PageFrames} table encoding RUNS: consecutive pages of one kind, zero, data or
     * delta), a frame's data part is a sequence of chunks of at most {@link #DATA_CHUNK} bytes each compressed on its own
     * (PAGES and DISK), and a round's frame (while the guest runs) may hold up to {@link #ROUND_PAGES_PER_FRAME} data
     * pages (sent so only when switched on): memory that does not compress cost 24 bytes of overhead per 64 pages in a
     * checkpoint's pack and about 56 in a migration's frames (docs/BENCHMARKS.md round 53). 14 (2026-12-04, branch
     * mig55): a data chunk may be the next part of the connection's zstd stream ({@code PageFrames.STREAM},
     * {@code ChunkStream}), which refers to the chunks streamed before it, where a checkpoint's pack frames are each
     * compressed on their own (docs/BENCHMARKS.md round 55).
     */
    static final int VERSION = 14;
    /** Largest frame payload accepted: a batch of pages is at most 512 x 4 KiB plus its table. */
    static final int MAX_PAYLOAD = 16 << 20;
    /**
     * Pages with data per PAGES frame (the repository's frame size: 64 units), and blocks per DISK frame. Since protocol
     * 12 zero pages and references (no data) do not count: a frame lists at most {@link #MAX_PAGES_PER_FRAME} pages.
     */
    static final int PAGES_PER_FRAME = 64;
    /**
     * The bytes of a frame's data part compressed together (protocol 13): a pack frame's 64 units, so that zstd sees the
     * same input as a checkpoint's and picks the same parameters (it picks them by input size).
     */
    static final int DATA_CHUNK = PAGES_PER_FRAME * 4096;
    /**
     * The most pages with data a PAGES frame may carry (protocol 13), which every destination accepts: a round's frame
     * while the guest runs could carry 512 (round 53's {@code -Dvmckpt.migration.roundFramePages=512}, retired in round 83:
     * this source sends at most {@link #PAGES_PER_FRAME} in every frame). Its data part is then 8 chunks of 64 pages, compressed
     * as 8 pack frames, under one frame header and table.
     */
    static final int ROUND_PAGES_PER_FRAME = 512;
    /** The most data bytes a PAGES frame holds: {@link #ROUND_PAGES_PER_FRAME} pages. */
    static final int MAX_FRAME_DATA = ROUND_PAGES_PER_FRAME * 4096;
    /**
     * Pages a PAGES frame lists at most (protocol 12), data or not. With 64 listed pages a frame, an idle guest's round 0
     * (a third of its pages references to the kernel and initramfs) compressed 45 data pages a frame on average where a
     * checkpoint compresses 64, and paid a frame header and a page table for each (docs/BENCHMARKS.md run 28).
     */
    static final int MAX_PAGES_PER_FRAME = 4096;

    // source -> destination
    static final int HELLO = 1;
    static final int PAGES = 4;
    static final int DISK = 5;
    static final int STATE = 6;
    static final int GO = 8;
    static final int END = 10;
    static final int CANCEL = 12;
    static final int RESUME = 13;
    static final int SYNC = 15;
    // destination -> source
    static final int ACCEPT = 2;
    static final int READY = 7;
    static final int REQUEST = 9;
    static final int DONE = 11;
    static final int RESUMED = 14;
    static final int SYNCED = 16;
    // both
    static final int ERROR = 3;

    /** Page kinds inside a PAGES frame. */
    static final int PAGE_ZERO = 0;
    static final int PAGE_DATA = 1;
    /** Since version 4: the page equals 4 KiB of a file both ends hold; an i64 reference follows ({@code PageReferences}). */
    static final int PAGE_SOURCE = 2;
    /**
     * Since version 4: the page's data part is the XOR of its new contents with the copy sent before in this
     * migration (a page rewritten in a few words is then almost all zeros and compresses to nearly nothing).
     */
    static final int PAGE_DELTA = 3;
    /**
     * Since version 7: the page's data, and a reference to the file bytes the source saw it copied from (its origin,
     * not confirmed there: answers to REQUESTs do not read files while the guest waits). The destination records that
     * origin only if its own copy of those bytes equals the data; else it keeps the page as plain data.
     */
    static final int PAGE_DATA_ORIGIN = 4;
    /**
     * Since version 8: the page differs from the copy sent before in at most {@link #MAX_PAGE_WORDS} of its 512 8-byte
     * words: the table gives their count and their indices (each as its step from the one before), the data part
     * their new values (8 bytes each). Encoding and applying it reads the page once and compresses almost nothing,
     * where a DELTA XORs and compresses the whole page (memdirty's writes change one word of a page).
     */
    static final int PAGE_WORDS = 5;
    /**
     * Since version 10: the page differs in a few bytes from 4 KiB of a boot file both ends hold (the kernel Image's
     * page the boot patched, which a checkpoint stores as SOURCE_DELTA): the table gives the reference as PAGE_SOURCE
     * does, the data part the XOR of the page with the file's bytes. The destination reads its own copy of those
     * bytes (the same check as PAGE_SOURCE) and applies the XOR; it keeps the page as plain data, without an origin.
     */
    static final int PAGE_SOURCE_DELTA = 6;
    /** The most words a PAGE_WORDS page lists; a page that differs in more goes as a DELTA. */
    static final int MAX_PAGE_WORDS = 32;
    /** Block kinds inside a DISK frame: the block's data, or the base image shows through. */
    static final int BLOCK_ABSENT = 0;
    static final int BLOCK_DATA = 1;

    static String name(int type) {
        return switch (type) {
            case HELLO -> "HELLO";
            case ACCEPT -> "ACCEPT";
            case ERROR -> "ERROR";
            case PAGES -> "PAGES";
            case DISK -> "DISK";
            case STATE -> "STATE";
            case READY -> "READY";
            case GO -> "GO";
            case REQUEST -> "REQUEST";
            case END -> "END";
            case DONE -> "DONE";
            case CANCEL -> "CANCEL";
            case RESUME -> "RESUME";
            case RESUMED -> "RESUMED";
            case SYNC -> "SYNC";
            case SYNCED -> "SYNCED";
            default -> "unknown message type " + type;
        };
    }

    /** One received frame. */
    /** A frame: its payload is {@code payload[0..length)} (a receiver's reused buffer may be longer). */
    record Frame(int type, byte[] payload, int length) {
        Frame(int type, byte[] payload) {
            this(type, payload, payload.length);
        }

        Payload read() {
            return new Payload(name(type), payload, length);
        }
    }

    /** Bounds-checked reading of a frame's payload: a short or malformed payload is a MigrationException. */
    static final class Payload {
        private final String what;
        private final ByteBuffer b;

        Payload(String what, byte[] data) {
            this(what, data, data.length);
        }

        /** The payload {@code data[0..length)}. */
        Payload(String what, byte[] data, int length) {
            this.what = what;
            this.b = ByteBuffer.wrap(data, 0, length);
        }

        int u8() throws MigrationException {
            try {
                return b.get() & 0xff;
            } catch (BufferUnderflowException e) {
                throw malformed("it is too short");
            }
        }

        int i32() throws MigrationException {
            try {
                return b.getInt();
            } catch (BufferUnderflowException e) {
                throw malformed("it is too short");
            }
        }

        long i64() throws MigrationException {
            try {
                return b.getLong();
            } catch (BufferUnderflowException e) {
                throw malformed("it is too short");
            }
        }

        /** A count or length: 0 .. max. */
        int count(int max, String of) throws MigrationException {
            int n = i32();
            if (n < 0 || n > max) throw malformed(of + " " + n + " is out of range 0.." + max);
            return n;
        }

        byte[] bytes(int max, String of) throws MigrationException {
            int n = count(Math.min(max, b.remaining()), of);
            byte[] out = new byte[n];
            b.get(out);
            return out;
        }

        /**
         * As {@link #bytes}, without the copy: skips the bytes and returns their length {@code n}; they are
         * {@link #array()}'s {@code n} bytes before {@link #position()} after the call.
         */
        int skipBytes(int max, String of) throws MigrationException {
            int n = count(Math.min(max, b.remaining()), of);
            b.position(b.position() + n);
            return n;
        }

        int position() {
            return b.position();
        }

        /** The array the payload is read from (valid as long as the frame it came from). */
        byte[] array() {
            return b.array();
        }

        String string(String of) throws MigrationException {
            return new String(bytes(1 << 20, of), StandardCharsets.UTF_8);
        }

        /** An unsigned LEB128 number (7 bits a byte, at most 10 bytes). */
        long varint() throws MigrationException {
            long v = 0;
            for (int shift = 0; shift < 70; shift += 7) {
                int b = u8();
                v |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) return v;
            }
            throw malformed("a number runs past 10 bytes");
        }

        /** A signed number written with {@link PayloadWriter#zigzag}. */
        long zigzag() throws MigrationException {
            long v = varint();
            return (v >>> 1) ^ -(v & 1);
        }

        int remaining() {
            return b.remaining();
        }

        void end() throws MigrationException {
            if (b.hasRemaining()) throw malformed(b.remaining() + " bytes are left over");
        }

        MigrationException malformed(String why) {
            return new MigrationException("malformed " + what + " message in the migration stream: " + why);
        }
    }

    /**
     * Building a payload. A writer may be {@link #reset} and used again: its buffer, once grown to the largest payload
     * built in it, is reused, and {@link #array}/{@link #length} give the payload without the copy {@link #toByteArray}
     * makes (the source's PAGES frames: that copy and the buffer's growth were 110 of the 194 MiB its migration thread
     * allocated in a migration, docs/BENCHMARKS.md run 19).
     */
    static final class PayloadWriter {
        private final Buffer out = new Buffer();
        private final java.io.DataOutputStream d = new java.io.DataOutputStream(out);

        /** A ByteArrayOutputStream whose array can be read in place. */
        private static final class Buffer extends java.io.ByteArrayOutputStream {
            byte[] array() {
                return buf;
            }

            void truncate(int length) {
                count = length;
            }
        }

        /** Drops what was written after the first {@code length} bytes (a part encoded one way, to be encoded another). */
        void truncate(int length) {
            if (length < 0 || length > out.size()) throw new IllegalArgumentException("cannot truncate " + out.size() + " bytes to " + length);
            out.truncate(length);
        }

        /** Empties this writer for the next payload, keeping its buffer. */
        PayloadWriter reset() {
            out.reset();
            return this;
        }

        /** The buffer holding the payload in its first {@link #length} bytes (valid until the next write or reset). */
        byte[] array() {
            return out.array();
        }

        int length() {
            return out.size();
        }

        PayloadWriter u8(int v) {
            out.write(v);
            return this;
        }

        PayloadWriter i32(int v) {
            try {
                d.writeInt(v);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return this;
        }

        PayloadWriter i64(long v) {
            try {
                d.writeLong(v);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            return this;
        }

        /** An unsigned LEB128 number: small ones take one byte. */
        PayloadWriter varint(long v) {
            while ((v & ~0x7fL) != 0) {
                out.write((int) (v & 0x7f) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
            return this;
        }

        /** A signed number, small magnitudes in few bytes (zigzag, then LEB128). */
        PayloadWriter zigzag(long v) {
            return varint((v << 1) ^ (v >> 63));
        }

        PayloadWriter bytes(byte[] v) {
            i32(v.length);
            out.writeBytes(v);
            return this;
        }

        /** {@code v[0..length)} as it is, without a length. */
        PayloadWriter raw(byte[] v, int length) {
            out.write(v, 0, length);
            return this;
        }

        /** A length-prefixed slice of {@code v}. */
        PayloadWriter bytes(byte[] v, int length) {
            i32(length);
            out.write(v, 0, length);
            return this;
        }

        PayloadWriter string(String s) {
            return bytes(s.getBytes(StandardCharsets.UTF_8));
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
