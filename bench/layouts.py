#!/usr/bin/env python3
"""Page-cache eviction on the disk layouts users bring (issue 9), and the idle guest: checkpoint sizes.

For each layout it makes a disk image holding a 200 MiB random file (ext4 by a plain mke2fs of 256 MiB, which
picks 1 KiB blocks; ext4 of 2 and 4 KiB blocks; ext4 of 4 KiB blocks in an MBR partition at sector 63),
boots the default guest (1 GiB) with it as its only disk, has the guest's shell run the pagecache workload
on the file (it reads the file into the page cache, then prints a heartbeat every 10 ms), and takes a
checkpoint in vmckpt's default mode (live, full, all evictions, zstd 1) over QMP. The idle guest: the
default guest and disk, a shell, the same checkpoint. With --baseline-jar, every run is repeated with that
jar right after (A/B interleaved on the same machine) and the sizes are given as ratios. --guest signed boots
issue 9's own guest instead (bench/restore.py: the stock kernel with its signed modules, the default /init
appended), with the same disks; its idle guest has its plain `mke2fs -t ext4` disk.

    bench/layouts.py [--jar cli/target/vmckpt.jar] [--baseline-jar OTHER.jar] [--reps 1] [--work DIR] [--only idle,...]
                     [--guest default|signed]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import paper  # noqa: E402  (Process, Qmp, Vmckpt: the same machinery as the paper's evaluation)

FILE_MIB = 200
MIB = 1 << 20


def make_layout(work, name, block_size, size, partitioned):
    src = os.path.join(work, f"{name}-src")
    os.makedirs(src, exist_ok=True)
    data = os.path.join(src, "data.bin")
    if not os.path.exists(data):
        with open(data, "wb") as f:
            for _ in range(FILE_MIB):
                f.write(os.urandom(MIB))
    fs = os.path.join(work, f"{name}.fs")
    cmd = ["mke2fs", "-q", "-F", "-t", "ext4"] + (["-b", str(block_size)] if block_size else []) + ["-d", src, fs, size]
    subprocess.run(cmd, check=True)
    if not partitioned:
        return fs
    img = os.path.join(work, f"{name}.img")
    fs_bytes = os.path.getsize(fs)
    mbr = bytearray(512)
    mbr[446 + 4] = 0x83
    mbr[446 + 8:446 + 12] = (63).to_bytes(4, "little")
    mbr[446 + 12:446 + 16] = (fs_bytes // 512).to_bytes(4, "little")
    mbr[510], mbr[511] = 0x55, 0xAA
    with open(img, "wb") as out, open(fs, "rb") as inp:
        out.write(mbr)
        out.seek(63 * 512)
        shutil.copyfileobj(inp, out, 1 << 20)
    os.remove(fs)
    return img


def one_run(vm, label, disk, mount, guest=None):
    """Boots, runs the workload (or stays idle), takes a default checkpoint; returns the reply and counts. GUEST: a
    guest directory as bench/restore.py makes it (Image, initramfs.cpio.gz, cmdline, disk.img), or None for the
    default guest."""
    repo = os.path.join(vm.work, f"repo-{label}")
    shutil.rmtree(repo, ignore_errors=True)
    sock = os.path.join(vm.work, "vm.sock")
    args = ["run", "--mem", paper.MEM, "--api-socket", sock, "--repo", repo]
    if guest:
        with open(os.path.join(guest, "cmdline")) as f:
            cmdline = f.read().strip()
        args += ["--kernel", os.path.join(guest, "Image"), "--initrd", os.path.join(guest, "initramfs.cpio.gz"),
                 "--append", cmdline, "--disk", disk or os.path.join(guest, "disk.img")]
    elif disk:
        args += ["--disk", disk]
    p = paper.Process(vm.cmd(*args), os.path.join(vm.logs, f"layouts-{label}"), env=vm.env)
    qmp = paper.Qmp(sock)
    try:
        if not p.out.wait_for(r"VMCKPT-READY", 300):
            raise RuntimeError(f"{label}: the guest did not boot")
        if mount is not None:
            p.type(f"{mount}pagecache /mnt/data.bin 10\n")
            if not p.out.wait_for(r"pagecache loaded", 300):
                raise RuntimeError(f"{label}: pagecache never loaded (see {vm.logs})")
        time.sleep(paper.SETTLE_S)
        r = qmp.execute("vmckpt-checkpoint", {"name": label})
        info = vm.inspect(repo, r["id"])
        return r, info
    finally:
        p.stop(qmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jar", default=os.path.join(paper.ROOT, "cli", "target", "vmckpt.jar"))
    ap.add_argument("--baseline-jar", default=None)
    ap.add_argument("--reps", type=int, default=1)
    ap.add_argument("--work", default="/tmp/vmckpt-layouts")
    ap.add_argument("--only", default=None, help="comma-separated layouts: ext4-1k,ext4-2k,ext4-4k,part63,idle")
    ap.add_argument("--guest", choices=("default", "signed"), default="default",
                    help="signed: issue 9's guest (bench/restore.py --guest signed: the stock kernel, its signed modules; "
                         "idle then has its plain mke2fs disk)")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.work, "logs"), exist_ok=True)
    guest = None
    if args.guest == "signed":
        import restore  # noqa: E402  (bench/restore.py: the signed guest's directory)
        guest = restore.signed_guest(args.work)
    only = set(args.only.split(",")) if args.only else None
    wanted = lambda k: only is None or k in only  # noqa: E731
    layouts = [
        ("ext4-1k", "ext4 by a plain mke2fs of 256 MiB (1 KiB blocks)", make_layout(args.work, "ext4-1k", None, "256M", False) if wanted("ext4-1k") else None, ""),
        ("ext4-2k", "ext4, 2 KiB blocks", make_layout(args.work, "ext4-2k", 2048, "256M", False) if wanted("ext4-2k") else None, ""),
        ("ext4-4k", "ext4, 4 KiB blocks", make_layout(args.work, "ext4-4k", 4096, "256M", False) if wanted("ext4-4k") else None, ""),
        ("part63", "ext4 (4 KiB blocks) in a partition at sector 63", make_layout(args.work, "part63", 4096, "256M", True) if wanted("part63") else None,
         "mount -t ext4 /dev/vda1 /mnt && "),
        ("idle", "idle guest (the guest's own disk, a shell)", None, None),
    ]
    layouts = [lay for lay in layouts if wanted(lay[0])]
    jars = [("new", args.jar)] + ([("baseline", args.baseline_jar)] if args.baseline_jar else [])
    rows = []
    for rep in range(args.reps):
        for key, title, disk, mount in layouts:
            for tag, jar in jars:
                vm = paper.Vmckpt(argparse.Namespace(jar=jar, work=args.work))
                r, info = one_run(vm, f"{key}-{tag}-{rep}", disk, mount, guest)
                pages = r["pages"]
                row = {"guest": args.guest, "layout": key, "title": title, "jar": tag, "rep": rep, "size": r["size"],
                       "saved": pages.get("pages.saved"), "disk": pages.get("evict.disk"), "boot": pages.get("evict.boot", 0),
                       "delta": pages.get("evict.boot_delta", 0), "pause_ns": r.get("downtime-ns"),
                       "zero": pages.get("evict.zero"), "free": pages.get("evict.free")}
                rows.append(row)
                print(f"{key:8} {tag:8} size {r['size'] / MIB:7.1f} MiB  saved {row['saved']:>7}  disk {row['disk']:>7}  "
                      f"boot {row['boot']:>5}  delta {row['delta']:>5}  zero {row['zero']:>7}  free {row['free']:>7}  "
                      f"pause {(row['pause_ns'] or 0) / 1e6:.2f} ms", flush=True)
    with open(os.path.join(args.work, "layouts.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
