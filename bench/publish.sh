# Sourced by the benchmark commands: publishes the onnxnorm CLI and the benchmark harness with Native AOT into
# .cache/bench, so both sides of every comparison run as shipped and neither pays for a JIT at start-up.
# Sets OUT (the folder) and RID.
case "$(uname -m)" in
  x86_64) RID=linux-x64 ;;
  aarch64) RID=linux-arm64 ;;
  *) echo "$(basename "$0"): unsupported machine $(uname -m)" >&2; exit 2 ;;
esac
OUT=.cache/bench
dotnet publish cli -c Release -r "$RID" -p:PublishAot=true -o "$OUT/onnxnorm" -v q -nologo >/dev/null
dotnet publish benchmarks/OnnxNorm.Bench -c Release -r "$RID" -p:PublishAot=true -o "$OUT/harness" -v q -nologo >/dev/null
