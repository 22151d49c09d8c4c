/* Templates: the values of a command's placeholders. The operator gives
 * them (the console's form, :runbook-fill); they live in the run's
 * variables, so every command of the run gets them, and reach a command as
 * environment variables: the command's text holds a quoted reference to
 * each, never a value the shell would read as its own. A command with a
 * placeholder left never runs. */
#include "warroom/runbook.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "warroom/proc.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#include "runbook_parse.h"
#include "runbook_session.h"

bool runbook_placeholder_secret(const struct runbook_placeholder *p)
{
	static const char *const words[] = {
		"TOKEN", "PASSWORD", "PASSWD", "SECRET", "KEY", "CREDENTIAL", "AUTH",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(p->var, words[i]))
			return true;
	return false;
}

static const char *given(const struct runbook_session *s, const char *var)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(s->secrets, var);

	if (!cJSON_IsString(v))
		v = cJSON_GetObjectItemCaseSensitive(s->vars, var);
	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

/* A variable the console sets for every command now (its live values). */
static bool console_has(const struct runbook_session *s, const char *var)
{
	char vars[64][256];
	size_t n = runbook_session_vars(s, vars, 64), k = strlen(var);

	for (size_t i = 0; i < n; i++)
		if (!strncmp(vars[i], var, k) && vars[i][k] == '=' && vars[i][k + 1])
			return true;
	return false;
}

static bool has_value(const struct runbook_session *s, const struct runbook_placeholder *p)
{
	const char *env;

	if (given(s, p->var))
		return true;
	if (p->kind != RBP_VAR)
		return false;
	env = getenv(p->var);
	return console_has(s, p->var) || (env && *env);
}

size_t runbook_session_missing(const struct runbook_session *s, size_t item,
                               const struct runbook_placeholder **out, size_t max)
{
	const struct runbook *rb = s ? s->rb : NULL;
	size_t n = 0;

	if (!rb || item >= rb->nitems)
		return 0;
	for (size_t k = rb->items[item].first_ph; k < rb->items[item].first_ph + rb->items[item].nph; k++) {
		const struct runbook_placeholder *p = &rb->placeholders[k];
		bool dup = false;

		if (has_value(s, p))
			continue;
		for (size_t j = 0; j < n && j < max; j++)
			dup |= !strcmp(out[j]->var, p->var);
		if (dup)
			continue;
		if (n < max)
			out[n] = p;
		n++;
	}
	return n;
}

void runbook_session_value(const struct runbook_session *s, const struct runbook_placeholder *p, char *out,
                           size_t len)
{
	const char *v = s ? given(s, p->var) : NULL;

	text_copy(out, len, v ? v : "");
}

/* The placeholder a "NAME=value" line names, and where its value starts. */
static const struct runbook_placeholder *named(const struct runbook *rb, const char *line, const char **value)
{
	for (size_t i = 0; i < rb->nplaceholders; i++) {
		const struct runbook_placeholder *p = &rb->placeholders[i];
		const char *t = p->text;
		size_t n = strlen(t);
		const char *forms[3] = { t, p->var, NULL };
		size_t lens[3] = { n, strlen(p->var), 0 };

		if (p->kind == RBP_ANGLE && n > 2) {   /* <pod-name> as pod-name */
			forms[2] = t + 1;
			lens[2] = n - 2;
		} else if (p->kind == RBP_VAR) {       /* $NODE as NODE */
			forms[2] = p->var;
			lens[2] = strlen(p->var);
		}
		for (int f = 0; f < 3; f++)
			if (forms[f] && lens[f] && !strncmp(line, forms[f], lens[f]) && line[lens[f]] == '=') {
				*value = line + lens[f] + 1;
				return p;
			}
	}
	return NULL;
}

static int save_vars(struct runbook_session *s)
{
	char *vj = cJSON_PrintUnformatted(s->vars);
	int rc = 0;

	if (s->store && s->run_id > 0 && vj && runbook_store_vars(s->store, s->run_id, vj) != 0) {
		text_copy(s->store_err, sizeof s->store_err, runbook_store_error(s->store));
		rc = -1;
	}
	cJSON_free(vj);
	return rc;
}

int runbook_session_set_values(struct runbook_session *s, const char *text, char *summary, size_t slen)
{
	char said[600] = "", line[1100];
	const char *p = text ? text : "";
	size_t o = 0, given_n = 0;
	cJSON *d;

	if (!s || !s->rb) {
		snprintf(summary, slen, "no runbook is running");
		return -1;
	}
	while (*p) {
		const char *nl = strchr(p, '\n'), *value;
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		const struct runbook_placeholder *ph;
		cJSON *into;

		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), p);
		p = nl ? nl + 1 : p + n;
		if (!line[0])
			continue;
		ph = named(s->rb, line, &value);
		if (!ph) {
			snprintf(summary, slen, "%.60s: no placeholder of %s is named so (write <pod-name>=VALUE)", line,
			         s->rb->name);
			return -1;
		}
		if (!*value) {
			snprintf(summary, slen, "%s needs a value: nothing changed", ph->text);
			return -1;
		}
		for (const unsigned char *c = (const unsigned char *)value; *c; c++)
			if (*c < 0x20 || *c == 0x7f) {
				snprintf(summary, slen, "the value of %s holds a control character: nothing changed", ph->text);
				return -1;
			}
		if (runbook_placeholder_secret(ph)) {
			if (!s->secrets)
				s->secrets = cJSON_CreateObject();
			into = s->secrets;
		} else {
			into = s->vars;
		}
		runbook_env_set(into, ph->var, value);
		if (o < sizeof said)
			o += (size_t)snprintf(said + o, sizeof said - o, "%s%s%s%s", given_n ? ", " : "", ph->text,
			                      into == s->secrets ? " (a secret, not shown)" : " = ",
			                      into == s->secrets ? "" : value);
		given_n++;
	}
	if (!given_n) {
		snprintf(summary, slen, "no value given: write <pod-name>=VALUE");
		return -1;
	}
	save_vars(s);
	{
		char *red = timeline_redact(said);

		snprintf(summary, slen, "values given in %s: %s", s->rb->name, red ? red : said);
		free(red);
	}
	d = cJSON_CreateObject();
	cJSON_AddStringToObject(d, "runbook", s->rb->name);
	cJSON_AddStringToObject(d, "values", summary);
	runbook_session_log(s, summary, d);
	cJSON_Delete(d);
	runbook_session_changed(s);
	return 0;
}

/* ---- offers ---- */

/* Letters and digits only, lower case: "<pod-name>" and ALERT_POD_NAME meet as "podname". */
static void squash(const char *in, char *out, size_t len)
{
	size_t o = 0;

	for (; *in && o + 1 < len; in++)
		if (isalnum((unsigned char)*in))
			out[o++] = (char)tolower((unsigned char)*in);
	out[o] = '\0';
}

static int fit(const struct runbook_placeholder *p, const char *entry)
{
	char var[128], want[128], have[128];
	const char *eq = strchr(entry, '=');
	const char *name = var;

	snprintf(var, sizeof var, "%.*s", (int)(eq ? eq - entry : 0), entry);
	if (!strncmp(name, "ALERT_", 6))
		name += 6;
	squash(p->kind == RBP_ANGLE || p->kind == RBP_PATH ? p->var + 6 : p->var, want, sizeof want);
	squash(name, have, sizeof have);
	if (!want[0] || !have[0])
		return 0;
	if (!strcmp(want, have))
		return 3;
	if (strstr(want, have) || strstr(have, want))
		return 2;
	return 0;
}

size_t runbook_session_offers(const struct runbook_session *s, const struct runbook_placeholder *p,
                              char (*out)[256], size_t max, size_t *exact)
{
	char vars[64][256];
	size_t n = s ? runbook_session_vars(s, vars, 64) : 0, o = 0;

	if (exact)
		*exact = 0;
	/* the alert's labels before the console's own: they name what fired */
	for (int score = 3; score >= 0; score--)
		for (int alert = 1; alert >= 0; alert--)
			for (size_t i = 0; i < n && o < max; i++)
				if (fit(p, vars[i]) == score && (strncmp(vars[i], "ALERT_", 6) == 0) == alert &&
				    strncmp(vars[i], "VALUE_", 6) != 0 && !strstr(vars[i], "=(hidden)")) {
					memcpy(out[o++], vars[i], sizeof vars[i]);
					if (score == 3 && exact)
						(*exact)++;
				}
	return o;
}

/* ---- the command as it runs ---- */

struct rewrite {
	struct runbook_session *s;
	const char *cmd;
	struct text_buf out;
	size_t at;
};

static void rewrite_hit(void *arg, const struct runbook_ph_hit *h)
{
	struct rewrite *r = arg;
	char var[64], ref[96];
	const char *v;

	if (h->kind == RBP_VAR)
		return;   /* the environment gives it as it is written */
	text_buf_add(&r->out, r->cmd + r->at, h->off - r->at);
	r->at = h->off + h->len;
	runbook_ph_var(h->kind, r->cmd + h->off, h->len, var, sizeof var);
	switch (h->quote) {
	case '\'':
		snprintf(ref, sizeof ref, "'\"${%s}\"'", var);   /* out of the single quotes and back */
		break;
	case '"': case 'h':
		snprintf(ref, sizeof ref, "${%s}", var);
		break;
	case 'H':
		/* a quoted here-document expands nothing: its body takes the value as data */
		v = given(r->s, var);
		text_buf_str(&r->out, v ? v : "");
		return;
	default:
		snprintf(ref, sizeof ref, "\"${%s}\"", var);
	}
	text_buf_str(&r->out, ref);
}

char *runbook_session_command(struct runbook_session *s, size_t item)
{
	struct rewrite r = { .s = s };

	if (!s || !s->rb || item >= s->rb->nitems)
		return NULL;
	r.cmd = s->rb->items[item].text;
	if (!s->rb->items[item].nph)
		return strdup(r.cmd);
	runbook_ph_scan(r.cmd, rewrite_hit, &r);
	text_buf_str(&r.out, r.cmd + r.at);
	if (r.out.oom) {
		text_buf_free(&r.out);
		return NULL;
	}
	return r.out.s ? r.out.s : strdup("");
}

/* ---- the form's preview ---- */

struct preview {
	const char *cmd;
	runbook_value_fn value;
	void *arg;
	struct text_buf out;
	size_t at;
};

static void preview_hit(void *arg, const struct runbook_ph_hit *h)
{
	struct preview *pv = arg;
	char var[64];
	const char *v;

	runbook_ph_var(h->kind, pv->cmd + h->off, h->len, var, sizeof var);
	v = pv->value(var, pv->arg);
	if (!v || !*v)
		return;   /* left as written */
	text_buf_add(&pv->out, pv->cmd + pv->at, h->off - pv->at);
	text_buf_str(&pv->out, v);
	pv->at = h->off + h->len;
}

char *runbook_command_preview(const struct runbook *rb, size_t item, runbook_value_fn value, void *arg)
{
	struct preview pv = { .value = value, .arg = arg };

	if (!rb || item >= rb->nitems)
		return NULL;
	pv.cmd = rb->items[item].text;
	runbook_ph_scan(pv.cmd, preview_hit, &pv);
	text_buf_str(&pv.out, pv.cmd + pv.at);
	if (pv.out.oom) {
		text_buf_free(&pv.out);
		return NULL;
	}
	return pv.out.s ? pv.out.s : strdup("");
}
