#!/bin/sh
# Runs every cmocka binary in a folder; prints one summary line.
#   sh tests/run-unit.sh [DIR [BINARY...]]
# BINARY: names (shell globs) of the binaries to run, e.g. test_timeline or
# 'test_slots*'; default all. UNIT_FILTER='pattern' runs only the test cases
# whose names match it (tests/unit/testutil.h passes it to cmocka).
dir=${1:-build/tests}
[ $# -gt 0 ] && shift
pass=0; fail=0; skip=0; bad=""; ran=0
# the sum of cmocka's "[  WORD  ] N test(s)" lines (a binary may run several
# groups), or nothing when there is no such line
count() {
  printf '%s\n' "$out" | sed -n "s/^\[ *$1 *\] \([0-9]*\) test.*/\1/p" | awk '{s+=$1} END {if (NR) print s}'
}
for t in "$dir"/test_*; do
  [ -x "$t" ] || continue
  name=$(basename "$t")
  if [ $# -gt 0 ]; then
    hit=no
    for pat in "$@"; do
      # shellcheck disable=SC2254 # the pattern is a glob on purpose
      case $name in $pat) hit=yes ;; esac
    done
    [ $hit = yes ] || continue
  fi
  ran=$((ran + 1))
  out=$("$t" 2>&1); rc=$?
  p=$(count PASSED); f=$(count FAILED)
  # skipped: a real-world fixture of ../shared that is absent (testutil_fixture)
  s=$(count SKIPPED)
  pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0})); skip=$((skip + ${s:-0}))
  # a chosen few: say which ran, so a pattern that caught the wrong ones shows
  # (cmocka names a skipped test twice: once is enough)
  if [ -n "${UNIT_FILTER:-}" ] && [ $rc -eq 0 ]; then
    printf '%s\n' "$out" | sed -n -e "s/^\[       OK \] /$name: ok /p" \
      -e "s/^\[  SKIPPED \] \([a-z_A-Z0-9]*\)\$/$name: skip \1/p" | awk '!seen[$0]++'
  fi
  if [ $rc -ne 0 ]; then
    [ -z "$f" ] && fail=$((fail + 1))
    bad="$bad $name"
    printf '%s\n' "$out" | grep -v '^\[ \(RUN\|       OK\) ' >&2
  fi
done
# a pattern that matches nothing is a mistyped name, not a pass
if [ $ran -eq 0 ]; then
  if [ $# -gt 0 ]; then echo "no test binary in $dir matches: $*" >&2
  else echo "no test binary in $dir: make unit-bins first" >&2; fi
  fail=$((fail + 1))
elif [ $((pass + fail + skip)) -eq 0 ] && [ -n "${UNIT_FILTER:-}" ]; then
  echo "no test case matches UNIT_FILTER=$UNIT_FILTER" >&2
  fail=$((fail + 1))
fi
[ -n "$bad" ] && echo "failing:$bad" >&2
echo "unit ($dir): $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
