#!/usr/bin/env bash
# Measures what check-stats costs on top of plain inference over the same data, RUNS runs; prints every
# ratio and the median. MODEL=small (default): testmodels/convbn_small.onnx, BATCHES batches of
# [BATCH, 3, 32, 32]. MODEL=resnet18: the ResNet-18-class model on [BATCH, 3, 224, 224] (slow on the
# native executor: minutes per pass on a shared 2-core machine).
# check-stats --timing times one plain-inference pass (after one warm-up batch) and then the statistics
# pass, in the same process and on the same engine. --no-root-cause: the root-cause passes (one per BN
# level) only run when something is flagged, and random data flags everything; they are timed separately below.
set -euo pipefail
cd "$(dirname "$0")/.."
ENGINE=${ENGINE:-native}
RUNS=${RUNS:-5}
MODEL=${MODEL:-small}
WORK=${WORK:-.cache/bench-check-stats}
mkdir -p "$WORK"
dotnet build cli -c Release -v q -nologo >/dev/null
if [ "$MODEL" = resnet18 ]; then
  BATCHES=${BATCHES:-4}; BATCH=${BATCH:-2}; SIZE=224
  dotnet run --project testmodels -c Release -v q -- "$WORK" --resnet18 >/dev/null
  M="$WORK/resnet18_like.onnx"
else
  BATCHES=${BATCHES:-8}; BATCH=${BATCH:-16}; SIZE=32
  M=testmodels/convbn_small.onnx
fi
DATA="$WORK/data-$MODEL-$BATCHES-$BATCH"
[ -d "$DATA" ] || python3 bench/write_npy_batches.py "$DATA" "$BATCHES" "$BATCH" 3 "$SIZE" "$SIZE"
CLI=cli/bin/Release/net10.0/onnxnorm
ratios=()
for i in $(seq "$RUNS"); do
  line=$("$CLI" check-stats "$M" --data "$DATA" --engine "$ENGINE" --no-root-cause --timing 2>&1 >/dev/null | grep '^timing:' || true)
  echo "run $i: $line"
  ratios+=("$(sed -E 's/.*ratio ([0-9.]+).*/\1/' <<<"$line")")
done
printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median ratio check-stats/plain (%s engine, %d runs): %.3f\n", "'"$ENGINE"'", NR, m}'
echo "with root-cause analysis (all passes), one run:"
"$CLI" check-stats "$M" --data "$DATA" --engine "$ENGINE" --timing 2>&1 >/dev/null | grep '^timing:' || true
