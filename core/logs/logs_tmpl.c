/* Templates counted per slot, before the traffic switch and since, and what
 * is new in the live slot: the templates it logs since the switch that the
 * other slot never logged, or logs far more often as a share of its lines
 * (two slots seldom log as many lines: the standby may serve nothing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/logs.h"

int logs_tmpls_init(struct logs_tmpls *ts)
{
	memset(ts, 0, sizeof *ts);
	ts->hcap = LOGS_TMPL_MAX * 2;
	ts->hidx = calloc(ts->hcap, sizeof *ts->hidx);
	ts->live = -1;
	return ts->hidx ? 0 : -1;
}

void logs_tmpls_free(struct logs_tmpls *ts)
{
	free(ts->t);
	free(ts->hidx);
	memset(ts, 0, sizeof *ts);
}

void logs_tmpls_clear(struct logs_tmpls *ts)
{
	int64_t sw = ts->switch_ns;
	int live = ts->live;

	ts->n = 0;
	memset(ts->hidx, 0, ts->hcap * sizeof *ts->hidx);
	memset(ts->total, 0, sizeof ts->total);
	memset(ts->other, 0, sizeof ts->other);
	ts->switch_ns = sw;
	ts->live = live;
}

static struct logs_tmpl *find_or_add(struct logs_tmpls *ts, const char *text, uint64_t h)
{
	size_t at = (size_t)(h % ts->hcap);

	for (size_t probe = 0; probe < ts->hcap; probe++, at = (at + 1) % ts->hcap) {
		uint32_t i = ts->hidx[at];
		struct logs_tmpl *t;

		if (i && ts->t[i - 1].hash == h && strcmp(ts->t[i - 1].text, text) == 0)
			return &ts->t[i - 1];
		if (i)
			continue;
		if (ts->n >= LOGS_TMPL_MAX)
			return NULL;
		if (!ts->t) {
			ts->t = calloc(LOGS_TMPL_MAX, sizeof *ts->t);
			if (!ts->t)
				return NULL;
		}
		t = &ts->t[ts->n++];
		memset(t, 0, sizeof *t);
		snprintf(t->text, sizeof t->text, "%s", text);
		t->hash = h;
		ts->hidx[at] = (uint32_t)ts->n;
		return t;
	}
	return NULL;
}

void logs_tmpls_add(struct logs_tmpls *ts, int slot, int64_t ts_ns, const char *text, size_t len)
{
	char tmpl[LOGS_TMPL_TEXT];
	struct logs_tmpl *t;
	int since = !ts->switch_ns || ts_ns >= ts->switch_ns;

	if (slot < 0 || slot >= LOGS_SLOTS)
		return;
	logs_template(text, len, tmpl, sizeof tmpl);
	ts->total[slot][since]++;
	t = find_or_add(ts, tmpl, logs_hash(tmpl, strlen(tmpl)));
	if (!t) {
		ts->other[slot][since]++;
		return;
	}
	t->count[slot][since]++;
	if (since && (!t->first_ns[slot] || ts_ns < t->first_ns[slot])) {
		t->first_ns[slot] = ts_ns;
		if (slot == ts->live || !t->example[0]) {
			size_t n = len < sizeof t->example - 1 ? len : sizeof t->example - 1;

			memcpy(t->example, text, n);
			t->example[n] = '\0';
		}
	}
}

static int by_count(const void *a, const void *b)
{
	const struct logs_new *x = a, *y = b;

	if (x->live != y->live)
		return x->live > y->live ? -1 : 1;
	return x->first_ns < y->first_ns ? -1 : x->first_ns > y->first_ns;
}

size_t logs_tmpls_new(const struct logs_tmpls *ts, int live, int other, double ratio, struct logs_new *out,
                      size_t max)
{
	size_t n = 0;
	double live_total, other_total;
	struct logs_new *all;

	if (live < 0 || live >= LOGS_SLOTS || !ts->n || !max)
		return 0;
	live_total = (double)ts->total[live][1];
	other_total = other >= 0 && other < LOGS_SLOTS ? (double)(ts->total[other][0] + ts->total[other][1]) : 0;
	all = malloc(ts->n * sizeof *all);
	if (!all)
		return 0;
	for (size_t i = 0; i < ts->n; i++) {
		const struct logs_tmpl *t = &ts->t[i];
		uint32_t l = t->count[live][1];
		uint32_t o = other >= 0 && other < LOGS_SLOTS ? t->count[other][0] + t->count[other][1] : 0;
		double times = 0;

		if (!l)
			continue;
		if (o) {
			times = ((double)l / live_total) / ((double)o / other_total);
			if (times < ratio)
				continue;
		}
		all[n++] = (struct logs_new){ .t = t, .live = l, .other = o, .times = times, .first_ns = t->first_ns[live] };
	}
	qsort(all, n, sizeof *all, by_count);
	if (n > max)
		n = max;
	memcpy(out, all, n * sizeof *out);
	free(all);
	return n;
}
