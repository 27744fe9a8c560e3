#!/usr/bin/env python3
"""Round 82 (lazy82): one line per restore of lazy-probe-round82-lazy82.py's output: first heartbeat after "restored", longest gap,
the first instruction after "restored", the prefetch's start to the guest's (wall, CPU, waiting for a core), the first output's
account (faults, waits for a loader thread, pages in at the start, collector), the lead and the frames read while waiting.

    summ-round82-lazy82.py PROBE-OUTPUT.txt"""
import re, sys
txt=open(sys.argv[1]).read()
for block in txt.split('== ')[1:]:
    head=block.split('\n')[0]
    name=head.split()[0]
    fi=re.search(r'first instruction ([\d.]+) ms after', block)
    fo=re.search(r"first output ([\d.]+) ms after it started.*?waiting for a core ([\d.]+) ms; ([\d,]+) faults \((\d+) of the working set, \d+ reference pages; (\d+) waited.*?\) ([\d.]+) ms.*?([\d,]+) pages arrived \(([\d,]+) before.*?collector pauses (\d+), ([\d.]+) ms", block)
    lead=re.search(r"first frames: ([\d,]+) of ([\d,]+) in at its first instruction after ([\d.]+) ms \(([\d,]+) read", block)
    helped=re.search(r"while waiting for a loader thread: ([\d,]+)", block)
    ts=re.search(r"from the prefetch's start to the guest's ([\d.]+) ms: its thread's CPU ([\d.]+) ms, waiting for a core ([\d.]+) ms", block)
    rh=re.search(r'first heartbeat (\S+) ms after it; longest gap (\S+)', head)
    print(f"{name:11s} {head.split(':')[0][len(name):]:10s} hb {rh.group(1):>5s} maxgap {rh.group(2):>5s} | 1st ins {fi.group(1) if fi else '-':>6s} | tostart {ts.groups() if ts else '-'} | out {fo.group(1) if fo else '-'} core {fo.group(2) if fo else '-'} faults {fo.group(3) if fo else '-'} waitL {fo.group(5) if fo else ''} fault ms {fo.group(6) if fo else ''} atstart {fo.group(8) if fo else ''} gc {fo.group(9) if fo else ''}/{fo.group(10) if fo else ''} | lead {lead.groups() if lead else '-'} helped {helped.group(1) if helped else '-'}")
