#!/usr/bin/env bash
# Fetches one npm package with the npm client, checks its sha256, and unpacks it into a cache folder.
# Usage: fetch-npm-package.sh NAME@VERSION SHA256 DEST_DIR
# Safe to run from parallel builds: a lock serialises them and a marker makes reruns free.
set -euo pipefail
spec="$1"; sha="$2"; dest="$3"
marker="$dest/.fetched-$sha"
[ -f "$marker" ] && exit 0
mkdir -p "$(dirname "$dest")"
exec 9>"$(dirname "$dest")/.fetch.lock"
flock 9
[ -f "$marker" ] && exit 0
if ! command -v npm >/dev/null 2>&1; then
  echo "error: npm is needed to fetch $spec (install Node.js/npm)" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && npm pack "$spec" --silent >pack.log 2>&1); then
  echo "error: 'npm pack $spec' failed:" >&2; tail -5 "$tmp/pack.log" >&2; exit 1
fi
tgz=$(ls "$tmp"/*.tgz | head -1)
actual=$(sha256sum "$tgz" | cut -d' ' -f1)
if [ "$actual" != "$sha" ]; then
  echo "error: $spec has sha256 $actual, expected $sha; refusing to use it" >&2; exit 1
fi
rm -rf "$dest"; mkdir -p "$dest"
tar -xzf "$tgz" -C "$dest" --strip-components=1
touch "$marker"
