"""Row 11 of make bench: `warroom status` on an Argo Rollout (a canary under
way, its analysis running) beside what an operator runs without it,
`kubectl get rollout -o json` and `kubectl get rs,pods`, in the same run on
the same lab. Last of the rows: the Rollout takes the Service over."""

import os


def row11(b, row, fmt_s, fmt_kb, med, ratio, figs, runs, NS):
    b.lab.scenario("rollout-canary-good")
    cfg = os.path.join(b.lab.dir, "warroom-rollout.yaml")
    cons, crss, ro, rorss, rs, rsrss = [], [], [], [], [], []
    for _ in range(runs):
        w, m, rc, out = b.run([b.binary, "status", "--json", "--config", cfg, "--db", b.db()])
        cons.append(w)
        crss.append(m)
        w, m, rc, _ = b.run(b.kubectl("get", "rollout", "detection-api", "-n", NS, "-o", "json"))
        ro.append(w)
        rorss.append(m)
        w, m, rc, _ = b.run(b.kubectl("get", "rs,pods", "-n", NS))
        rs.append(w)
        rsrss.append(m)
    figs["rollout_status"] = {"warroom_status_s": cons, "warroom_maxrss_kb": crss, "kubectl_rollout_s": ro,
                              "kubectl_rollout_maxrss_kb": rorss, "kubectl_rs_pods_s": rs,
                              "kubectl_rs_pods_maxrss_kb": rsrss}
    row(11, "Argo Rollout canary: warroom status (Rollout, sets, pods, endpoints, analysis)",
        fmt_s(med(cons)),
        "kubectl get rollout -o json %s + get rs,pods %s" % (fmt_s(med(ro)), fmt_s(med(rs))),
        ratio(med(cons), med(ro) + med(rs)))
    row(11, "Argo Rollout canary: peak memory", fmt_kb(med(crss)),
        "kubectl %s / %s" % (fmt_kb(med(rorss)), fmt_kb(med(rsrss))), ratio(med(crss), max(med(rorss), 1)))
