#!/usr/bin/env bash
# Reproduce benchmarks/gradient_lhs.md on the CPU: one threshold scan per case, one at a time.
# Usage: benchmarks/gradient_lhs.sh [CASE ...]   (default: werner_pvm werner_paulis werner_povm iso3_pvm iso3_povm;
#        also iso3_povm_long, 3x the steps of iso3_povm)
# Writes benchmarks/results/gradient_lhs_CASE.{json,png,txt}; prints the summary table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
QC=${QC:-.venv/bin/quantcorr}
OUT=benchmarks/results
mkdir -p "$OUT"

declare -A ARGS=(
  [werner_pvm]="-s werner -m pvm --steps 2000"
  [werner_paulis]="-s werner -m paulis --steps 1500 --v-min 0.3 --v-max 0.8"
  [werner_povm]="-s werner -m povm --steps 4000 --order 4 --v-min 0.3 --v-max 0.6 --points 13"
  [iso3_pvm]="-s isotropic -p d=3 -m pvm --steps 3000 --hidden 512 --batch 64 --v-min 0.25 --v-max 0.6"
  [iso3_povm]="-s isotropic -p d=3 -m povm --steps 2000 --hidden 256 --batch 64 --order 2 --v-min 0.2 --v-max 0.5 --points 7"
  [iso3_povm_long]="-s isotropic -p d=3 -m povm --steps 6000 --hidden 256 --batch 64 --order 2 --v-min 0.2 --v-max 0.5 --points 7"
)
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(werner_pvm werner_paulis werner_povm iso3_pvm iso3_povm)

for c in "${CASES[@]}"; do
  cmd="$QC threshold --solver gradient-lhs ${ARGS[$c]} --json $OUT/gradient_lhs_$c.json --plot $OUT/gradient_lhs_$c.png"
  echo "== $c: $cmd"
  start=$(date +%s)
  $cmd > "$OUT/gradient_lhs_$c.txt"
  echo "   process wall time $(( $(date +%s) - start )) s"
done
"${PYTHON:-.venv/bin/python}" benchmarks/gradient_lhs_summary.py "$OUT"
