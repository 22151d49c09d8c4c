#!/bin/sh
# make test: the cycle check on the built objects and the layer check of the
# sources; unit tests; the screen
# tests beside the integration tests (these mostly wait on servers) while the
# ASan and fuzz builds compile; the unit tests under ASan+UBSan, the fuzz
# replay and a short fuzz pass; last, alone, the integration tests that time
# key answers. Every stage ends with its own summary line; then the time of
# each stage and one line for the whole run.
set -u
jobs=${JOBS:-$(nproc 2>/dev/null || echo 2)}
log=$(mktemp); screen_out=$(mktemp); bins_out=$(mktemp)
trap 'rm -f "$log" "$log.rc" "$screen_out" "$screen_out.rc" "$screen_out.s" "$bins_out" "$bins_out.rc" "$bins_out.s"' EXIT
rc=0
times=""
t_all=$(date +%s)
stage() {
  name=$1; shift
  t0=$(date +%s)
  echo "== $name"
  "$@" 2>&1 | tee -a "$log"
  times="$times $name $(( $(date +%s) - t0 ))s,"
  failed_stage "$name"
}
bad_seen=0
failed_stage() {
  n=$(grep -c 'rc=[1-9]' "$log.rc" 2>/dev/null)
  [ "${n:-0}" -gt $bad_seen ] && echo "== $1: FAILED"
  bad_seen=${n:-0}
}
# tee hides the exit status in POSIX sh; each stage writes "rc=N" to $log.rc.
stage cycles   sh -c 'python3 scripts/cycles.py build; echo "rc=$?" >> '"$log"'.rc'
stage layers   sh -c 'python3 scripts/layers.py; echo "rc=$?" >> '"$log"'.rc'
stage unit     sh -c 'sh tests/run-unit.sh build/tests; echo "rc=$?" >> '"$log"'.rc'
clang=no
printf "int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }\n" |
  clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null && clang=yes
# The ASan and fuzz builds compile at the lowest priority while the screen
# and integration tests, which mostly wait on servers, run beside them; the
# screen tests' output follows the integration stage's, whole.
t_side=$(date +%s)
( nice -n 19 make --no-print-directory -j"$jobs" asan-bins $([ $clang = yes ] && echo fuzz-build) \
    > "$bins_out" 2>&1; echo $? > "$bins_out.rc"; echo $(( $(date +%s) - t_side )) > "$bins_out.s" ) &
bins_pid=$!
( python3 tests/screen/run.py > "$screen_out" 2>&1; echo "rc=$?" > "$screen_out.rc"
  echo $(( $(date +%s) - t_side )) > "$screen_out.s" ) &
screen_pid=$!
stage integration sh -c 'python3 tests/integration/run.py --group parallel; echo "rc=$?" >> '"$log"'.rc'
wait "$screen_pid"
echo "== screen (beside integration)"
tee -a "$log" < "$screen_out"
cat "$screen_out.rc" >> "$log.rc" 2>/dev/null || echo "rc=1" >> "$log.rc"
times="$times screen $(cat "$screen_out.s" 2>/dev/null)s (beside),"
failed_stage screen
wait "$bins_pid"
times="$times sanitizer builds $(cat "$bins_out.s" 2>/dev/null)s (beside),"
# a failed build shows again, whole, in the stage that needs it
stage asan     sh -c 'make --no-print-directory -j'"$jobs"' test-asan; echo "rc=$?" >> '"$log"'.rc'
# Saved fuzz crashes and seeds replay always; a short fuzz pass needs clang's libFuzzer.
stage fuzz     sh -c 'make --no-print-directory -j'"$jobs"' fuzz-replay || echo "rc=1" >> '"$log"'.rc
  if [ '$clang' = yes ]; then
    make --no-print-directory -j'"$jobs"' fuzz FUZZ_SECONDS=5 FUZZ_JOBS='"$jobs"'; echo "rc=$?" >> '"$log"'.rc
  else
    echo "fuzz: 0 passed, 0 failed, 1 skipped (clang with libFuzzer is not installed: apt-get install clang)"
  fi'
stage integration-alone sh -c 'python3 tests/integration/run.py --group alone; echo "rc=$?" >> '"$log"'.rc'
grep -q 'rc=[1-9]' "$log.rc" && rc=1
p=0; f=0; s=0
for n in $(sed -n 's/.*: \([0-9]*\) passed.*/\1/p' "$log"); do p=$((p+n)); done
for n in $(sed -n 's/.* \([0-9]*\) failed.*/\1/p' "$log"); do f=$((f+n)); done
for n in $(sed -n 's/.* \([0-9]*\) skipped.*/\1/p' "$log"); do s=$((s+n)); done
[ $rc -ne 0 ] && [ $f -eq 0 ] && f=1
echo "==${times%,}; all $(( $(date +%s) - t_all ))s"
echo "$p passed, $f failed, $s skipped"
exit $rc
