#!/usr/bin/env bash
# float16 models on the native executor against ONNX Runtime (README "float16 models"): float16 copies of corpus
# models (testmodels/fp16/to_float16.py), `onnxnorm bench` native and ORT (all optimisations) alternating as separate
# processes, ROUNDS times each at 1 thread; prints per-process medians, the median of each engine and the ratio.
# MODELS (default "resnet18 mobilenet_v2"), ROUNDS (default 3). Uses the AOT-published CLI (bench/publish.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(bash testmodels/corpus/build.sh | tail -1)
source bench/publish.sh
MODELS=${MODELS:-"resnet18 mobilenet_v2"}
ROUNDS=${ROUNDS:-3}
mkdir -p "$OUT/fp16"
median() { "$OUT/onnxnorm/onnxnorm" bench "$1" --engine "$2" --threads 1 --repeat 10 --warmup 5 --json | tr -d '\n ' | sed 's/.*"medianMs":\([0-9.eE+-]*\).*/\1/'; }
mid() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
echo "| model (float16) | native 1T ms | ORT 1T ms | ratio |"
echo "|---|---|---|---|"
for name in $MODELS; do
  model="$OUT/fp16/$name.fp16.onnx"
  [ -f "$model" ] || /usr/bin/python3 testmodels/fp16/to_float16.py "$corpus/$name.eval.onnx" "$model"
  natives=(); orts=()
  for _ in $(seq "$ROUNDS"); do natives+=("$(median "$model" native)"); orts+=("$(median "$model" ort)"); done
  n=$(printf '%s\n' "${natives[@]}" | mid); o=$(printf '%s\n' "${orts[@]}" | mid)
  awk -v m="$name" -v a="$n" -v b="$o" 'BEGIN { printf "| %s | %.1f | %.1f | %.2fx |\n", m, a, b, a / b }'
done
