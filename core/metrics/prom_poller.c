/* prom_poller — the golden signals polled on the one source abstraction:
 * each round sends the seeds' verification queries (or a dashboard's) and
 * any extra series' as instant queries (prom.c), waits for every answer,
 * and pushes one point per series into the model with its words. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/prom.h"
#include "warroom/source.h"

/* The seeds' verification queries, over one minute. */
static const char *const signal_query[MET_COUNT] = {
	[MET_RPS] = "sum(rate(http_requests_total[1m]))",
	[MET_ERRORS] = "sum(rate(http_requests_total{status=~\"5..\"}[1m])) / sum(rate(http_requests_total[1m]))",
	[MET_P95] = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))",
	[MET_P99] = "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1m])))",
	[MET_QUEUE] = "sum(offline_queue_depth)",
};

const char *prom_signal_query(enum metric_id id)
{
	return id < MET_COUNT ? signal_query[id] : "";
}

void prom_signal_format(enum metric_id id, double v, char *buf, size_t len)
{
	if (isnan(v))
		snprintf(buf, len, "no data");
	else if (isinf(v))
		snprintf(buf, len, "%sInf", v > 0 ? "+" : "-");
	else if (id == MET_ERRORS)
		snprintf(buf, len, v < 0.1 ? "%.2f%%" : "%.1f%%", v * 100);
	else if (id == MET_P95 || id == MET_P99)
		snprintf(buf, len, v < 1 ? "%.0fms" : "%.2fs", v < 1 ? v * 1000 : v);
	else if (id == MET_RPS)
		snprintf(buf, len, "%.1f", v);
	else
		snprintf(buf, len, "%.0f", v);
}

struct prom_poller;
struct pslot {
	struct prom_poller *pp;
	int id;
};

#define NQ (MET_COUNT + PROM_EXTRA)

struct prom_poller {
	struct prom *prom;
	struct source *src;
	struct model_metrics *out;
	prom_round_fn fn;
	void *arg;
	int pending;              /* queries of the running round */
	int answered;             /* of them, answered by Prometheus itself */
	int usable;               /* of them, answers that could be read */
	double v[NQ];
	bool empty[NQ];
	char err[NQ][160];
	struct pslot slot[NQ];
	char *query[NQ];          /* signals: from a dashboard, NULL: the built-in query; then the extras' */
	struct model_series *extra_out[PROM_EXTRA];
	int nextra;
	bool closing;             /* stopped: answers still arrive, nothing is written */
};

static struct model_series *series_of(struct prom_poller *pp, int i)
{
	return i < MET_COUNT ? &pp->out->s[i] : pp->extra_out[i - MET_COUNT];
}

static const char *query_of(const struct prom_poller *pp, int i)
{
	return pp->query[i] ? pp->query[i] : i < MET_COUNT ? signal_query[i] : "";
}

/* The query as the words name it: whole, or cut at a character's start with "...". */
static void query_words(char *out, size_t len, const char *q)
{
	size_t n = strlen(q);

	if (n < len) {
		memcpy(out, q, n + 1);
		return;
	}
	n = len - 4;
	while (n && ((unsigned char)q[n] & 0xC0) == 0x80)
		n--;
	snprintf(out, len, "%.*s...", (int)n, q);
}

/* What one answer was: the value pushed and its kind. An error ratio whose
 * query matched nothing, while the request rate is a number, is 0: there
 * is no error series until the first error. */
static enum model_answer answer_of(const struct prom_poller *pp, int i, double *v)
{
	*v = pp->v[i];
	if (pp->err[i][0]) {
		*v = NAN;
		return MODEL_ANS_FAILED;
	}
	if (pp->empty[i]) {
		*v = NAN;
		if (i == MET_ERRORS && !pp->err[MET_RPS][0] && !pp->empty[MET_RPS] && isfinite(pp->v[MET_RPS])) {
			*v = 0;
			return MODEL_ANS_ZERO;
		}
		return MODEL_ANS_EMPTY;
	}
	return isnan(*v) ? MODEL_ANS_NAN : MODEL_ANS_VALUE;
}

static void round_end(struct prom_poller *pp)
{
	char first[160] = "";

	if (pp->closing) {
		source_round_done(pp->src, false, "stopped");   /* dropped: the source is stopped */
		return;
	}
	for (int i = 0; i < MET_COUNT + pp->nextra; i++) {
		struct model_series *s = series_of(pp, i);
		double v;

		s->answer = answer_of(pp, i, &v);
		model_series_push(s, v);
		snprintf(s->error, sizeof s->error, "%s", pp->err[i]);
		query_words(s->query, sizeof s->query, query_of(pp, i));
		if (pp->err[i][0] && !first[0])
			snprintf(first, sizeof first, "%s", pp->err[i]);
	}
	/* up while some answer could be read: one Prometheus answered, but in
	 * words nobody can use (bad_data, a value of the wrong type), is not */
	if (pp->usable)
		pp->out->updated_ms = loop_now_ms();
	source_round_done(pp->src, pp->usable > 0, first);
	if (pp->fn)
		pp->fn(pp->usable > 0, first, pp->arg);
}

static void value_done(const struct prom_answer *a, void *arg)
{
	struct pslot *sl = arg;
	struct prom_poller *pp = sl->pp;
	int id = sl->id;

	pp->v[id] = a->v;
	pp->empty[id] = a->ok && a->empty;
	snprintf(pp->err[id], sizeof pp->err[id], "%s", a->ok ? "" : a->err);
	if (a->answered)
		pp->answered++;
	if (a->ok)
		pp->usable++;
	if (--pp->pending == 0)
		round_end(pp);
}

static void round_start(struct source *src, void *arg)
{
	struct prom_poller *pp = arg;

	(void)src;
	pp->answered = pp->usable = 0;
	pp->pending = MET_COUNT + pp->nextra + 1;   /* held until every query is out */
	for (int i = 0; i < MET_COUNT + pp->nextra; i++) {
		pp->slot[i].pp = pp;
		pp->slot[i].id = i;
		pp->err[i][0] = '\0';
		pp->empty[i] = false;
		if (!prom_query(pp->prom, query_of(pp, i), value_done, &pp->slot[i])) {
			snprintf(pp->err[i], sizeof pp->err[i], "could not start the query");
			pp->v[i] = NAN;
			pp->pending--;
		}
	}
	if (--pp->pending == 0)
		round_end(pp);
}

struct prom_poller *prom_poller_new(struct loop *loop, struct prom *p, struct model_metrics *out,
                                    prom_round_fn fn, void *arg)
{
	struct prom_poller *pp = calloc(1, sizeof *pp);

	if (!pp)
		return NULL;
	pp->src = source_new(loop, "prom", round_start, pp);
	if (!pp->src) {
		free(pp);
		return NULL;
	}
	pp->prom = p;
	pp->out = out;
	pp->fn = fn;
	pp->arg = arg;
	return pp;
}

void prom_poller_set_query(struct prom_poller *pp, enum metric_id id, const char *expr)
{
	if (id >= MET_COUNT)
		return;
	free(pp->query[id]);
	pp->query[id] = expr && *expr ? strdup(expr) : NULL;
}

int prom_poller_add(struct prom_poller *pp, const char *expr, struct model_series *out)
{
	char *q;

	if (pp->nextra == PROM_EXTRA || !expr || !*expr || !(q = strdup(expr)))
		return -1;
	pp->query[MET_COUNT + pp->nextra] = q;
	pp->extra_out[pp->nextra] = out;
	return pp->nextra++;
}

struct source *prom_poller_source(struct prom_poller *pp)
{
	return pp->src;
}

void prom_poller_stop(struct prom_poller *pp)
{
	if (!pp)
		return;
	pp->closing = true;
	source_stop(pp->src);
}

void prom_poller_free(struct prom_poller *pp)
{
	if (!pp)
		return;
	source_free(pp->src);
	for (int i = 0; i < NQ; i++)
		free(pp->query[i]);
	free(pp);
}
