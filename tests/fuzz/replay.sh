#!/bin/sh
# Replays the seed corpus and every saved regression input through each
# harness in BINDIR (built with replay.c under ASan+UBSan).
set -u
bindir=$1
here=$(cd "$(dirname "$0")" && pwd)
pass=0; fail=0
for bin in "$bindir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  if out=$("$bin" "$here/corpus/$name" "$here/regressions/$name" 2>&1); then
    pass=$((pass+1)); printf '  %-18s ok      %s\n' "$name" "$(echo "$out" | tail -1)"
  else
    fail=$((fail+1)); printf '  %-18s FAILED\n' "$name"; echo "$out" | tail -30 | sed 's/^/    /'
  fi
done
echo "fuzz-replay: $pass passed, $fail failed"
[ $fail -eq 0 ]
