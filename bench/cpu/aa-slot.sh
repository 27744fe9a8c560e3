#!/bin/bash
# Round 84 (aa84): an A/A series in a slot: does a phase's figure depend on where the jar was built, on which build it
# is, or on the A/B tool, when every launcher runs the same commit? Rounds 81-83 saw the signed guest's module phase
# lean against a jar built in a worktree under /work whenever it was compared with the lead's build under /tmp.
#
# Sleeps until START (HH:MM:SS UTC today; none: at once), writes each launcher's build (its jar's, whitebox jar's and
# class-data archive's md5, its tree's commit) to OUT/builds.txt, then one bench/cpu/ab-slot.sh series with the four
# launchers A, B, C, D (NAME=PATH[,JAVA_OPTS]; the same commit, with no switch), to MARK (default "BENCH-INFO tainted",
# the line after modules-end: the boot to /init and the module phase, the two phases a run to it has), the guests of
# GUESTS (default "signed signed default") taking turns, the four launchers' order turning (A,B,C,D; B,C,D,A; C,D,A,B;
# D,A,B,C, once every guest has had a round in it: ab-slot.sh's rule), the canary on, until END (no round starts unless
# now + EST seconds is before it). Then ab-slot.sh's tables for every two launchers, and pairs.py --order's for every two
# of them, each metric of METRICS (default "run C1 C2 wall"): the counts and medians, the sign test's p, the pairs by
# which run ran first, and each place's median in the round's order (OUT/aa-METRIC-X-Y.txt); the run thread's lines
# of every pair on the signed and default guests' phases gathered in OUT/aa-summary.txt.
#
# The design (round 84): A = the lead's build under /tmp (round 83's "main"), B = this worktree's build under /work,
# C = another build of the same commit under /tmp (a `git worktree add --detach /tmp/X HEAD` of this tree, ./build
# there), D = A's launcher again under another name (the same jar and archive: the tool's own null). A-B is round 83's
# comparison; B-C is /work against /tmp, both built by the same hand minutes apart; A-C two builds under /tmp; A-D is the
# tool with nothing different but the label. Labels of one length (the label is in the VM's name, --name threads-PID-L).
#
#   A="main=/tmp/mainroot84/vmckpt" B="work=/work/wt-aa84/vmckpt" C="tmpc=/tmp/aa84-c/vmckpt" \
#   D="twin=/tmp/mainroot84/vmckpt" OUT=bench/results/round84-aa84/slot START=22:00:05 END=22:17:20 \
#       bench/cpu/aa-slot.sh > bench/results/round84-aa84/slot.log 2>&1
set -u
cd "$(dirname "$0")/../.."
: "${A:?A=NAME=PATH[,JAVA_OPTS]}" "${B:?B=NAME=PATH[,JAVA_OPTS]}" "${C:?C=NAME=PATH[,JAVA_OPTS]}" "${D:?D=NAME=PATH[,JAVA_OPTS]}"
: "${OUT:?OUT=a directory}" "${END:?END=HH:MM:SS (UTC)}"
START=${START:-}
METRICS=${METRICS:-run C1 C2 wall}
mkdir -p "$OUT"
{
    echo "# $(date -u +%H:%M:%S) the launchers' builds (md5 of the jar, the whitebox jar, the class-data archive; the tree's commit)"
    for l in "$A" "$B" "$C" "$D"; do
        p=${l#*=}; p=${p%%,*}; t=$(dirname "$(readlink -f "$p")")
        echo "${l%%=*} $t jar $(md5sum < "$t/cli/target/vmckpt.jar" | cut -c1-8) whitebox $(md5sum < "$t/whitebox/target/vmckpt-whitebox.jar" | cut -c1-8)" \
             "jsa $(md5sum < "$t/cli/target/vmckpt.jsa" | cut -c1-8) built $(stat -c %y "$t/cli/target/vmckpt.jar" | cut -c1-19)" \
             "commit $(git -C "$t" rev-parse --short HEAD 2>/dev/null || echo '?')${l#*=$p}"
    done
} | tee "$OUT/builds.txt"
if [ -n "$START" ]; then
    start=$(bench/at-time.sh "$START")
    now=$(date +%s)
    if [ "$now" -lt "$start" ]; then echo "# $(date -u +%H:%M:%S) asleep until $START"; sleep $(( start - now )); fi
fi
echo "# $(date -u +%H:%M:%S) HEAD $(git rev-parse --short HEAD)"
A="$A" B="$B" C="$C" D="$D" GUESTS="${GUESTS:-signed signed default}" MARK="${MARK:-BENCH-INFO tainted}" EST="${EST:-50}" \
    OUT="$OUT" END="$END" bench/cpu/ab-slot.sh
ls "$OUT"/R*.json >/dev/null 2>&1 || exit 1
names=("${A%%=*}" "${B%%=*}" "${C%%=*}" "${D%%=*}")
: > "$OUT/aa-summary.txt"
for i in 0 1 2; do
    for j in $(seq $((i + 1)) 3); do
        x=${names[$i]}; y=${names[$j]}
        for m in $METRICS; do
            python3 bench/cpu/pairs.py "$OUT"/R*.json --a "$x" --b "$y" --metric "$m" --phases "${PHASES:-boot,modules}" --order \
                > "$OUT/aa-$m-$x-$y.txt"
        done
        { echo "## $x-$y (run thread)"; grep -E "^(signed|default) +[a-z]+ +[0-9]|^order |^canary " "$OUT/aa-run-$x-$y.txt"; } >> "$OUT/aa-summary.txt"
    done
done
echo "## each place in the round's order (run thread; every launcher)" >> "$OUT/aa-summary.txt"
grep "^place " "$OUT/aa-run-${names[0]}-${names[1]}.txt" >> "$OUT/aa-summary.txt"
cat "$OUT/aa-summary.txt"
echo "# $(date -u +%H:%M:%S) done"
