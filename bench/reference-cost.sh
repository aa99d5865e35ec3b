#!/usr/bin/env bash
# Cost of the float64 reference mode: `onnxnorm bench` on the native engine and on the reference engine
# (--precision f64), alternating, RUNS times; prints each pair's medians and the median ratio.
# MODEL (default: the ResNet-18-class model), THREADS (default 1), RUNS (default 3). Needs a built cli.
set -euo pipefail
cd "$(dirname "$0")/.."
MODEL=${MODEL:-.cache/models/resnet18_like.onnx}
THREADS=${THREADS:-1}
RUNS=${RUNS:-3}
ONNXNORM=${ONNXNORM:-"dotnet cli/bin/Release/net10.0/onnxnorm.dll"}
median() { $ONNXNORM bench "$MODEL" --engine "$1" --threads "$THREADS" --repeat "$2" --warmup "$3" --json | tr -d '\n ' | sed 's/.*"medianMs":\([0-9.eE+-]*\).*/\1/'; }
ratios=()
for _ in $(seq "$RUNS"); do
  n=$(median native 9 10)
  r=$(median reference 3 1)
  ratio=$(awk -v a="$r" -v b="$n" 'BEGIN { printf "%.1f", a / b }')
  echo "native ${n} ms  reference ${r} ms  ratio ${ratio}"
  ratios+=("$ratio")
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{ a[NR] = $1 } END { print "median ratio", a[int((NR + 1) / 2)] }'
