#!/bin/bash
# Round 77 lead slot: cpu.sh against QEMU on main's build (caseDecode on by default), 3 rounds.
now=$(date +%s); start=$(date -d "00:25:05" +%s); [ $start -lt $now ] && start=$((start+86400))
sleep $((start-now))
cd /tmp/mainroot77 && date && uptime
XDG_RUNTIME_DIR=$(mktemp -d) CPU_MODES=jit timeout 470 bench/cpu.sh 3 --work /tmp/cpu77work
echo "exit $?"; date; uptime
