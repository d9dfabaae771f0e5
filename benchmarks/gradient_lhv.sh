#!/usr/bin/env bash
# Reproduce benchmarks/gradient_lhv.md on the CPU: one threshold scan per case, one at a time.
# Usage: benchmarks/gradient_lhv.sh [CASE ...]   (default: werner_pvm chsh ghz3_pvm w3_pvm ghz3_pvm_fine w3_pvm_fine)
# Writes benchmarks/results/gradient_lhv_CASE.{json,png,txt}; EXTRA="--checkpoint F" adds options.
set -euo pipefail
cd "$(dirname "$0")/.."
QC=${QC:-.venv/bin/quantcorr}
OUT=benchmarks/results
mkdir -p "$OUT"
B="0.7071067811865476,0,0.7071067811865476;-0.7071067811865476,0,0.7071067811865476"
declare -A ARGS=(
  [werner_pvm]="-s werner -m pvm --v-min 0.5 --v-max 0.85 --points 15"
  [chsh]="-s werner -m xz --bob-measurements bloch:$B --v-min 0.55 --v-max 0.85 --points 13"
  [ghz3_pvm]="-s ghz -p n=3 -m pvm --v-min 0.38 --v-max 0.62 --points 7 --steps 12000"
  [w3_pvm]="-s w -p n=3 -m pvm --v-min 0.42 --v-max 0.62 --points 6 --steps 12000"
  [ghz3_pvm_fine]="-s ghz -p n=3 -m pvm --v-min 0.46 --v-max 0.56 --points 6 --steps 12000"
  [w3_pvm_fine]="-s w -p n=3 -m pvm --v-min 0.48 --v-max 0.58 --points 6 --steps 12000"
)
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(werner_pvm chsh ghz3_pvm w3_pvm ghz3_pvm_fine w3_pvm_fine)
for c in "${CASES[@]}"; do
  cmd="$QC threshold --solver gradient-lhv ${ARGS[$c]} --json $OUT/gradient_lhv_$c.json --plot $OUT/gradient_lhv_$c.png ${EXTRA:-}"
  echo "== $c: $cmd"
  start=$(date +%s)
  OMP_NUM_THREADS=1 nice -n 10 $cmd --no-progress > "$OUT/gradient_lhv_$c.txt"
  echo "   process wall time $(( $(date +%s) - start )) s"
done
