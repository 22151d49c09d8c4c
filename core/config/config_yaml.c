/* config — the YAML file's settings, walked with libyaml's document API
 * (config_load.c reads the file and parses it; config_fields.c lists the keys).
 *
 * A config edited in a hurry during a SEV-1 must not half-work: every key is
 * known (a typo is an error with a suggestion), every value is checked for
 * type and range, and errors point at file:line and the dotted key. */
#include "warroom/config.h"
#include "config_fields.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#define NFREEZE (sizeof(((struct config *)0)->freeze) / sizeof(((struct config *)0)->freeze[0]))

/* ---- the walk ------------------------------------------------------------- */

struct pending_deploy { char slot[32]; char name[128]; int line; };

struct ctx {
	const char *file;
	char dir[1024];              /* the file's folder, for relative paths */
	yaml_document_t *doc;
	struct config *cfg;
	char *err;
	size_t errlen;
	struct pending_deploy deploys[8];
	size_t ndeploys;
};

static int line_of(const yaml_node_t *n)
{
	return n ? (int)n->start_mark.line + 1 : 1;
}

static int fail(struct ctx *c, const yaml_node_t *at, const char *key, const char *fmt, ...)
{
	char what[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	if (key && *key)
		snprintf(c->err, c->errlen, "%s:%d: %s: %s", c->file, line_of(at), key, what);
	else
		snprintf(c->err, c->errlen, "%s:%d: %s", c->file, line_of(at), what);
	return -1;
}

static const char *node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_MAPPING_NODE: return "a mapping";
	case YAML_SEQUENCE_NODE: return "a list";
	default: return "a value";
	}
}

/* Plain "", "~" and "null" are YAML's null; quoted they are strings. */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || strcmp(v, "~") == 0 || strcasecmp(v, "null") == 0;
}

/* Quotes a value for an error text, shortened. */
static const char *shown(const char *v, char *buf, size_t len)
{
	size_t n = strlen(v);
	if (n + 3 > len)
		snprintf(buf, len, "\"%.*s...\"", (int)(len - 6), v);
	else
		snprintf(buf, len, "\"%s\"", v);
	return buf;
}

static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];
	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 1]) ? 0 : 1;
			size_t best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int unknown_key(struct ctx *c, const yaml_node_t *k, const char *section, const struct config_field *fields)
{
	const char *name = (const char *)k->data.scalar.value;
	const char *best = NULL;
	size_t bestd = 3;
	for (const struct config_field *f = fields; f->name; f++) {
		size_t d = edit_distance(name, f->name);
		if (d < bestd && d <= strlen(f->name) / 3 + 1) {
			bestd = d;
			best = f->name;
		}
	}
	char q[80];
	if (best)
		return fail(c, k, section, "unknown key %s (did you mean \"%s\"?)", shown(name, q, sizeof q), best);
	return fail(c, k, section, "unknown key %s", shown(name, q, sizeof q));
}

static int scalar(struct ctx *c, const yaml_node_t *v, const char *key, const char *want, const char **out)
{
	*out = "";
	if (v->type != YAML_SCALAR_NODE)
		return fail(c, v, key, "expected %s, got %s", want, node_kind(v));
	if (strlen((const char *)v->data.scalar.value) != v->data.scalar.length)
		return fail(c, v, key, "contains a NUL byte");
	*out = (const char *)v->data.scalar.value;
	return 0;
}

static int put_string(struct ctx *c, const yaml_node_t *v, const char *key, char *dst, size_t size, const char *s)
{
	if (strlen(s) >= size)
		return fail(c, v, key, "too long (at most %zu characters)", size - 1);
	snprintf(dst, size, "%s", s);
	return 0;
}

static bool all_chars(const char *s, const char *extra, bool upper)
{
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (!(islower(ch) || isdigit(ch) || (upper && isupper(ch)) || (ch && strchr(extra, ch))))
			return false;
	}
	return true;
}

static bool k8s_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 253 && all_chars(s, "-.", false) && isalnum((unsigned char)s[0]) &&
	       isalnum((unsigned char)s[n - 1]);
}

/* A label value: slot names are matched against the selector. */
static bool label_value(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 63 && all_chars(s, "-_.", true) && isalnum((unsigned char)s[0]) &&
	       isalnum((unsigned char)s[n - 1]);
}

static int check_url(struct ctx *c, const yaml_node_t *v, const char *key, char *url)
{
	char q[80], head[80];
	const char *rest = NULL;
	/* Quoted back without user info or query: either may hold a secret. */
	size_t hl = strcspn(url, "@?#");
	if (hl >= sizeof head)
		hl = sizeof head - 1;
	memcpy(head, url, hl);
	head[hl] = '\0';
	if (strncasecmp(url, "http://", 7) == 0)
		rest = url + 7;
	else if (strncasecmp(url, "https://", 8) == 0)
		rest = url + 8;
	if (!rest)
		return fail(c, v, key, "expected an http:// or https:// URL, got %s", shown(head, q, sizeof q));
	size_t hostlen = strcspn(rest, "/?#");
	if (hostlen == 0 || strpbrk(url, " \t\r\n"))
		return fail(c, v, key, "not a usable URL: %s", shown(head, q, sizeof q));
	const char *at = memchr(rest, '@', hostlen);
	if (at && memchr(rest, ':', (size_t)(at - rest)))
		return fail(c, v, key, "a password must not be written in the URL; use token_file or token_env");
	size_t n = strlen(url);
	while (n > (size_t)(rest - url) + hostlen && url[n - 1] == '/')
		url[--n] = '\0';   /* "base/" + "/api/v1" would double the slash */
	return 0;
}

static int set_path(struct ctx *c, const yaml_node_t *v, const char *key, char *dst, size_t size, const char *s)
{
	char tmp[2048];
	if (!*s) {
		dst[0] = '\0';
		return 0;
	}
	if (s[0] == '~' && (s[1] == '/' || s[1] == '\0')) {
		if (config_expand_home(s, tmp, sizeof tmp) != 0)
			return fail(c, v, key, "path too long");
	} else if (s[0] != '/' && c->dir[0]) {
		size_t dl = strlen(c->dir);
		snprintf(tmp, sizeof tmp, "%s%s%s", c->dir, c->dir[dl - 1] == '/' ? "" : "/", s);
	} else {
		snprintf(tmp, sizeof tmp, "%s", s);
	}
	return put_string(c, v, key, dst, size, tmp);
}

static int parse_long(struct ctx *c, const yaml_node_t *v, const char *key, const struct config_field *f, long *out)
{
	const char *s = "";
	char q[80];
	if (scalar(c, v, key, "a number", &s) != 0)
		return -1;
	if (is_null(v))
		return fail(c, v, key, "expected a number, got nothing");
	errno = 0;
	char *end;
	long n = strtol(s, &end, 10);
	if (errno || end == s || *end)
		return fail(c, v, key, "expected a whole number, got %s", shown(s, q, sizeof q));
	if (n < f->min || n > f->max)
		return fail(c, v, key, "must be between %ld and %ld, got %ld", f->min, f->max, n);
	*out = n;
	return 0;
}

static int parse_bool(struct ctx *c, const yaml_node_t *v, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no", "off"};
	const char *s = "";
	char q[80];
	if (scalar(c, v, key, "true or false", &s) != 0)
		return -1;
	for (size_t i = 0; i < 3; i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return fail(c, v, key, "expected true or false, got %s", shown(s, q, sizeof q));
}

static int parse_ratio(struct ctx *c, const yaml_node_t *v, const char *key, double *out)
{
	const char *s = "";
	char q[80], *end;
	if (scalar(c, v, key, "a ratio", &s) != 0)
		return -1;
	errno = 0;
	double x = strtod(s, &end);
	if (end != s && *end == '%' && !end[1]) {
		x /= 100;
		end++;
	}
	if (errno || end == s || *end || !(x >= 0 && x <= 1))
		return fail(c, v, key, "expected a ratio between 0 and 1 (0.01) or a percentage (1%%), got %s",
		            shown(s, q, sizeof q));
	*out = x;
	return 0;
}

/* SEV-1..4 in minutes; "next-business-day" (stored as 0) for the slow ones. */
static int parse_sev_minutes(struct ctx *c, const yaml_node_t *v, const char *key)
{
	int mins[4];
	size_t n = 0;
	if (v->type != YAML_SEQUENCE_NODE || v->data.sequence.items.top - v->data.sequence.items.start != 4)
		return fail(c, v, key, "expected a list of four targets, SEV-1 to SEV-4: minutes or next-business-day");
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, n++) {
		yaml_node_t *s = yaml_document_get_node(c->doc, *it);
		const char *t = "";
		char ik[200], q[80], *end;
		snprintf(ik, sizeof ik, "%s[%zu]", key, n);
		if (!s || scalar(c, s, ik, "minutes or next-business-day", &t) != 0)
			return -1;
		long m = strtol(t, &end, 10);
		if (strcmp(t, "next-business-day") == 0)
			m = 0;
		else if (end == t || *end || m < 1 || m > 10080)
			return fail(c, s, ik, "expected minutes (1 to 10080) or next-business-day, got %s",
			            shown(t, q, sizeof q));
		mins[n] = (int)m;
	}
	memcpy(c->cfg->policy.sev_response_min, mins, sizeof mins);
	return 0;
}

static int parse_severities(struct ctx *c, const yaml_node_t *v, const char *key)
{
	struct config_policy *p = &c->cfg->policy;
	const size_t max = sizeof p->critical_severities / sizeof p->critical_severities[0];
	size_t n = 0;
	p->ncritical = 0;
	if (is_null(v))
		return 0;   /* none: no alert is critical */
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, key, "expected a list of severity labels, got %s", node_kind(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, n++) {
		yaml_node_t *s = yaml_document_get_node(c->doc, *it);
		const char *t = "";
		char ik[200], q[80];
		snprintf(ik, sizeof ik, "%s[%zu]", key, n);
		if (!s || scalar(c, s, ik, "a severity label", &t) != 0)
			return -1;
		if (n == max)
			return fail(c, s, key, "at most %zu severities", max);
		if (!label_value(t) || strlen(t) >= sizeof p->critical_severities[n])
			return fail(c, s, ik, "%s is not a severity label", shown(t, q, sizeof q));
		snprintf(p->critical_severities[n], sizeof p->critical_severities[n], "%s", t);
	}
	p->ncritical = n;
	return 0;
}

/* alertmanager.urls: each one checked as url is. */
static int parse_urls(struct ctx *c, const yaml_node_t *v, const char *key)
{
	struct config *cfg = c->cfg;
	const size_t max = sizeof cfg->alertmanager_urls / sizeof cfg->alertmanager_urls[0];
	size_t n = 0;
	cfg->nalertmanager_urls = 0;
	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, key, "expected a list of URLs, got %s", node_kind(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, n++) {
		yaml_node_t *s = yaml_document_get_node(c->doc, *it);
		const char *t = "";
		char ik[200];
		snprintf(ik, sizeof ik, "%s[%zu]", key, n);
		if (!s || scalar(c, s, ik, "a URL", &t) != 0)
			return -1;
		if (n == max)
			return fail(c, s, key, "at most %zu Alertmanagers", max);
		if (put_string(c, s, ik, cfg->alertmanager_urls[n], sizeof cfg->alertmanager_urls[n], t) != 0 ||
		    check_url(c, s, ik, cfg->alertmanager_urls[n]) != 0)
			return -1;
	}
	cfg->nalertmanager_urls = n;
	return 0;
}

static int parse_slots(struct ctx *c, const yaml_node_t *v, const char *key)
{
	const char *names[CONFIG_MAX_SLOTS];
	int n = 0;
	if (v->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *s = yaml_document_get_node(c->doc, *it);
			if (!s || s->type != YAML_SCALAR_NODE || n == CONFIG_MAX_SLOTS) {
				n = -1;
				break;
			}
			names[n++] = (const char *)s->data.scalar.value;
		}
	}
	if (n != CONFIG_MAX_SLOTS)
		return fail(c, v, key, "expected a list of two slot names");
	for (int i = 0; i < n; i++) {
		char q[80];
		if (!label_value(names[i]) || strlen(names[i]) >= sizeof c->cfg->kube.slots[i])
			return fail(c, v, key, "%s is not a usable label value", shown(names[i], q, sizeof q));
	}
	if (strcmp(names[0], names[1]) == 0)
		return fail(c, v, key, "the two slots must differ");
	for (int i = 0; i < n; i++)
		snprintf(c->cfg->kube.slots[i], sizeof c->cfg->kube.slots[i], "%s", names[i]);
	return 0;
}

static int check_dup(struct ctx *c, const yaml_node_t *map, const yaml_node_pair_t *pair, const char *section)
{
	const yaml_node_t *k = yaml_document_get_node(c->doc, pair->key);
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < pair; p++) {
		const yaml_node_t *pk = yaml_document_get_node(c->doc, p->key);
		if (pk && pk->type == YAML_SCALAR_NODE &&
		    strcmp((const char *)pk->data.scalar.value, (const char *)k->data.scalar.value) == 0) {
			char q[80];
			return fail(c, k, section, "duplicate key %s (first at line %d)",
			            shown((const char *)k->data.scalar.value, q, sizeof q), line_of(pk));
		}
	}
	return 0;
}

/* Iterates a mapping's scalar keys; fn gets each key text and value node. */
typedef int (*pair_fn)(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg);

static int each_pair(struct ctx *c, const yaml_node_t *map, const char *section, pair_fn fn, void *arg)
{
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(c, map, section, "expected a mapping of settings, got %s", node_kind(map));
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
		yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
		if (!k || !v)
			return fail(c, map, section, "malformed mapping");
		if (k->type != YAML_SCALAR_NODE)
			return fail(c, k, section, "keys must be plain names, got %s", node_kind(k));
		if (check_dup(c, map, p, section) != 0 || fn(c, section, k, v, arg) != 0)
			return -1;
	}
	return 0;
}

static void join_key(char *buf, size_t len, const char *section, const char *name)
{
	if (section && *section)
		snprintf(buf, len, "%.100s.%.50s", section, name);
	else
		snprintf(buf, len, "%.150s", name);
}

static int deployment_pair(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	char key[160], q[80];
	const char *slot = (const char *)k->data.scalar.value, *name = "";
	join_key(key, sizeof key, section, slot);
	if (scalar(c, v, key, "a Deployment name", &name) != 0)
		return -1;
	if (!k8s_name(name))
		return fail(c, v, key, "%s is not a Kubernetes name", shown(name, q, sizeof q));
	if (c->ndeploys == sizeof c->deploys / sizeof c->deploys[0])
		return fail(c, k, section, "too many entries");
	struct pending_deploy *d = &c->deploys[c->ndeploys++];
	if (strlen(slot) >= sizeof d->slot || strlen(name) >= sizeof d->name)
		return fail(c, v, key, "too long");
	snprintf(d->slot, sizeof d->slot, "%s", slot);
	snprintf(d->name, sizeof d->name, "%s", name);
	d->line = line_of(k);
	return 0;
}

/* Deployments are keyed by slot, and the slots may come later in the file. */
static int resolve_deployments(struct ctx *c)
{
	struct config *cfg = c->cfg;
	for (size_t i = 0; i < c->ndeploys; i++) {
		struct pending_deploy *d = &c->deploys[i];
		int slot = -1;
		for (int s = 0; s < CONFIG_MAX_SLOTS; s++)
			if (strcmp(cfg->kube.slots[s], d->slot) == 0)
				slot = s;
		if (slot < 0) {
			snprintf(c->err, c->errlen, "%s:%d: kubernetes.deployments.%s: not one of the slots (%s, %s)",
			         c->file, d->line, d->slot, cfg->kube.slots[0], cfg->kube.slots[1]);
			return -1;
		}
		snprintf(cfg->kube.deployments[slot], sizeof cfg->kube.deployments[slot], "%s", d->name);
	}
	return 0;
}

static int parse_freeze(struct ctx *c, const yaml_node_t *v, const char *key)
{
	struct config *cfg = c->cfg;
	if (is_null(v)) {
		cfg->nfreeze = 0;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, key, "expected a list of \"MM-DD..MM-DD\" ranges, got %s", node_kind(v));
	size_t n = 0;
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, n++) {
		yaml_node_t *s = yaml_document_get_node(c->doc, *it);
		char ik[200], q[80];
		snprintf(ik, sizeof ik, "%s[%zu]", key, n);
		const char *spec = "";
		int from, to;
		if (!s || scalar(c, s, ik, "a \"MM-DD..MM-DD\" range", &spec) != 0)
			return -1;
		if (n == NFREEZE)
			return fail(c, s, key, "at most %zu freeze periods", NFREEZE);
		if (config_freeze_parse(spec, &from, &to) != 0)
			return fail(c, s, ik, "expected \"MM-DD..MM-DD\" (UTC), got %s", shown(spec, q, sizeof q));
		/* one day "MM-DD" is stored as the range it means */
		snprintf(cfg->freeze[n], sizeof cfg->freeze[n], "%.5s..%.5s", spec, strlen(spec) == 5 ? spec : spec + 7);
	}
	cfg->nfreeze = n;
	return 0;
}

/* runbooks: FOLDER (the shipped ones' place), or a mapping with the user's
 * folders: { paths: [~/runbooks, ...], dir: FOLDER }. */
static int runbooks_pair(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	struct config *cfg = c->cfg;
	const char *name = (const char *)k->data.scalar.value, *s = "";
	char key[160];
	size_t n = 0;

	join_key(key, sizeof key, section, name);
	if (strcmp(name, "dir") == 0)
		return scalar(c, v, key, "a folder", &s) != 0 ? -1 : set_path(c, v, key, cfg->runbook_dir,
		                                                              sizeof cfg->runbook_dir, s);
	if (strcmp(name, "paths") != 0)
		return fail(c, k, section, "unknown key \"%s\" (known: dir, paths)", name);
	if (is_null(v)) {
		cfg->nrunbook_paths = 0;
		return 0;
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, key, "expected a list of folders, got %s", node_kind(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, n++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		char ik[200];

		snprintf(ik, sizeof ik, "%s[%zu]", key, n);
		if (n == CONFIG_MAX_RUNBOOK_PATHS)
			return fail(c, e, key, "at most %d folders", CONFIG_MAX_RUNBOOK_PATHS);
		if (!e || scalar(c, e, ik, "a folder", &s) != 0 ||
		    set_path(c, e, ik, cfg->runbook_paths[n], sizeof cfg->runbook_paths[n], s) != 0)
			return -1;
	}
	cfg->nrunbook_paths = n;
	return 0;
}

/* dashboards.overview: a dashboard, or the dashboard and the strip's panels
 * in order: { dashboard: Detection Pipeline, panels: ["Request rate", 7] }. */
static int overview_pair(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	struct config_dashboards *d = &c->cfg->dash;
	const char *name = (const char *)k->data.scalar.value, *s = "";
	char key[160];
	size_t n = 0;

	join_key(key, sizeof key, section, name);
	if (strcmp(name, "dashboard") == 0)
		return scalar(c, v, key, "a dashboard's title, uid or file name", &s) != 0 ? -1
		       : put_string(c, v, key, d->overview, sizeof d->overview, s);
	if (strcmp(name, "panels") != 0)
		return fail(c, k, section, "unknown key \"%s\" (known: dashboard, panels)", name);
	d->nstrip = 0;
	if (is_null(v))
		return 0;
	if (v->type != YAML_SEQUENCE_NODE)
		return fail(c, v, key, "expected a list of panel titles or ids, got %s", node_kind(v));
	for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++, n++) {
		yaml_node_t *e = yaml_document_get_node(c->doc, *it);
		char ik[200];

		snprintf(ik, sizeof ik, "%s[%zu]", key, n);
		if (n == CONFIG_MAX_STRIP)
			return fail(c, e, key, "at most %d panels", CONFIG_MAX_STRIP);
		if (!e || scalar(c, e, ik, "a panel's title or id", &s) != 0 ||
		    put_string(c, e, ik, d->strip[n], sizeof d->strip[n], s) != 0)
			return -1;
		if (!*s)
			return fail(c, e, ik, "expected a panel's title or id, got \"\"");
		for (const char *p = s; *p; p++)
			if (iscntrl((unsigned char)*p))
				return fail(c, e, ik, "contains a control character");
		/* the file's name alone: it is shown in a panel */
		snprintf(d->strip_at[n], sizeof d->strip_at[n], "%s:%d",
		         strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file, line_of(e));
	}
	d->nstrip = n;
	return 0;
}

static int key_pair(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	struct config *cfg = c->cfg;
	const char *action = (const char *)k->data.scalar.value;
	char key[160], spec[sizeof cfg->keys[0].keys] = "";
	join_key(key, sizeof key, section, action);
	if (!*action || strlen(action) >= sizeof cfg->keys[0].action || !all_chars(action, "_-.", false))
		return fail(c, k, section, "%s is not an action name", action);
	if (v->type == YAML_SEQUENCE_NODE) {
		/* rollback: [R, F5] is "R,F5" */
		for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
			yaml_node_t *s = yaml_document_get_node(c->doc, *it);
			const char *one = "";
			if (!s || scalar(c, s, key, "a key name", &one) != 0)
				return -1;
			size_t used = strlen(spec);
			if (snprintf(spec + used, sizeof spec - used, "%s%s", used ? "," : "", one) >=
			    (int)(sizeof spec - used))
				return fail(c, v, key, "too many keys");
		}
	} else {
		const char *one = "";
		if (scalar(c, v, key, "a key name", &one) != 0 || put_string(c, v, key, spec, sizeof spec, one) != 0)
			return -1;
	}
	if (!spec[0])
		return fail(c, v, key, "expected a key name such as \"R\", \"C-r\" or \"F5\"");
	struct config_key *ck = NULL;
	for (size_t i = 0; i < cfg->nkeys; i++)
		if (strcmp(cfg->keys[i].action, action) == 0)
			ck = &cfg->keys[i];   /* a later load overrides an earlier one */
	if (!ck && cfg->nkeys == CONFIG_MAX_KEYS)
		return fail(c, k, section, "at most %d key bindings", CONFIG_MAX_KEYS);
	if (!ck)
		ck = &cfg->keys[cfg->nkeys++];
	snprintf(ck->action, sizeof ck->action, "%s", action);
	snprintf(ck->keys, sizeof ck->keys, "%s", spec);
	return 0;
}

static int section_pair(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg);

/* One known key: checks and stores its value. */
static int set_field(struct ctx *c, const struct config_field *f, const char *key, const yaml_node_t *k, const yaml_node_t *v)
{
	char *dst = (char *)c->cfg + f->off;
	const char *s = NULL;
	char q[80];
	long n;

	switch (f->kind) {
	case CONFIG_K_SECTION:
		return each_pair(c, v, key, section_pair, (void *)f->sub);
	case CONFIG_K_SECRET:
		return fail(c, k, key, "%s", f->advice);
	case CONFIG_K_SLOTS:
		return parse_slots(c, v, key);
	case CONFIG_K_DEPLOYMENTS:
		return each_pair(c, v, key, deployment_pair, NULL);
	case CONFIG_K_FREEZE:
		return parse_freeze(c, v, key);
	case CONFIG_K_MAINT: {
		const char *spec = "";
		int a, b, cc, d;
		char shownbuf[80];

		if (scalar(c, v, key, "a maintenance window", &spec) != 0)
			return -1;
		if (spec[0] && config_maintenance_parse(spec, &a, &b, &cc, &d) != 0)
			return fail(c, v, key, "expected \"first tuesday 02:00-04:00\" (UTC) or \"\", got %s",
			            shown(spec, shownbuf, sizeof shownbuf));
		return put_string(c, v, key, dst, f->size, spec);
	}
	case CONFIG_K_KEYS:
		return each_pair(c, v, key, key_pair, NULL);
	case CONFIG_K_OVERVIEW:
		if (v->type == YAML_MAPPING_NODE)
			return each_pair(c, v, key, overview_pair, NULL);
		if (scalar(c, v, key, "a dashboard's title, uid or file name", &s) != 0)
			return -1;
		return put_string(c, v, key, dst, f->size, is_null(v) ? "" : s);
	case CONFIG_K_RUNBOOKS:
		if (v->type == YAML_MAPPING_NODE)
			return each_pair(c, v, key, runbooks_pair, NULL);
		if (scalar(c, v, key, "a folder", &s) != 0)
			return -1;
		return set_path(c, v, key, dst, f->size, s);
	case CONFIG_K_RATIO:
		return parse_ratio(c, v, key, (double *)(void *)dst);
	case CONFIG_K_SEV_MINUTES:
		return parse_sev_minutes(c, v, key);
	case CONFIG_K_SEVERITIES:
		return parse_severities(c, v, key);
	case CONFIG_K_URLS:
		return parse_urls(c, v, key);
	case CONFIG_K_BOOL:
		return parse_bool(c, v, key, (bool *)(void *)dst);
	case CONFIG_K_INT:
		if (parse_long(c, v, key, f, &n) != 0)
			return -1;
		*(int *)(void *)dst = (int)n;
		return 0;
	case CONFIG_K_LONG:
		return parse_long(c, v, key, f, (long *)(void *)dst);
	default:
		break;
	}

	if (scalar(c, v, key, "a string", &s) != 0)
		return -1;
	if (is_null(v))
		s = "";
	for (const char *p = s; *p; p++)
		if (iscntrl((unsigned char)*p))
			return fail(c, v, key, "contains a control character");
	switch (f->kind) {
	case CONFIG_K_PATH:
		return set_path(c, v, key, dst, f->size, s);
	case CONFIG_K_NAME:
		if (*s && !k8s_name(s))
			return fail(c, v, key, "%s is not a Kubernetes name (lower-case letters, digits, '-', '.')",
			            shown(s, q, sizeof q));
		break;
	case CONFIG_K_LABEL:
		if (!*s || !all_chars(s, "-_./", true))
			return fail(c, v, key, "%s is not a label key", shown(s, q, sizeof q));
		break;
	case CONFIG_K_HOST:
		if (strpbrk(s, " /@"))
			return fail(c, v, key, "expected a host name, got %s", shown(s, q, sizeof q));
		break;
	case CONFIG_K_ENV:
		if (*s && (!(isalpha((unsigned char)*s) || *s == '_') || !all_chars(s, "_", true)))
			return fail(c, v, key, "%s is not an environment variable name", shown(s, q, sizeof q));
		break;
	default:
		break;
	}
	if (put_string(c, v, key, dst, f->size, s) != 0)
		return -1;
	if (f->advice && *dst)
		return fail(c, v, key, "%s", f->advice);
	if (f->kind == CONFIG_K_URL && *dst)
		return check_url(c, v, key, dst);
	return 0;
}

static int section_pair(struct ctx *c, const char *section, const yaml_node_t *k, const yaml_node_t *v, void *arg)
{
	const struct config_field *fields = arg;
	const char *name = (const char *)k->data.scalar.value;
	for (const struct config_field *f = fields; f->name; f++) {
		if (strcmp(f->name, name) != 0)
			continue;
		char key[160];
		join_key(key, sizeof key, section, name);
		return set_field(c, f, key, k, v);
	}
	return unknown_key(c, k, section, fields);
}

/* ---- the document ------------------------------------------------------- */

int config_yaml_apply(struct config *cfg, const char *file, yaml_document_t *doc, char *err, size_t errlen)
{
	struct ctx c = {.file = file, .doc = doc, .cfg = cfg, .err = err, .errlen = errlen};
	const char *slash = strrchr(file, '/');
	if (slash)
		snprintf(c.dir, sizeof c.dir, "%.*s", (int)(slash - file == 0 ? 1 : slash - file), file);
	yaml_node_t *root = yaml_document_get_root_node(doc);
	if (root && !is_null(root)) {
		if (root->type != YAML_MAPPING_NODE)
			return fail(&c, root, NULL, "expected a mapping of settings at the top, got %s", node_kind(root));
		if (each_pair(&c, root, "", section_pair, (void *)config_top_fields) != 0)
			return -1;
	}
	if (!cfg->alertmanager.url[0] && cfg->nalertmanager_urls)
		snprintf(cfg->alertmanager.url, sizeof cfg->alertmanager.url, "%s", cfg->alertmanager_urls[0]);
	return resolve_deployments(&c);
}
