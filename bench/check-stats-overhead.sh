#!/usr/bin/env bash
# Measures what check-stats costs on top of plain inference over the same data: the ResNet-18-class model,
# BATCHES batches of [BATCH, 3, 224, 224], RUNS runs; prints every ratio and the median.
# check-stats --timing times one plain-inference pass (after one warm-up batch) and then the statistics
# pass, in the same process and on the same engine. --no-root-cause: the root-cause passes (one per BN
# level) only run when something is flagged, and random data flags everything; they are timed separately below.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-native}
RUNS=${RUNS:-5}
BATCHES=${BATCHES:-4}
BATCH=${BATCH:-2}
WORK=${WORK:-.cache/bench-check-stats}
mkdir -p "$WORK"
dotnet build cli -c Release -v q -nologo >/dev/null
dotnet run --project testmodels -c Release -v q -- "$WORK" --resnet18 >/dev/null
[ -d "$WORK/data" ] || python3 bench/write_npy_batches.py "$WORK/data" "$BATCHES" "$BATCH" 3 224 224
CLI=cli/bin/Release/net10.0/onnxnorm
ratios=()
for i in $(seq "$RUNS"); do
  line=$("$CLI" check-stats "$WORK/resnet18_like.onnx" --data "$WORK/data" --engine "$ENGINE" --no-root-cause --timing 2>&1 >/dev/null | grep '^timing:' || true)
  echo "run $i: $line"
  ratios+=("$(sed -E 's/.*ratio ([0-9.]+).*/\1/' <<<"$line")")
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median ratio check-stats/plain (%s engine, %d runs): %.3f\n", "'"$ENGINE"'", NR, m}'
echo "with root-cause analysis (all passes), one run:"
"$CLI" check-stats "$WORK/resnet18_like.onnx" --data "$WORK/data" --engine "$ENGINE" --timing 2>&1 >/dev/null | grep '^timing:' || true
