/* policy — thresholds, SEV response targets and critical severities, read
 * from the config. The defaults are the seeds' runbook numbers. */
#include "warroom/policy.h"

#include <math.h>
#include <strings.h>

/* Error rate under 1 % with the SLO alert at 0.1 %; P95 300 ms and P99
 * 500 ms SLOs, a rollback trigger when 20 % over; the offline queue's 10,000
 * items; SEV-1 5 min, SEV-2 15 min, SEV-3 1 h, SEV-4 the next business day.
 * Alertmanager's critical, page and error are the ones that wake someone. */
static const struct config_policy seeds = {
	.error_ratio = 0.01,
	.error_ratio_alert = 0.001,
	.p95_ms = 300,
	.p99_ms = 500,
	.latency_crit_pct = 20,
	.queue = 10000,
	.queue_warn = 1,
	.sev_response_min = { 5, 15, 60, 0 },
	.critical_severities = { "critical", "page", "error" },
	.ncritical = 3,
};

void policy_defaults(struct config_policy *p)
{
	*p = seeds;
}

static const struct config_policy *policy_of(const struct config *cfg)
{
	return cfg ? &cfg->policy : &seeds;
}

/* Latency SLOs are in ms; the metric is in seconds. */
static struct policy_threshold latency(int slo_ms, int crit_pct)
{
	return (struct policy_threshold){ slo_ms / 1000.0, (double)slo_ms * (100 + crit_pct) / 100000.0 };
}

struct policy_threshold policy_signal_threshold(const struct config *cfg, enum metric_id id)
{
	const struct config_policy *p = policy_of(cfg);

	switch (id) {
	case MET_ERRORS:
		return (struct policy_threshold){ p->error_ratio_alert, p->error_ratio };
	case MET_P95:
		return latency(p->p95_ms, p->latency_crit_pct);
	case MET_P99:
		return latency(p->p99_ms, p->latency_crit_pct);
	case MET_QUEUE:
		return (struct policy_threshold){ (double)p->queue_warn, (double)p->queue };
	default:
		return (struct policy_threshold){ NAN, NAN };
	}
}

/* A signal's value against its SLO: 0 fine, 1 warning, 2 critical, -1 no value. */
static int policy_signal_level(const struct config *cfg, enum metric_id id, double v)
{
	const struct policy_threshold t = policy_signal_threshold(cfg, id);

	if (isnan(v))
		return -1;
	if (!isnan(t.crit) && v > t.crit)
		return 2;
	if (!isnan(t.warn) && v > t.warn)
		return 1;
	return 0;
}

int policy_strip_level(const struct config *cfg, const struct model_strip_item *it, double v)
{
	if (isnan(v))
		return -1;
	if (it->panel && it->field.nth > 0)
		return dashboard_value_level(&it->field, v);
	if (it->signal >= 0 && it->signal < MET_COUNT)
		return policy_signal_level(cfg, (enum metric_id)it->signal, v);
	return -1;
}

int policy_sev_response_min(const struct config *cfg, int sev)
{
	if (sev < 1 || sev > 4)
		return 0;
	return policy_of(cfg)->sev_response_min[sev - 1];
}

bool policy_severity_is_critical(const struct config *cfg, const char *severity)
{
	const struct config_policy *p = policy_of(cfg);

	if (!severity || !*severity)
		return false;
	for (size_t i = 0; i < p->ncritical; i++)
		if (strcasecmp(p->critical_severities[i], severity) == 0)
			return true;
	return false;
}
