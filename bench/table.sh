#!/usr/bin/env bash
# The README benchmark table: every row measured against ONNX Runtime in the same run.
# Both sides run as shipped: the onnxnorm CLI and the small .NET harness that drives ORT are published
# ReadyToRun (precompiled, as `dotnet publish -r linux-x64 -p:PublishReadyToRun=true` ships them), so
# neither whole-process row pays for JIT at start-up. Arguments go to the table (e.g. --repeat 5).
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) RID=linux-x64 ;;
  aarch64) RID=linux-arm64 ;;
  *) echo "bench/table.sh: unsupported machine $(uname -m)" >&2; exit 2 ;;
esac
OUT=.cache/bench-publish
dotnet publish benchmarks/OnnxNorm.Bench -c Release -r "$RID" --self-contained false -p:PublishReadyToRun=true \
  -o "$OUT" -v q -nologo >/dev/null
exec dotnet "$OUT/OnnxNorm.Bench.dll" table "$@"
