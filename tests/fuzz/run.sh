#!/bin/sh
# Runs every fuzz harness in BINDIR for SECONDS each, on a working corpus
# made of tests/fuzz/corpus/NAME, the saved regressions, and the real-world
# API fixtures of ../shared when present. A crash is saved under
# tests/fuzz/regressions/NAME/ (replayed by `make test` from then on).
# JOBS harnesses run at once (each takes one core). Prints executions per
# harness and one "N passed, N failed" line.
set -u
bindir=$1; secs=${2:-60}; jobs=${3:-1}
here=$(cd "$(dirname "$0")" && pwd)
shared=${WARROOM_SHARED_FIXTURES:-$here/../../../shared/fixtures/real-world}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
pass=0; fail=0
# Real-world answers for the harnesses that read them: NAME PREFIX-BYTE FILE...
seed_shared() {
  name=$1; prefix=$2; shift 2
  for f in "$@"; do
    [ -f "$shared/$f" ] || continue
    { [ -n "$prefix" ] && printf "$prefix"; cat "$shared/$f"; } > "$work/$name/shared-$(basename "$f")"
  done
}
# One harness: its line (and the crash when it fails); its exit status in NAME.rc.
fuzz_one() {
  bin=$1; name=$2; log="$work/$name.log"
  "$bin" -max_total_time="$secs" -print_final_stats=1 -max_len=65536 -rss_limit_mb=1024 -timeout=10 \
    -artifact_prefix="$here/regressions/$name/" "$work/$name" > "$log" 2>&1
  rc=$?
  echo $rc > "$work/$name.rc"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    printf '  %-18s ok      %s executions in %ss\n' "$name" "${execs:-?}" "$secs"
  else
    printf '  %-18s FAILED  (exit %s); input saved in tests/fuzz/regressions/%s/\n' "$name" $rc "$name"
    grep -m 20 -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$log" | sed 's/^/    /'
  fi
}
running=0
for bin in "$bindir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  mkdir -p "$work/$name" "$here/regressions/$name"
  cp "$here/corpus/$name/"* "$work/$name/" 2>/dev/null
  cp "$here/regressions/$name/"* "$work/$name/" 2>/dev/null
  case $name in
    fuzz_prom) seed_shared "$name" '\000' api/prometheus-query-vector.json api/prometheus-query_range-matrix.json;;
    fuzz_alertmgr) seed_shared "$name" '' api/alertmanager-v2-alerts-groups.json;;
    fuzz_slots)
      seed_shared "$name" '\000' api/k8s-service.json
      seed_shared "$name" '\001' api/k8s-deployment.json
      seed_shared "$name" '\002' api/k8s-podlist.json
      seed_shared "$name" '\003' api/k8s-endpointslice.json api/k8s-deploymentlist.json;;
    fuzz_kubeconfig) seed_shared "$name" '' api/kubeconfig-exec-plugin.yaml;;
    fuzz_argocd) seed_shared "$name" '' api/argocd-application-with-history.yaml;;
    fuzz_rollout)
      seed_shared "$name" '\000' api/argo-rollouts-bluegreen-rollout.yaml api/argo-rollouts-canary-rollout.yaml
      seed_shared "$name" '\002' api/argo-rollouts-analysisrun-job.yaml;;
    fuzz_grafana) seed_shared "$name" '' grafana/argocd-dashboard-collapsed-rows.json \
      grafana/dotdc-k8s-views-nodes-stat-gauge.json grafana/dotdc-k8s-views-pods-templating.json \
      grafana/kube-prometheus-persistentvolumesusage-gauge.json;;
    fuzz_runbook) seed_shared "$name" '' runbooks/KubeProxyDown.md runbooks/etcdMembersDown.md \
      runbooks/k8s-default-branch-migration-checklist.md runbooks/openshift-CollectorNodeDown.md;;
    fuzz_silences)
      seed_shared "$name" '\000' api/alertmanager-v2-silences.json
      seed_shared "$name" '\001' api/alertmanager-v2-alerts-groups.json;;
    fuzz_rules) seed_shared "$name" '\000' api/prometheus-rules.json api/prometheus-alerts.json;;
    fuzz_logs)
      seed_shared "$name" '\000' api/k8s-pods-log-kube-apiserver.txt
      seed_shared "$name" '\002' api/k8s-podlist.json;;
    fuzz_kube_watch) seed_shared "$name" '\001' api/k8s-podlist.json api/k8s-deploymentlist.json;;
    # Parsers still to come get their seeds here: fuzz_export (incident exports).
  esac
  fuzz_one "$bin" "$name" > "$work/$name.result" &
  running=$((running+1))
  if [ $running -ge "$jobs" ]; then wait; running=0; fi
done
wait
# In harness order, whatever order they ended in.
for bin in "$bindir"/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  if [ -s "$work/$name.rc" ] && [ "$(cat "$work/$name.rc")" = 0 ]; then pass=$((pass+1)); else fail=$((fail+1)); fi
  cat "$work/$name.result"
done
echo "fuzz: $pass passed, $fail failed"
[ $fail -eq 0 ]
