#!/usr/bin/env bash
# Times `compare A A --per-node` (RUNS runs; median wall seconds and peak RSS): A against itself never diverges,
# so the search visits every shared intermediate, its worst case. MODEL=resnet18 (default): the ResNet-18-class
# model; MODEL=small: testmodels/convbn_small.onnx. CLI=path overrides the CLI under test (to compare builds).
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
MODEL=${MODEL:-resnet18}
WORK=${WORK:-.cache/bench-per-node}
mkdir -p "$WORK"
CLI=${CLI:-cli/bin/Release/net10.0/onnxnorm}
[ -n "${SKIP_BUILD:-}" ] || dotnet build cli -c Release -v q -nologo >/dev/null
if [ "$MODEL" = resnet18 ]; then
  M="$WORK/resnet18_like.onnx"
  [ -f "$M" ] || dotnet run --project testmodels -c Release -v q -- "$WORK" --resnet18 >/dev/null
else
  M=testmodels/convbn_small.onnx
fi
secs=(); rss=()
for i in $(seq "$RUNS"); do
  out=$( { /usr/bin/time -f 'TIME %e %M' "$CLI" compare "$M" "$M" --per-node >/dev/null; } 2>&1 | grep '^TIME' )
  read -r _ s k <<<"$out"
  echo "run $i: ${s} s, peak RSS ${k} KiB"
  secs+=("$s"); rss+=("$k")
done
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2}'; }
echo "median per-node search ($MODEL, $RUNS runs): $(printf '%s\n' "${secs[@]}" | median) s, peak RSS $(printf '%s\n' "${rss[@]}" | median) KiB"
