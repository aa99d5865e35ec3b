#!/usr/bin/env bash
# The README benchmark table: every row measured against ONNX Runtime in the same run.
# Both sides run as shipped, as native executables: the onnxnorm CLI and the small .NET harness that drives
# ORT (the Microsoft.ML.OnnxRuntime package) are both published with Native AOT, so neither whole-process row pays for a JIT at start-up.
# Arguments go to the table (e.g. --repeat 5).
set -euo pipefail
cd "$(dirname "$0")/.."
case "$(uname -m)" in
  x86_64) RID=linux-x64 ;;
  aarch64) RID=linux-arm64 ;;
  *) echo "bench/table.sh: unsupported machine $(uname -m)" >&2; exit 2 ;;
esac
OUT=.cache/bench
dotnet publish cli -c Release -r "$RID" -p:PublishAot=true -o "$OUT/onnxnorm" -v q -nologo >/dev/null
dotnet publish benchmarks/OnnxNorm.Bench -c Release -r "$RID" -p:PublishAot=true -o "$OUT/harness" -v q -nologo >/dev/null
exec "$OUT/harness/OnnxNorm.Bench" table --onnxnorm "$OUT/onnxnorm/onnxnorm" "$@"
