package org.vmckpt.machine.firmware;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A bare-metal RISC-V ELF64 executable, as Spike runs it: loadable segments at their physical addresses,
 * the entry point, and the {@code tohost}/{@code fromhost} symbols of the HTIF exit protocol.
 */
public record ElfImage(long entry, List<Segment> segments, long tohost, long fromhost) {
    public record Segment(long paddr, byte[] data, long memSize) { }

    public static ElfImage parse(byte[] b, String name) throws BootImageException {
        try {
            return parseUnchecked(b, name);
        } catch (IndexOutOfBoundsException | IllegalArgumentException | java.nio.BufferUnderflowException | ArithmeticException e) {
            throw new BootImageException(name + ": malformed ELF file (a header points outside the file)");
        }
    }

    private static ElfImage parseUnchecked(byte[] b, String name) throws BootImageException {
        if (b.length < 64 || b[0] != 0x7f || b[1] != 'E' || b[2] != 'L' || b[3] != 'F') {
            throw new BootImageException(name + ": not an ELF file");
        }
        if (b[4] != 2 || b[5] != 1) throw new BootImageException(name + ": not a little-endian 64-bit ELF (need RV64)");
        ByteBuffer h = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        int machine = h.getShort(18) & 0xffff;
        if (machine != 243) throw new BootImageException(name + ": ELF machine is " + machine + ", not RISC-V (243)");
        long entry = h.getLong(24);
        long phoff = h.getLong(32);
        long shoff = h.getLong(40);
        int phentsize = h.getShort(54) & 0xffff, phnum = h.getShort(56) & 0xffff;
        int shentsize = h.getShort(58) & 0xffff, shnum = h.getShort(60) & 0xffff;
        if (phnum > 0 && (phentsize < 56 || !inside(b, phoff, (long) phnum * phentsize))) {
            throw new BootImageException(name + ": malformed ELF file: its program headers (offset " + Long.toUnsignedString(phoff)
                    + ", " + phnum + " x " + phentsize + " bytes) lie outside the file");
        }
        if (shnum > 0 && (shentsize < 64 || !inside(b, shoff, (long) shnum * shentsize))) {
            throw new BootImageException(name + ": malformed ELF file: its section headers (offset " + Long.toUnsignedString(shoff)
                    + ", " + shnum + " x " + shentsize + " bytes) lie outside the file");
        }
        List<Segment> segments = new ArrayList<>();
        for (int i = 0; i < phnum; i++) {
            int p = Math.toIntExact(phoff + (long) i * phentsize);
            if (h.getInt(p) != 1) continue; // PT_LOAD
            long offset = h.getLong(p + 8), paddr = h.getLong(p + 24), filesz = h.getLong(p + 32), memsz = h.getLong(p + 40);
            if (filesz < 0 || memsz < 0 || filesz > memsz || !inside(b, offset, filesz)) {
                throw new BootImageException(name + ": malformed ELF file: segment " + i + " (offset " + Long.toUnsignedString(offset)
                        + ", " + Long.toUnsignedString(filesz) + " bytes in the file, " + Long.toUnsignedString(memsz) + " in memory) lies outside the file");
            }
            byte[] data = new byte[(int) filesz];
            System.arraycopy(b, (int) offset, data, 0, (int) filesz);
            segments.add(new Segment(paddr, data, memsz));
        }
        if (segments.isEmpty()) throw new BootImageException(name + ": no loadable segments");
        long tohost = 0, fromhost = 0;
        for (int i = 0; i < shnum; i++) {
            int s = Math.toIntExact(shoff + (long) i * shentsize);
            if (h.getInt(s + 4) != 2) continue; // SHT_SYMTAB
            long symOff = h.getLong(s + 24), symSize = h.getLong(s + 32);
            int link = h.getInt(s + 40);
            if (link < 0 || link >= shnum || !inside(b, symOff, symSize)) {
                throw new BootImageException(name + ": malformed ELF file: symbol table " + i + " lies outside the file");
            }
            int strSec = Math.toIntExact(shoff + (long) link * shentsize);
            long strOff = h.getLong(strSec + 24);
            if (!inside(b, strOff, 0)) throw new BootImageException(name + ": malformed ELF file: string table of symbol table " + i + " lies outside the file");
            for (long e = symOff; e + 24 <= symOff + symSize; e += 24) {
                long nameAt = strOff + (h.getInt((int) e) & 0xffffffffL);
                String sym = nameAt < b.length ? cString(b, (int) nameAt) : "";
                if (sym.equals("tohost")) tohost = h.getLong((int) e + 8);
                else if (sym.equals("fromhost")) fromhost = h.getLong((int) e + 8);
            }
        }
        return new ElfImage(entry, segments, tohost, fromhost);
    }

    /** Whether {@code length} bytes at {@code offset} (both read as unsigned file quantities) lie inside {@code b}. */
    private static boolean inside(byte[] b, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= b.length && length <= b.length - offset;
    }

    private static String cString(byte[] b, int off) {
        int end = off;
        while (end < b.length && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }
}
