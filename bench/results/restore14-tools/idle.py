import struct, zlib, collections, hashlib, gzip, io, sys
data = open('/tmp/r14/idle-data.bin','rb').read()
pages = [(struct.unpack('>i', data[o:o+4])[0], data[o+4:o+4100]) for o in range(0, len(data), 4100)]
kernel = open('/tmp/r14/lay/guest-signed/Image','rb').read()
KBASE = (0x80200000 - 0x80000000) // 4096
# initramfs files: last partial pages (zero-padded)
raw = open('/tmp/r14/lay/guest-signed/initramfs.cpio.gz','rb').read()
arch = b''; rest = raw
while rest:
    d = zlib.decompressobj(31); arch += d.decompress(rest); rest = d.unused_data
tails = {}; nfiles = 0; pos = 0
while pos + 110 <= len(arch):
    if arch[pos] == 0: pos += 4; continue
    if arch[pos:pos+6] not in (b'070701', b'070702'): break
    mode = int(arch[pos+14:pos+22], 16); size = int(arch[pos+54:pos+62], 16); ns = int(arch[pos+94:pos+102], 16)
    da = (pos + 110 + ns + 3) & ~3
    if mode & 0o170000 == 0o100000 and size > 0:
        nfiles += 1
        if size % 4096:
            t = arch[da + size // 4096 * 4096: da + size]
            tails[hashlib.sha1(t + bytes(4096 - len(t))).digest()] = len(t)
    pos = (da + size + 3) & ~3
cls = collections.defaultdict(lambda: [0, 0])
seen = collections.Counter(hashlib.sha1(p).digest() for _, p in pages)
for i, p in pages:
    c1 = len(zlib.compress(p, 1))
    nz = 4096 - p.count(0)
    h = hashlib.sha1(p).digest()
    if i < KBASE: k = 'firmware region (first 2 MiB)'
    elif i < KBASE + len(kernel) // 4096:
        off = (i - KBASE) * 4096
        diff = sum(1 for a, b in zip(p, kernel[off:off+4096]) if a != b)
        k = 'kernel Image region, differs from the file in < 64 bytes' if diff < 64 else 'kernel Image region, rewritten'
    elif h in tails: k = 'last partial page of an initramfs file (zero tail)'
    elif seen[h] > 1: k = 'duplicate of another data page'
    elif nz < 256: k = 'other, < 256 non-zero bytes'
    else: k = 'other'
    cls[k][0] += 1; cls[k][1] += c1
tot = sum(v[1] for v in cls.values())
print(f"{len(pages)} data pages; initramfs: {nfiles} files, {len(tails)} with a partial last page; zlib-1 per page total {tot/2**20:.1f} MiB")
for k, (n, b) in sorted(cls.items(), key=lambda kv: -kv[1][1]):
    print(f"  {k}: {n} pages, {b/2**20:.2f} MiB zlib-1 ({100*b/tot:.0f}%)")
# the kernel pages that differ little: how many bytes, in how many runs
hist = collections.Counter(); runs_total = 0; bytes_total = 0; n = 0
for i, p in pages:
    if KBASE <= i < KBASE + len(kernel) // 4096:
        off = (i - KBASE) * 4096
        f = kernel[off:off+4096]
        d = [j for j in range(4096) if p[j] != f[j]]
        if 0 < len(d) < 64:
            n += 1; bytes_total += len(d)
            runs = 1 + sum(1 for a, b in zip(d, d[1:]) if b - a > 8)
            runs_total += runs
            hist[min(len(d), 63) // 8 * 8] += 1
print(f"small-diff kernel pages: {n}, differing bytes {bytes_total} (mean {bytes_total/n:.1f}), patches (runs within 8 bytes) {runs_total} (mean {runs_total/n:.1f}); by differing bytes: {sorted(hist.items())}")
first = (pages[0][0])
