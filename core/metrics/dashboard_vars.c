/* Template variables: $v, ${v}, ${v:format}, [[v]] and the built-ins
 * expanded as Grafana expands them (All without an allValue is every
 * option, a repeated panel's copy has its one value, an "auto" interval is
 * the range in steps); what an expansion could not fill counted for words;
 * the order in which dependent variables resolve (a cycle is an error in
 * words); a selection, and options sorted as the variable asks. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dashboard_priv.h"
#include "warroom/text.h"

#define ALLVALUE_DEPTH 4   /* an allValue that names a variable whose allValue names ... */

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

static const struct dash_var *find_var(const struct dashboard *d, const char *name, size_t len)
{
	for (size_t i = 0; d && i < d->nv; i++)
		if (strlen(d->v[i].name) == len && !strncmp(d->v[i].name, name, len))
			return &d->v[i];
	return NULL;
}

/* Grafana's round steps: a raw interval to the nearest of 10ms, 20ms, ...
 * 1s, 2s, 5s, 10s, 15s, 20s, 30s, 1m, 2m, 5m, ... 1d, 1w, 30d, 1y. */
static int64_t round_interval(int64_t ms)
{
	static const int64_t steps[][2] = {
		{ 15, 10 }, { 35, 20 }, { 75, 50 }, { 150, 100 }, { 350, 200 }, { 750, 500 }, { 1500, 1000 },
		{ 3500, 2000 }, { 7500, 5000 }, { 12500, 10000 }, { 17500, 15000 }, { 25000, 20000 },
		{ 45000, 30000 }, { 90000, 60000 }, { 210000, 120000 }, { 450000, 300000 }, { 750000, 600000 },
		{ 1050000, 900000 }, { 1500000, 1200000 }, { 2700000, 1800000 }, { 5400000, 3600000 },
		{ 9000000, 7200000 }, { 16200000, 10800000 }, { 24300000, 21600000 }, { 64800000, 43200000 },
		{ 129600000, 86400000 }, { 604800000, 604800000 }, { 1814400000, 604800000 },
		{ 3628800000LL, 2592000000LL },
	};

	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
		if (ms < steps[i][0])
			return steps[i][1];
	return 31536000000LL;
}

int64_t dashboard_auto_interval_ms(const struct dash_var *v, int64_t range_ms)
{
	int count = v && v->auto_count > 0 ? v->auto_count : 30;
	int64_t min = v && v->auto_min[0] ? dashboard_duration_ms(v->auto_min) : 10000;
	int64_t ms = round_interval(range_ms / count);

	return min > 0 && ms < min ? min : ms;
}

/* A built-in's text into buf (fmt: ${__from:date:seconds}), or false. */
static bool builtin(const struct dashboard *d, const struct dash_env *env, const char *name, size_t len,
                    const char *fmt, char *buf, size_t buflen)
{
	int64_t iv = env ? env->interval_ms : 15000, scrape = env && env->scrape_ms > 0 ? env->scrape_ms : 15000;
	int64_t range = env ? env->range_ms : 3600000;
	int64_t now = env && env->now_ms > 0 ? env->now_ms : (int64_t)time(NULL) * 1000;
	const char *auto_pfx = "__auto_interval_";

#define IS(s) (len == sizeof(s) - 1 && !strncmp(name, s, len))
	if (IS("__interval"))
		dashboard_duration_str(iv, buf, buflen);
	else if (IS("__interval_ms"))
		snprintf(buf, buflen, "%lld", (long long)iv);
	else if (IS("__range"))
		snprintf(buf, buflen, "%llds", (long long)(range / 1000));
	else if (IS("__range_s"))
		snprintf(buf, buflen, "%lld", (long long)(range / 1000));
	else if (IS("__range_ms"))
		snprintf(buf, buflen, "%lld", (long long)range);
	else if (IS("__rate_interval"))
		dashboard_duration_str(dashboard_rate_interval_ms(iv, scrape), buf, buflen);
	else if (IS("__rate_interval_ms"))
		snprintf(buf, buflen, "%lld", (long long)dashboard_rate_interval_ms(iv, scrape));
	else if (IS("__auto"))   /* the step of a range query, the range of an instant one */
		dashboard_duration_str(env && env->instant ? range : iv, buf, buflen);
	else if (len > strlen(auto_pfx) && !strncmp(name, auto_pfx, strlen(auto_pfx))) {
		const struct dash_var *v = find_var(d, name + strlen(auto_pfx), len - strlen(auto_pfx));

		if (!v || v->type != VAR_INTERVAL)
			return false;
		dashboard_duration_str(dashboard_auto_interval_ms(v, range), buf, buflen);
	} else if (IS("__from") || IS("__to")) {
		int64_t t = IS("__from") ? now - range : now;
		time_t secs = (time_t)(t / 1000);
		struct tm tm;

		if (!strcmp(fmt, "date:seconds"))
			snprintf(buf, buflen, "%lld", (long long)secs);
		else if (!strcmp(fmt, "date") || !strcmp(fmt, "date:iso") || !strncmp(fmt, "date:", 5)) {
			gmtime_r(&secs, &tm);
			strftime(buf, buflen, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
		} else
			snprintf(buf, buflen, "%lld", (long long)t);
	} else if (IS("__dashboard"))
		snprintf(buf, buflen, "%s", d ? d->uid : "");
	else
		return false;
#undef IS
	return true;
}

/* The variable reference at s: its name, format and length, or 0. */
static size_t parse_ref(const char *s, const char **name, size_t *nlen, char *fmt, size_t fmtlen)
{
	const char *p, *e;

	fmt[0] = '\0';
	if (s[0] == '$' && s[1] == '{') {
		e = strchr(s + 2, '}');
		if (!e)
			return 0;
		p = memchr(s + 2, ':', (size_t)(e - s - 2));
		*name = s + 2;
		*nlen = (size_t)((p ? p : e) - (s + 2));
		if (p)
			snprintf(fmt, fmtlen, "%.*s", (int)(e - p - 1), p + 1);
		return (size_t)(e - s + 1);
	}
	if (s[0] == '[' && s[1] == '[') {
		e = strstr(s + 2, "]]");
		if (!e)
			return 0;
		p = memchr(s + 2, ':', (size_t)(e - s - 2));
		*name = s + 2;
		*nlen = (size_t)((p ? p : e) - (s + 2));
		if (p)
			snprintf(fmt, fmtlen, "%.*s", (int)(e - p - 1), p + 1);
		for (size_t i = 0; i < *nlen; i++)
			if (!name_char((*name)[i]))
				return 0;
		return (size_t)(e - s + 2);
	}
	if (s[0] == '$' && name_char(s[1])) {
		*name = s + 1;
		for (*nlen = 0; name_char(s[1 + *nlen]); (*nlen)++)
			;
		return 1 + *nlen;
	}
	return 0;
}

/* One expansion under way. */
struct ex {
	const struct dashboard *d;
	const struct dash_env *env;
	const struct dash_panel *p;
	const char *dflt;            /* the format when a reference names none */
	struct dash_gaps *gaps;
	int depth;
};

enum gap_kind { GAP_EMPTY, GAP_UNKNOWN, GAP_BUILTIN, GAP_PENDING };

static void gap(struct ex *x, enum gap_kind kind, const char *var, const char *ref, size_t reflen,
                const char *why)
{
	struct dash_gaps *g = x->gaps;

	if (!g)
		return;
	(*(kind == GAP_EMPTY ? &g->empty : kind == GAP_UNKNOWN ? &g->unknown : kind == GAP_BUILTIN ? &g->builtin
	                     : &g->pending))++;
	if (!g->first[0]) {
		snprintf(g->first, sizeof g->first, "%.*s", (int)reflen, ref);
		snprintf(g->why, sizeof g->why, "%s", why);
		snprintf(g->var, sizeof g->var, "%s", var);
	}
}

static void expand(struct text_buf *b, struct ex *x, const char *expr);

/* The text of value val: its option's text when that differs. */
static const char *text_of(const struct dash_var *v, const char *val)
{
	for (size_t i = 0; i < v->nopt; i++)
		if (v->otext[i] && !strcmp(v->opt[i], val))
			return v->otext[i];
	return val;
}

static void put_list(struct text_buf *b, const struct dash_var *v, const char *fmt, char *const *vals, size_t n,
                     bool many)
{
	char **texts = calloc(n + 1, sizeof *texts);

	if (!texts) {
		b->oom = true;   /* the expansion fails whole */
		return;
	}
	for (size_t i = 0; i < n; i++)
		texts[i] = (char *)text_of(v, vals[i]);
	dash_format_values(b, v->name, fmt, vals, texts, n, many, v->multi || v->include_all);
	free(texts);
}

static bool all_empty(char *const *vals, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (vals[i][0])
			return false;
	return true;
}

/* Variable v as reference ref (reflen long) asks, in fmt (NULL: the default). */
static void put_var(struct text_buf *b, struct ex *x, const struct dash_var *v, const char *fmt, const char *ref,
                    size_t reflen)
{
	char tmp[160];
	const struct dash_panel *p = x->p;

	if (!fmt)
		fmt = x->dflt;
	for (int i = 0; p && i < p->nscope; i++) {
		char *one[1] = { (char *)p->scope[i].val };

		if (strcmp(p->scope[i].var, v->name) != 0)
			continue;
		if (p->scope[i].pending) {   /* a copy for each value, once they are known */
			snprintf(tmp, sizeof tmp, "<%s=each>", v->name);
			text_buf_str(b, tmp);
			gap(x, GAP_PENDING, v->name, ref, reflen, "has no values yet: one copy for each, once resolved");
			return;
		}
		put_list(b, v, fmt, one, 1, false);
		return;
	}
	if (v->type == VAR_INTERVAL && v->cur_auto) {
		dashboard_duration_str(dashboard_auto_interval_ms(v, x->env ? x->env->range_ms : 3600000), tmp,
		                       sizeof tmp);
		text_buf_str(b, tmp);
		return;
	}
	if (v->cur_all) {
		if (v->all_value && (!fmt || strcmp(fmt, "text") != 0)) {
			/* written as it is, its own variables expanded; only percentencode applies */
			struct text_buf inner = { 0 };
			struct ex in = *x;

			in.dflt = "glob";
			in.depth++;
			text_buf_str(&inner, "");
			if (in.depth <= ALLVALUE_DEPTH)
				expand(&inner, &in, v->all_value);
			if (inner.oom) {
				b->oom = true;
			} else if (fmt && !strcmp(fmt, "percentencode")) {
				char *one[1] = { inner.s };

				put_list(b, v, fmt, one, 1, false);
			} else {
				text_buf_str(b, inner.s);
			}
			text_buf_free(&inner);
			return;
		}
		if (fmt && !strcmp(fmt, "text")) {
			text_buf_str(b, "All");
			return;
		}
		if (!v->nopt && !dashboard_var_known(v)) {
			snprintf(tmp, sizeof tmp, "<%s=All>", v->name);
			text_buf_str(b, tmp);
			gap(x, GAP_PENDING, v->name, ref, reflen, "has no values yet (All of them, once resolved)");
			return;
		}
		if (!v->nopt || all_empty(v->opt, v->nopt))
			gap(x, GAP_EMPTY, v->name, ref, reflen, "is All of no values");
		put_list(b, v, fmt, v->opt, v->nopt, true);
		return;
	}
	if (!v->ncur && !dashboard_var_known(v)) {
		snprintf(tmp, sizeof tmp, "<%s=?>", v->name);
		text_buf_str(b, tmp);
		gap(x, GAP_PENDING, v->name, ref, reflen, "has no value yet (resolved live)");
		return;
	}
	if (!v->ncur || all_empty(v->cur, v->ncur))
		gap(x, GAP_EMPTY, v->name, ref, reflen, "has an empty value");
	put_list(b, v, fmt, v->cur, v->ncur, v->multi);
}

static void expand(struct text_buf *b, struct ex *x, const char *expr)
{
	const char *s = expr ? expr : "";

	while (*s) {
		const char *name;
		size_t nlen, n;
		char fmt[32], tmp[64];
		const struct dash_var *v;

		n = parse_ref(s, &name, &nlen, fmt, sizeof fmt);
		if (!n) {
			text_buf_add(b, s, 1);
			s++;
			continue;
		}
		if (builtin(x->d, x->env, name, nlen, fmt, tmp, sizeof tmp)) {
			text_buf_str(b, tmp);
		} else if ((v = find_var(x->d, name, nlen))) {
			put_var(b, x, v, fmt[0] ? fmt : NULL, s, n);
		} else {
			/* a $name that is no variable (a typo, a built-in of another datasource): as written, and
			 * said; $1 of label_replace is no reference at all */
			text_buf_add(b, s, n);
			if (nlen >= 2 && !strncmp(name, "__", 2))
				gap(x, GAP_BUILTIN, "", s, n, "is a built-in this console does not fill");
			else if (nlen && !isdigit((unsigned char)name[0]))
				gap(x, GAP_UNKNOWN, "", s, n, "is no variable of the dashboard");
		}
		s += n;
	}
}

char *dashboard_expand_in(const struct dashboard *d, const struct dash_env *env, const struct dash_panel *p,
                          const char *expr, const char *fmt, struct dash_gaps *gaps)
{
	struct text_buf b = { 0 };
	struct ex x = { d, env, p, fmt, gaps, 0 };

	if (gaps)
		memset(gaps, 0, sizeof *gaps);
	text_buf_str(&b, "");
	expand(&b, &x, expr);
	return text_buf_take(&b);   /* NULL out of memory: never a query cut short */
}

char *dashboard_expand(const struct dashboard *d, const struct dash_env *env, const char *expr)
{
	return dashboard_expand_in(d, env, NULL, expr, NULL, NULL);
}

void dashboard_refs(const char *expr, void (*fn)(const char *name, size_t len, void *arg), void *arg)
{
	const char *s = expr ? expr : "";

	while (*s) {
		const char *name;
		size_t nlen, n;
		char fmt[32];

		n = parse_ref(s, &name, &nlen, fmt, sizeof fmt);
		if (!n) {
			s++;
			continue;
		}
		if (nlen && strncmp(name, "__", 2) != 0)
			fn(name, nlen, arg);
		s += n;
	}
}

struct deps {
	const struct dashboard *d;
	bool *m;       /* m[i] : this variable refers to variable i */
	size_t self;
	bool self_ref;
};

static void dep_fn(const char *name, size_t len, void *arg)
{
	struct deps *dp = arg;

	for (size_t i = 0; i < dp->d->nv; i++)
		if (strlen(dp->d->v[i].name) == len && !strncmp(dp->d->v[i].name, name, len)) {
			if (i == dp->self)
				dp->self_ref = true;
			else
				dp->m[i] = true;
		}
}

int dashboard_order_vars(struct dashboard *d)
{
	size_t n = d->nv, done = 0;
	bool *dep = calloc(n * n + 1, sizeof *dep), *placed = calloc(n + 1, sizeof *placed);
	int rc = 0;

	if (!dep || !placed) {
		for (size_t i = 0; i < n; i++)
			d->order[i] = (int)i;
		snprintf(d->order_error, sizeof d->order_error,
		         "out of memory ordering the variables: they keep the dashboard's values");
		free(dep);
		free(placed);
		return -1;
	}
	d->order_error[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		struct deps dp = { d, dep + i * n, i, false };

		dashboard_refs(d->v[i].query, dep_fn, &dp);
		dashboard_refs(d->v[i].regex, dep_fn, &dp);
		dashboard_refs(d->v[i].all_value, dep_fn, &dp);
		if (dp.self_ref && !d->order_error[0])
			snprintf(d->order_error, sizeof d->order_error, "variable %s refers to itself", d->v[i].name);
	}
	/* dependencies first, the JSON's order otherwise */
	while (done < n) {
		bool progress = false;

		for (size_t i = 0; i < n; i++) {
			bool ready = !placed[i];

			for (size_t j = 0; ready && j < n; j++)
				if (dep[i * n + j] && !placed[j])
					ready = false;
			if (ready) {
				placed[i] = true;
				d->order[done++] = (int)i;
				progress = true;
			}
		}
		if (!progress)
			break;
	}
	if (done < n) {
		/* name the cycle: walk from an unplaced variable along unplaced deps */
		size_t at = 0, len = 0;
		char words[sizeof d->order_error] = "";
		size_t seen[DASH_VAR_VALUES + 1];

		for (size_t i = 0; i < n; i++)
			if (!placed[i]) {
				at = i;
				break;
			}
		for (size_t steps = 0; steps <= n && len < DASH_VAR_VALUES; steps++) {
			bool repeat = false;

			for (size_t k = 0; k < len; k++)
				if (seen[k] == at)
					repeat = true;
			seen[len++] = at;
			if (repeat)
				break;
			for (size_t j = 0; j < n; j++)
				if (dep[at * n + j] && !placed[j]) {
					at = j;
					break;
				}
		}
		for (size_t k = 0; k < len; k++) {
			size_t o = strlen(words);

			snprintf(words + o, sizeof words - o, "%s%s", k ? " -> " : "", d->v[seen[k]].name);
		}
		snprintf(d->order_error, sizeof d->order_error,
		         "variables depend on each other in a cycle (%s): they keep the dashboard's values", words);
		for (size_t i = 0; i < n; i++)
			if (!placed[i])
				d->order[done++] = (int)i;
		rc = -1;
	}
	free(dep);
	free(placed);
	return rc;
}

struct dash_var *dashboard_var(struct dashboard *d, const char *name)
{
	for (size_t i = 0; i < d->nv; i++)
		if (!strcmp(d->v[i].name, name))
			return &d->v[i];
	return NULL;
}

static void clear_list(char **arr, size_t *n)
{
	for (size_t i = 0; i < *n; i++)
		free(arr[i]);
	*n = 0;
}

int dashboard_var_set(struct dashboard *d, const char *name, const char *values, char *err, size_t errlen)
{
	struct dash_var *v = dashboard_var(d, name);
	char *list, *save = NULL;
	size_t count = 0;

	if (!v) {
		snprintf(err, errlen, "the dashboard has no variable %s", name);
		return -1;
	}
	if (v->type == VAR_INTERVAL && v->autoi &&
	    (!strcmp(values, "auto") || !strncmp(values, "$__auto_interval", 16))) {
		clear_list(v->cur, &v->ncur);
		v->cur_all = false;
		v->cur_auto = true;
		return 0;
	}
	if (!strcmp(values, "All") || !strcmp(values, "$__all")) {
		if (!v->include_all) {
			snprintf(err, errlen, "variable %s has no All option", name);
			return -1;
		}
		clear_list(v->cur, &v->ncur);
		v->cur_all = true;
		v->cur_auto = false;
		return 0;
	}
	for (const char *p = values; *p; p++)
		count += *p == ',';
	if (count && !v->multi && v->type != VAR_TEXTBOX && v->type != VAR_CONSTANT) {
		snprintf(err, errlen, "variable %s takes one value", name);
		return -1;
	}
	clear_list(v->cur, &v->ncur);
	v->cur_all = v->cur_auto = false;
	if (v->type == VAR_TEXTBOX || v->type == VAR_CONSTANT || !v->multi) {
		if (!(v->cur[v->ncur] = strdup(values)))
			goto oom;
		v->ncur++;
		return 0;
	}
	list = strdup(values);
	if (!list)
		goto oom;
	for (char *t = strtok_r(list, ",", &save); t && v->ncur < DASH_VAR_VALUES; t = strtok_r(NULL, ",", &save)) {
		if (!(v->cur[v->ncur] = strdup(t))) {
			free(list);
			goto oom;
		}
		v->ncur++;
	}
	free(list);
	return 0;
oom:
	clear_list(v->cur, &v->ncur);
	snprintf(err, errlen, "out of memory setting variable %s", name);
	return -1;
}


bool dashboard_var_known(const struct dash_var *v)
{
	if (v->type != VAR_QUERY)
		return true;
	return v->nopt > 0 || (v->ncur > 0 && !v->cur_all) || v->resolved;
}

/* The first number in s, as Grafana's numerical sort reads it; -1 none. */
static long first_number(const char *s)
{
	while (*s && !isdigit((unsigned char)*s))
		s++;
	return *s ? strtol(s, NULL, 10) : -1;
}

/* Natural order: runs of digits compared as numbers. */
static int natural_cmp(const char *a, const char *b)
{
	while (*a && *b) {
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			char *ea, *eb;
			unsigned long long na = strtoull(a, &ea, 10), nb = strtoull(b, &eb, 10);

			if (na != nb)
				return na < nb ? -1 : 1;
			a = ea, b = eb;
			continue;
		}
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return tolower((unsigned char)*a) - tolower((unsigned char)*b);
		a++, b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

struct sorted {
	const char *s;
	size_t at;                   /* the answer's order: equal ones keep it */
};

static int sort_how;   /* qsort's comparator reads it: one sort at a time, on the one loop */

static int cmp_sorted(const void *pa, const void *pb)
{
	const struct sorted *a = pa, *b = pb;
	int by = (sort_how + 1) / 2, c;   /* 1 alphabetical, 2 numerical, 3 case-insensitive, 4 natural */

	if (by == 1)
		c = strcmp(a->s, b->s);
	else if (by == 2)
		c = first_number(a->s) < first_number(b->s) ? -1 : first_number(a->s) > first_number(b->s);
	else if (by == 3)
		c = strcasecmp(a->s, b->s);
	else
		c = natural_cmp(a->s, b->s);
	if (sort_how % 2 == 0)
		c = -c;
	return c ? c : a->at < b->at ? -1 : 1;
}

void dashboard_var_options(struct dash_var *v, char *const *vals, size_t n)
{
	size_t keep = 0;
	struct sorted *s;

	v->resolved = true;
	if (n == 0 && v->ncur)
		return;   /* nothing resolved: the value set (JSON, config, console) stands */
	clear_list(v->opt, &v->nopt);
	for (size_t i = 0; i < DASH_VAR_VALUES; i++) {
		free(v->otext[i]);
		v->otext[i] = NULL;
	}
	s = calloc(n + 1, sizeof *s);
	if (!s) {
		snprintf(v->error, sizeof v->error, "out of memory for the variable's values");
		return;
	}
	for (size_t i = 0; i < n; i++)
		s[i] = (struct sorted){ vals[i], i };
	if (v->sort > 0 && v->sort <= 8) {
		sort_how = v->sort;
		qsort(s, n, sizeof *s, cmp_sorted);
	}
	for (size_t i = 0; i < n && v->nopt < DASH_VAR_VALUES; i++) {
		if (!(v->opt[v->nopt] = strdup(s[i].s))) {
			snprintf(v->error, sizeof v->error, "out of memory for the variable's values");
			break;
		}
		v->nopt++;
	}
	free(s);
	if (v->cur_all || v->cur_auto)
		return;
	for (size_t i = 0; i < v->ncur; i++) {
		bool there = false;

		for (size_t k = 0; k < v->nopt; k++)
			there = there || !strcmp(v->opt[k], v->cur[i]);
		if (there)
			v->cur[keep++] = v->cur[i];
		else
			free(v->cur[i]);
	}
	v->ncur = keep;
	if (!v->ncur && v->include_all) {
		v->cur_all = true;
	} else if (!v->ncur && v->nopt && (v->cur[0] = strdup(v->opt[0]))) {
		v->ncur = 1;
	}
}
