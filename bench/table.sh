#!/usr/bin/env bash
# The README benchmark table: every row measured against ONNX Runtime in the same run.
# Both sides run as shipped, as native executables: the onnxnorm CLI and the small .NET harness that drives
# ORT (the Microsoft.ML.OnnxRuntime package) are both published with Native AOT, so neither whole-process row pays for a JIT at start-up.
# Arguments go to the table (e.g. --repeat 5).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/publish.sh
exec "$OUT/harness/OnnxNorm.Bench" table --onnxnorm "$OUT/onnxnorm/onnxnorm" "$@"
