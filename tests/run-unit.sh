#!/bin/sh
# Runs every cmocka binary in a folder; prints one summary line.
dir=${1:-build/tests}
pass=0; fail=0; bad=""
for t in "$dir"/test_*; do
  [ -x "$t" ] || continue
  out=$("$t" 2>&1); rc=$?
  # a binary may run several groups: add up every group's line
  p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {if (NR) print s}')
  f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | awk '{s+=$1} END {if (NR) print s}')
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
  if [ $rc -ne 0 ]; then
    [ -z "$f" ] && fail=$((fail + 1))
    bad="$bad $(basename "$t")"
    printf '%s\n' "$out" | grep -v '^\[ \(RUN\|       OK\) ' >&2
  fi
done
[ -n "$bad" ] && echo "failing:$bad" >&2
echo "unit ($dir): $pass passed, $fail failed"
[ $fail -eq 0 ]
