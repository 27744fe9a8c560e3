#!/usr/bin/env python3
"""Copies stdin to stdout, each line prefixed with the wall time it arrived (epoch seconds): a guest's console,
for the heartbeat gaps of memdirty (round 66, gc66's slot)."""
import sys, time
for raw in sys.stdin.buffer:
    sys.stdout.write(f"{time.time():.4f} {raw.decode('utf-8', 'replace').rstrip()}\n")
    sys.stdout.flush()
