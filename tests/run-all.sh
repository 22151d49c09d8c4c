#!/bin/sh
# make test: unit tests, the same under ASan+UBSan, screen tests on the real
# binary, integration tests against the lab. Ends with one summary line.
set -u
log=$(mktemp); trap 'rm -f "$log"' EXIT
rc=0
stage() {
  name=$1; shift
  echo "== $name"
  "$@" 2>&1 | tee -a "$log"
  s=$?
  [ $s -eq 0 ] || { rc=1; echo "== $name: FAILED"; }
}
# tee hides the exit status in POSIX sh; each stage prints its own summary.
stage unit     sh -c 'sh tests/run-unit.sh build/tests; echo "rc=$?" >> '"$log"'.rc'
stage asan     sh -c 'make --no-print-directory test-asan; echo "rc=$?" >> '"$log"'.rc'
# Saved fuzz crashes and seeds replay always; a short fuzz pass needs clang's libFuzzer.
stage fuzz     sh -c 'make --no-print-directory fuzz-replay || echo "rc=1" >> '"$log"'.rc
  if printf "int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n" |
     clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
    make --no-print-directory fuzz FUZZ_SECONDS=5; echo "rc=$?" >> '"$log"'.rc
  else
    echo "fuzz: 0 passed, 0 failed, 1 skipped (clang with libFuzzer is not installed: apt-get install clang)"
  fi'
stage screen   sh -c 'python3 tests/screen/run.py; echo "rc=$?" >> '"$log"'.rc'
stage integration sh -c 'python3 tests/integration/run.py; echo "rc=$?" >> '"$log"'.rc'
grep -q 'rc=[1-9]' "$log.rc" && rc=1
rm -f "$log.rc"
p=0; f=0; s=0
for n in $(sed -n 's/.*: \([0-9]*\) passed.*/\1/p' "$log"); do p=$((p+n)); done
for n in $(sed -n 's/.* \([0-9]*\) failed.*/\1/p' "$log"); do f=$((f+n)); done
for n in $(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' "$log"); do s=$((s+n)); done
[ $rc -ne 0 ] && [ $f -eq 0 ] && f=1
echo "$p passed, $f failed, $s skipped"
exit $rc
