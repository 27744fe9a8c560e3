#!/bin/sh
# The host's own delays of a thread that wants to run (bench/host/host-noise.c), and the virtual CPUs' steal time from
# /proc/stat over the run:
#  - a spinning thread's intervals without the CPU, at nice -5 (the run thread's nice value when vmckpt runs as root).
#    Not at SCHED_FIFO: a real-time thread that never sleeps is throttled for 50 ms of every second whenever another
#    task waits for its CPU (sched_rt_runtime_us), which would be the figure instead;
#  - how late 500 us sleeps wake (the run loop's idle park sleeps about that long between memdirty's writes), at nice
#    -5 and at SCHED_FIFO priority 1 (`vmckpt run --realtime`).
# Without root, both at the normal policy and nice 0 (and it says so).
#   bench/host/noise.sh [SECONDS]   (default 20: the spin, then about as long of each kind of sleep)
set -eu
secs=${1:-20}
here=$(cd "$(dirname "$0")" && pwd)
bin=${TMPDIR:-/tmp}/vmckpt-host-noise
cc -O2 -Wall -o "$bin" "$here/host-noise.c"
nice="nice -n -5"; rt="chrt -f 1"
$rt true 2>/dev/null || { echo "noise: SCHED_FIFO refused (not root?): normal policy" >&2; rt=""; }
$nice true 2>/dev/null || nice=""
steal() { awk '/^cpu /{print $9}' /proc/stat; }
echo "host: $(nproc) CPUs, kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
s0=$(steal)
echo "nice -5:"; $nice "$bin" spin "$secs"
count=$((secs * 1000 * 1000 / 560))
echo "nice -5:"; $nice "$bin" park 500 $count
echo "SCHED_FIFO 1:"; $rt "$bin" park 500 $count
s1=$(steal)
echo "steal: $(( (s1 - s0) * 10 )) ms of the $(nproc) virtual CPUs' time over the run (USER_HZ 100); load $(cut -d' ' -f1-3 /proc/loadavg)"
