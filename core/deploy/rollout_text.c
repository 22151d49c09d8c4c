/* rollout_text — a Rollout in words, one line each: where it stands (phase,
 * step, weight, pause and its time left, abort), the step list with the
 * current one marked, and each AnalysisRun with its metrics' newest
 * measurements. status, watch and the views print these. */
#include "warroom/rollout.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static size_t add(char *buf, size_t len, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static size_t add(char *buf, size_t len, size_t n, const char *fmt, ...)
{
	if (n >= len)
		return n;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return w < 0 ? n : n + (size_t)w;
}

static const char *short_hash(const char *h)
{
	return h[0] ? h : "-";
}

void rollout_summary_line(const struct rollout_state *ro, int64_t now_ms, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!ro->name[0])
		return;
	if (!ro->found) {
		snprintf(buf, len, "rollout %s: not found", ro->name);
		return;
	}
	n = add(buf, len, n, "%s %s: %s", ro->canary ? "canary" : "blue-green", ro->name, ro->phase);
	if (ro->abort)
		n = add(buf, len, n, " (aborted)");
	else if (ro->pause_reason[0])
		n = add(buf, len, n, " (%s)", ro->pause_reason);
	else if (ro->paused)
		n = add(buf, len, n, " (paused by hand)");
	if (ro->canary) {
		char w[48];
		int step = ro->current_step < 0 ? 0 : ro->current_step;
		if (step >= ro->nsteps)
			n = add(buf, len, n, ", all %d steps done", ro->nsteps);
		else {
			rollout_step_words(ro, step, w, sizeof w);
			n = add(buf, len, n, ", step %d/%d %s", step + 1, ro->nsteps, w);
		}
		int left = rollout_pause_left_s(ro, now_ms);
		if (left > 0)
			n = add(buf, len, n, " (%d s left)", left);
		n = add(buf, len, n, ", canary weight %d %%%s", ro->weight, ro->weight_reported ? "" : " (replicas)");
		if (ro->other_endpoints >= 0)
			n = add(buf, len, n, ", %s %d endpoint%s", ro->canary_service, ro->other_endpoints,
			        ro->other_endpoints == 1 ? "" : "s");
	} else {
		n = add(buf, len, n, ", active %s, preview %s", short_hash(ro->active_hash),
		        ro->preview_hash[0] && strcmp(ro->preview_hash, ro->active_hash) != 0 ? ro->preview_hash : "-");
		if (ro->other_endpoints >= 0)
			n = add(buf, len, n, " (%s: %d endpoint%s)", ro->preview_service, ro->other_endpoints,
			        ro->other_endpoints == 1 ? "" : "s");
		if (!ro->auto_promotion)
			n = add(buf, len, n, ", promoted by hand");
	}
	if (ro->progress_deadline_exceeded)
		n = add(buf, len, n, ", ProgressDeadlineExceeded");
	if (ro->message[0] && strcmp(ro->message, ro->pause_reason) != 0 && n < len)
		add(buf, len, n, ": %s", ro->message);
}

void rollout_steps_line(const struct rollout_state *ro, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!ro->canary || !ro->nsteps)
		return;
	n = add(buf, len, n, "steps:");
	for (int i = 0; i < ro->nsteps; i++) {
		char w[48];
		rollout_step_words(ro, i, w, sizeof w);
		n = add(buf, len, n, i == ro->current_step ? " [%s]" : " %s", w);
	}
}

void rollout_run_line(const struct rollout_analysis *a, char *buf, size_t len)
{
	size_t n = add(buf, len, 0, "analysis %s%s%s: %s", a->type[0] ? a->type : "run", a->hash[0] ? " of " : "",
	               a->hash, a->phase);
	if (a->message[0])
		n = add(buf, len, n, " (%s)", a->message);
	(void)n;
}

void rollout_metric_line(const struct rollout_metric *m, char *buf, size_t len)
{
	size_t n = add(buf, len, 0, "%s (%s) %s", m->name, m->provider[0] ? m->provider : "?",
	               m->phase[0] ? m->phase : "Pending");
	n = add(buf, len, n, ": %d measured, %d failed (limit %d), %d inconclusive (limit %d)", m->count, m->failed,
	        m->failure_limit, m->inconclusive, m->inconclusive_limit);
	if (m->nm)
		n = add(buf, len, n, "; newest");
	for (int i = m->nm - 1; i >= 0 && i >= m->nm - 3; i--)
		n = add(buf, len, n, " %s %s", m->m[i].value[0] ? m->m[i].value : "-", m->m[i].phase);
}
