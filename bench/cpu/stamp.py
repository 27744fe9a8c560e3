#!/usr/bin/env python3
"""Runs a command and writes its output lines, stdout ("out") and stderr ("err"), each stamped with the seconds since
the spawn, to OUT ("SECONDS TAG | text", the format bench/cpu/hot-queue.py reads; round 46), through threads.py's
run_stamped. Not a test.

  python3 bench/cpu/stamp.py OUT -- ./vmckpt run ...
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
threads = __import__("threads")

_, rc = threads.run_stamped(sys.argv[3:], dict(os.environ), sys.argv[1], lambda pid, tag, line: None, str)
sys.exit(rc)
