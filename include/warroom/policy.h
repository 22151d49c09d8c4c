/* policy — the runbooks' numbers in one place: when a golden signal warns
 * or is critical, how soon a SEV must be answered, and which alert
 * severities are critical. They come from the config (slo:, sev:, alerts:)
 * with the seeds' values as defaults; a NULL config means those defaults.
 * Views draw and core sorts with these, so both give the same answer.
 * Implemented in core/config/policy.c. */
#ifndef WARROOM_POLICY_H
#define WARROOM_POLICY_H

#include <stdbool.h>

#include "warroom/config.h"
#include "warroom/model.h"

/* A signal warns above warn and is critical above crit (the metric's unit:
 * a ratio, seconds, items); NAN where the signal has no threshold. */
struct policy_threshold {
	double warn, crit;
};

/* The seeds' values, as config_defaults sets them. */
void policy_defaults(struct config_policy *p);

struct policy_threshold policy_signal_threshold(const struct config *cfg, enum metric_id id);
/* A strip value's colour: its panel's thresholds (absolute or percentage of
 * min..max); the SLO only when the panel has none; -1 neither (or no value). */
int policy_strip_level(const struct config *cfg, const struct model_strip_item *it, double v);
/* Minutes within which SEV-sev (1..4) must be answered; 0 means "next
 * business day" (and is what an unknown SEV gets). */
int policy_sev_response_min(const struct config *cfg, int sev);
/* Whether an alert's severity label counts as critical (case ignored). */
bool policy_severity_is_critical(const struct config *cfg, const char *severity);

#endif
