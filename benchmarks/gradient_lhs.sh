#!/usr/bin/env bash
# Reproduce benchmarks/gradient_lhs.md on the CPU: one threshold scan per case, one at a time.
# Usage: benchmarks/gradient_lhs.sh [CASE ...]   (default: werner_pvm werner_paulis werner_povm iso3_pvm iso3_povm;
#        also werner_povm_narrow: the same Werner POVM scan on another window)
# Writes benchmarks/results/gradient_lhs_CASE.{json,png,txt}; prints the summary table at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
QC=${QC:-.venv/bin/quantcorr}
OUT=benchmarks/results
mkdir -p "$OUT"

declare -A ARGS=(
  [werner_pvm]="-s werner -m pvm --steps 2000"
  [werner_paulis]="-s werner -m paulis --steps 1500 --v-min 0.3 --v-max 0.8"
  [werner_povm]="-s werner -m povm --steps 3000"
  [werner_povm_narrow]="-s werner -m povm --steps 3000 --v-min 0.3 --v-max 0.6 --points 13"
  [iso3_pvm]="-s isotropic -p d=3 -m pvm --steps 3000 --hidden 512 --batch 64 --v-min 0.25 --v-max 0.6"
  [iso3_povm]="-s isotropic -p d=3 -m povm --steps 3000 --hidden 128 --batch 64 --order 2 --v-min 0.2 --v-max 0.5 --points 13"
  # suite gradient-accuracy (issue 11): default options only
  [acc_werner_cube]="-s werner -m cube"
  [acc_werner_icosahedron]="-s werner -m icosahedron"
  [acc_werner_pvm]="-s werner -m pvm"
  [acc_werner_povm]="-s werner -m povm"
  [acc_iso3_pvm]="-s isotropic -p d=3 -m pvm"
  [acc_pe8_pvm]="-s partially_entangled -m pvm"
  [acc_random_pvm]="-s random -p seed=11 -m pvm --v-min 0.75 --v-max 1.0"
)
# The suite itself, through the bench (cells cached in the JSON; see gradient_lhs.md):
#   quantcorr bench gradient-accuracy --solver gradient-lhs --workers 1 \
#     --cache benchmarks/results/gradient_accuracy_bench.json
#   python benchmarks/gradient_lhs_summary.py --bench benchmarks/results/gradient_accuracy_bench.json
CASES=("$@")
[ ${#CASES[@]} -eq 0 ] && CASES=(werner_pvm werner_paulis werner_povm iso3_pvm iso3_povm)

for c in "${CASES[@]}"; do
  cmd="$QC threshold --solver gradient-lhs ${ARGS[$c]} --json $OUT/gradient_lhs_$c.json --plot $OUT/gradient_lhs_$c.png"
  echo "== $c: $cmd"
  start=$(date +%s)
  OMP_NUM_THREADS=1 nice -n 10 $cmd --no-progress > "$OUT/gradient_lhs_$c.txt"
  echo "   process wall time $(( $(date +%s) - start )) s"
done
"${PYTHON:-.venv/bin/python}" benchmarks/gradient_lhs_summary.py "$OUT"
