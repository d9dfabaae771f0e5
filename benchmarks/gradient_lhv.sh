#!/usr/bin/env bash
# Reproduce benchmarks/gradient_lhv.md on the CPU: one threshold scan per case, one at a time.
# Usage: benchmarks/gradient_lhv.sh [CASE ...]   (default: werner_pvm chsh ghz3_pvm w3_pvm)
# Writes benchmarks/results/gradient_lhv_CASE.{json,png,txt}.
set -euo pipefail
cd "$(dirname "$0")/.."
QC=${QC:-.venv/bin/quantcorr}
OUT=benchmarks/results
mkdir -p "$OUT"
B="0.7071067811865476,0,0.7071067811865476;-0.7071067811865476,0,0.7071067811865476"
declare -A ARGS=(
  [werner_pvm]="-s werner -m pvm --v-min 0.5 --v-max 0.85 --points 15"
  [chsh]="-s werner -m xz --bob-measurements bloch:$B --v-min 0.55 --v-max 0.85 --points 13"
  [ghz3_pvm]="-s ghz -p n=3 -m pvm --v-min 0.2 --v-max 0.7 --points 11"
  [w3_pvm]="-s w -p n=3 -m pvm --v-min 0.3 --v-max 0.8 --points 6"
)
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(werner_pvm chsh ghz3_pvm w3_pvm)
for c in "${CASES[@]}"; do
  cmd="$QC threshold --solver gradient-lhv ${ARGS[$c]} --json $OUT/gradient_lhv_$c.json --plot $OUT/gradient_lhv_$c.png"
  echo "== $c: $cmd"
  start=$(date +%s)
  OMP_NUM_THREADS=1 nice -n 10 $cmd --no-progress > "$OUT/gradient_lhv_$c.txt"
  echo "   process wall time $(( $(date +%s) - start )) s"
done
