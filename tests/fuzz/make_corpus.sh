#!/usr/bin/env bash
# Builds the seed corpora of the fuzz harnesses from the project's captured
# data: tests/data/pgoutput/*.hex and the fixture binlogs.
#
#   tests/fuzz/make_corpus.sh BUILD_DIR [OUT_DIR]
#
# BUILD_DIR is a tree configured with -DCDC_BUILD_FUZZERS=ON whose harnesses
# are built (their seed modes split the binlogs with the project's own
# FileReader). OUT_DIR defaults to tests/fuzz/corpus (git-ignored); one folder
# per harness, emptied first. CDC_FIXTURES overrides the fixtures folder
# (default: ../shared/fixtures beside the repository).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
build="${1:?usage: make_corpus.sh BUILD_DIR [OUT_DIR]}"
out="${2:-$here/corpus}"
fixtures="${CDC_FIXTURES:-$repo/../shared/fixtures}"
bin="$build/tests/fuzz"

for h in fuzz_pgoutput_text fuzz_binlog_event; do
  if [ ! -x "$bin/$h" ]; then
    echo "make_corpus: $bin/$h is missing; build the fuzzers first (see tests/fuzz/README.md)" >&2
    exit 1
  fi
done
command -v xxd >/dev/null || { echo "make_corpus: xxd is needed (Debian package xxd)" >&2; exit 1; }

harnesses=(fuzz_pgoutput_message fuzz_pgoutput_text fuzz_binlog_event fuzz_binlog_rows
           fuzz_binlog_json fuzz_replication_copydata)
for h in "${harnesses[@]}"; do
  rm -rf "${out:?}/$h"
  mkdir -p "$out/$h"
done

# pgoutput messages, one per line "<label> <hex>"; the same messages wrapped
# in XLogData for the CopyData framing, plus a keepalive.
zeros24="$(printf '%048d' 0)"
for f in "$repo"/tests/data/pgoutput/*.hex; do
  base="$(basename "$f" .hex)"
  n=0
  while read -r label hex; do
    case "$label" in ''|'#'*) continue ;; esac
    n=$((n + 1))
    name="$base-$n-${label//[^A-Za-z0-9_.-]/_}"
    echo "$hex" | xxd -r -p > "$out/fuzz_pgoutput_message/$name"
    { printf 'w'; echo "$zeros24$hex" | xxd -r -p; } > "$out/fuzz_replication_copydata/$name"
  done < "$f"
done
{ printf 'k'; echo "0000000001a2b3c400029a0b1c2d3e4f01" | xxd -r -p; } \
  > "$out/fuzz_replication_copydata/keepalive"

"$bin/fuzz_pgoutput_text" --make-seeds "$out/fuzz_pgoutput_text" "$repo"/tests/data/pgoutput/*.hex

shopt -s nullglob
binlogs=("$fixtures"/binlog/*.binlog "$fixtures"/binlog-mysql/*.binlog)
if [ ${#binlogs[@]} -eq 0 ]; then
  echo "make_corpus: no fixture binlogs under $fixtures" >&2
  exit 1
fi
"$bin/fuzz_binlog_event" --make-corpus "$out" "${binlogs[@]}"

# A few binary JSON documents written by hand (type byte first), beside the
# ones taken from the fixtures' JSON columns.
json_seed() { echo "$2" | xxd -r -p > "$out/fuzz_binlog_json/hand-$1"; }
json_seed literal-true 0401
json_seed int16 05fbff
json_seed int64 09ffffffffffffff7f
json_seed double 0b000000000000f83f
json_seed string 0c03616263
json_seed small-object 0001000c000b00010005010061
json_seed small-array 0202000c000501000c0a000178
json_seed large-array 03010000000d0000000601000000
json_seed opaque-decimal 0ff6050502800132
json_seed opaque-date 0f0a0800000000a0a3190d

for h in "${harnesses[@]}"; do
  printf '%-28s %5d seeds\n' "$h" "$(find "$out/$h" -type f | wc -l)"
done
