#!/usr/bin/env bash
# Builds (once) the real-model corpus: PyTorch exports of torchvision and small nets, with torch's float64
# outputs, under .cache/corpus/<hash of the export script>/. Prints that folder. Safe to run concurrently
# (a lock), and a half-built corpus is never visible (built in a temp folder, then renamed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
python=/usr/bin/python3   # Debian's python3-torch lives there, whatever python3 is first on PATH
hash=$(cat "$here/export_corpus.py" | sha256sum | cut -c1-16)
cache="$root/.cache/corpus"
dir="$cache/$hash"
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
if [ ! -f "$dir/manifest.json" ]; then
  "$python" -c 'import torch, torchvision' 2>/dev/null || {
    echo "error: PyTorch is missing: run 'sudo apt-get install python3-torch python3-torchvision' (./test.sh does this as root)" >&2; exit 1; }
  tmp="$cache/.building-$hash"
  rm -rf "$tmp"
  echo "exporting the real-model corpus into $dir (once per version of export_corpus.py)..." >&2
  "$python" "$here/export_corpus.py" "$tmp" >"$cache/export.log" 2>&1 || { tail -20 "$cache/export.log" >&2; exit 1; }
  rm -rf "$dir"
  mv "$tmp" "$dir"
fi
echo "$dir"
