#!/usr/bin/env bash
# The executor benchmark over the real-model corpus (README "Executor on the real-model corpus"): each model's
# native and ORT latency at 1 and 2 threads, one process per measurement, engines alternating.
# The CLI and the harness are published with Native AOT, as bench/table.sh does.
# Arguments go to the harness: --rounds R (processes per engine, default 3), --repeat K (timed runs per process,
# default 7), --warmup W (default 3), --threads 1,2, --only resnet18,PP-OCRv4, --profiles N (slowest models profiled, default 3).
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=$(bash testmodels/corpus/build.sh | tail -1)
dotnet build tests/OnnxNorm.TestSupport -c Release -v q -nologo >/dev/null   # fetches the PaddleOCR models
source bench/publish.sh
exec "$OUT/harness/OnnxNorm.Bench" corpus --onnxnorm "$OUT/onnxnorm/onnxnorm" --corpus "$corpus" "$@"
