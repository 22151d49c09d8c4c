/* config_fields — the config file's keys, one table per section. A key
 * added here is checked and stored by config_yaml.c's walk; one missing
 * here is an unknown key with a suggestion. */
#include "config_fields.h"

#include "warroom/config.h"

#include <stddef.h>

#define MEMBER_SIZE(m) sizeof(((struct config *)0)->m)
#define F(n, k, m) {n, k, offsetof(struct config, m), MEMBER_SIZE(m), 0, 0, NULL, NULL}
#define FN(n, k, m, lo, hi) {n, k, offsetof(struct config, m), MEMBER_SIZE(m), lo, hi, NULL, NULL}
#define FS(n, t) {n, CONFIG_K_SECTION, 0, 0, 0, 0, t, NULL}
#define FSECRET(n, why) {n, CONFIG_K_SECRET, 0, 0, 0, 0, NULL, why}
#define FEND {NULL, CONFIG_K_STR, 0, 0, 0, 0, NULL, NULL}

#define TOKEN_ADVICE "a token must not be written in the config file; use token_file or token_env"
#define ENDPOINT(ep)                                                 \
	F("url", CONFIG_K_URL, ep.url),                                     \
	F("ca_file", CONFIG_K_PATH, ep.ca_file),                            \
	F("token_file", CONFIG_K_PATH, ep.token_file),                      \
	F("token_env", CONFIG_K_ENV, ep.token_env),                         \
	F("insecure", CONFIG_K_BOOL, ep.insecure),                          \
	F("via_bastion", CONFIG_K_BOOL, ep.via_bastion),                    \
	FN("timeout_ms", CONFIG_K_LONG, ep.timeout_ms, 100, 600000),        \
	FSECRET("token", TOKEN_ADVICE),                              \
	FSECRET("password", TOKEN_ADVICE)

static const struct config_field timeline_fields[] = {F("db", CONFIG_K_PATH, db_path), F("logs", CONFIG_K_PATH, logs_dir), FEND};
static const struct config_field prom_fields[] = {ENDPOINT(prometheus), FEND};
static const struct config_field am_fields[] = {
	ENDPOINT(alertmanager), F("urls", CONFIG_K_URLS, alertmanager_urls), FEND,
};
static const struct config_field argocd_fields[] = {
	ENDPOINT(argocd), F("application", CONFIG_K_NAME, argocd_app),
	F("slot_parameter", CONFIG_K_STR, argocd_slot_param), FEND,
};
static const struct config_field kube_fields[] = {
	F("kubeconfig", CONFIG_K_PATH, kube.kubeconfig),
	F("context", CONFIG_K_STR, kube.context),
	F("namespace", CONFIG_K_NAME, kube.namespace_),
	F("service", CONFIG_K_NAME, kube.service),
	F("slot_label", CONFIG_K_LABEL, kube.slot_label),
	F("slots", CONFIG_K_SLOTS, kube.slots),
	F("deployments", CONFIG_K_DEPLOYMENTS, kube.deployments),
	F("rollout", CONFIG_K_NAME, kube.rollout),
	FN("min_ready", CONFIG_K_INT, kube.min_ready, 0, 10000),
	F("via_bastion", CONFIG_K_BOOL, kube.via_bastion),
	F("watch", CONFIG_K_BOOL, kube.watch),
	FSECRET("token", "a token must not be written in the config file; the kubeconfig names it"),
	FEND,
};
static const struct config_field ssh_fields[] = {
	F("host", CONFIG_K_HOST, ssh.host),
	FN("port", CONFIG_K_INT, ssh.port, 1, 65535),
	F("user", CONFIG_K_STR, ssh.user),
	F("key_file", CONFIG_K_PATH, ssh.key_file),
	F("known_hosts", CONFIG_K_PATH, ssh.known_hosts),
	FSECRET("password", "passwords must not be written in the config file; use key_file or an ssh agent"),
	FSECRET("passphrase", "passphrases must not be written in the config file; use an ssh agent"),
	FEND,
};
static const struct config_field slo_fields[] = {
	F("error_ratio", CONFIG_K_RATIO, policy.error_ratio),
	F("error_ratio_alert", CONFIG_K_RATIO, policy.error_ratio_alert),
	FN("p95_ms", CONFIG_K_INT, policy.p95_ms, 1, 600000),
	FN("p99_ms", CONFIG_K_INT, policy.p99_ms, 1, 600000),
	FN("latency_crit_pct", CONFIG_K_INT, policy.latency_crit_pct, 0, 1000),
	FN("queue", CONFIG_K_LONG, policy.queue, 1, 1000000000),
	FN("queue_warn", CONFIG_K_LONG, policy.queue_warn, 0, 1000000000),
	FEND,
};
static const struct config_field sev_fields[] = {F("response_minutes", CONFIG_K_SEV_MINUTES, policy.sev_response_min), FEND};
static const struct config_field alerts_fields[] = {
	F("critical_severities", CONFIG_K_SEVERITIES, policy.critical_severities), FEND,
};
static const struct config_field dash_fields[] = {
	F("path", CONFIG_K_PATH, dash.path),
	F("default", CONFIG_K_STR, dash.dflt),
	F("overview", CONFIG_K_OVERVIEW, dash.overview),
	FN("scrape_ms", CONFIG_K_INT, dash.scrape_ms, 100, 3600000),
	FN("max_in_flight", CONFIG_K_INT, dash.max_in_flight, 1, 64),
	F("variables", CONFIG_K_STR, dash.vars),
	FEND,
};
static const struct config_field deploy_fields[] = {
	FN("window_s", CONFIG_K_INT, deploy.window_s, 1, 86400),
	FN("sustain_s", CONFIG_K_INT, deploy.sustain_s, 1, 86400),
	FN("fast_sustain_s", CONFIG_K_INT, deploy.fast_sustain_s, 1, 3600),
	F("error_over_baseline", CONFIG_K_RATIO, deploy.error_over_baseline),
	FN("p95_over_slo_pct", CONFIG_K_INT, deploy.p95_over_slo_pct, 0, 1000),
	F("fast_error_ratio", CONFIG_K_RATIO, deploy.fast_error_ratio),
	FN("fast_p99_factor", CONFIG_K_INT, deploy.fast_p99_factor, 1, 100),
	FN("fast_range_s", CONFIG_K_INT, deploy.fast_range_s, 2, 3600),
	FN("capacity_rps", CONFIG_K_LONG, deploy.capacity_rps, 1, 100000000),
	FN("capacity_db_gb", CONFIG_K_INT, deploy.capacity_db_gb, 1, 1000000),
	F("capacity_cpu", CONFIG_K_RATIO, deploy.capacity_cpu),
	F("capacity_memory", CONFIG_K_RATIO, deploy.capacity_memory),
	F("capacity_db_query", CONFIG_K_STR, deploy.capacity_db_query),
	F("capacity_cpu_query", CONFIG_K_STR, deploy.capacity_cpu_query),
	F("capacity_memory_query", CONFIG_K_STR, deploy.capacity_memory_query),
	F("log_dir", CONFIG_K_PATH, deploy.log_dir),
	F("maintenance", CONFIG_K_MAINT, deploy.maintenance),
	FEND,
};
static const struct config_field verify_fields[] = {
	F("pod_url", CONFIG_K_STR, verify.pod_url),
	F("smoke_method", CONFIG_K_STR, verify.smoke_method),
	F("smoke_path", CONFIG_K_STR, verify.smoke_path),
	F("smoke_body", CONFIG_K_STR, verify.smoke_body),
	FN("smoke_status", CONFIG_K_INT, verify.smoke_status, 100, 599),
	F("via_bastion", CONFIG_K_BOOL, verify.via_bastion),
	FEND,
};
static const struct config_field logs_fields[] = {
	FN("max_streams", CONFIG_K_INT, logs.max_streams, 1, 64),
	FN("buffer_mib", CONFIG_K_INT, logs.buffer_mib, 1, 1024),
	FN("quiet_s", CONFIG_K_INT, logs.quiet_s, 1, 3600),
	FN("tail_lines", CONFIG_K_INT, logs.tail_lines, 1, 100000),
	FEND,
};
const struct config_field config_top_fields[] = {
	F("operator", CONFIG_K_STR, operator_name),
	F("environment", CONFIG_K_STR, environment),
	FN("refresh_ms", CONFIG_K_INT, refresh_ms, 250, 3600000),
	F("readonly", CONFIG_K_BOOL, readonly),
	FS("timeline", timeline_fields),
	F("runbooks", CONFIG_K_RUNBOOKS, runbook_dir),
	FS("prometheus", prom_fields),
	FS("alertmanager", am_fields),
	FS("argocd", argocd_fields),
	FS("kubernetes", kube_fields),
	F("freeze", CONFIG_K_FREEZE, freeze),
	F("keys", CONFIG_K_KEYS, keys),
	FS("ssh", ssh_fields),
	FS("slo", slo_fields),
	FS("sev", sev_fields),
	FS("alerts", alerts_fields),
	FS("dashboards", dash_fields),
	FS("deploy", deploy_fields),
	FS("verify", verify_fields),
	FS("logs", logs_fields),
	FEND,
};
