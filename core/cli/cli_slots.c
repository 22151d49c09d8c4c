/* cli_slots — `warroom status` and `warroom rollback` without a screen: the
 * same slot model, planner and executor as the console, on a loop of their
 * own. status exits 0 healthy, 1 degraded, 2 outage, 3 when the cluster
 * cannot be read; rollback exits 0 only when the result is verified. And
 * `warroom autosync`, the rollback's Argo CD follow-up. */
#include "warroom/cli.h"
#include "warroom/alertmgr.h"
#include "warroom/config.h"
#include "warroom/http.h"
#include "warroom/kube.h"
#include "warroom/loop.h"
#include "warroom/prom.h"
#include "warroom/rollback.h"
#include "warroom/slots.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"
#include "warroom/timeline.h"
#include "warroom/text.h"

#include <cJSON.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The clients of the console's own opener, so the bastion's tunnels carry
 * what the config marks via_bastion here too. */
struct env {
	struct loop *loop;
	struct sources src;
	struct kube *kube;
	struct prom_poller *signals;   /* status: the golden signals */
};

static void env_close(struct env *e)
{
	prom_poller_stop(e->signals);
	sources_close(&e->src);
	prom_poller_free(e->signals);   /* after the HTTP engine: its answers are dropped */
	loop_free(e->loop);
	memset(e, 0, sizeof *e);
}

/* 0, or an exit code with the words on stderr. */
static int env_open(struct env *e, const struct config *cfg, const char *cmd)
{
	char err[1024];

	memset(e, 0, sizeof *e);
	e->loop = loop_new();
	if (!e->loop || sources_open(&e->src, e->loop, cfg, err, sizeof err) != 0) {
		fprintf(stderr, "warroom %s: cannot start the event loop\n", cmd);
		env_close(e);
		return EXIT_UNREACHABLE;
	}
	cli_ssh_ui(e->src.ssh);
	if (!e->src.kube) {
		fprintf(stderr, "warroom %s: %s\n", cmd, e->src.kube_error);
		env_close(e);
		return EXIT_UNREACHABLE;
	}
	e->kube = e->src.kube;
	return EXIT_OK;
}

/* ---------- alerts (Alertmanager v2), for status ---------- */

struct alerts {
	const struct config *cfg;   /* which severities are critical */
	bool wanted, done, ok;
	char err[300];
	int critical, warning, other;
	char names[400];
};

static void alerts_done(const struct http_resp *resp, void *arg)
{
	struct alerts *a = arg;
	a->done = true;
	if (resp->err != HTTP_OK || resp->status != 200) {
		if (resp->err != HTTP_OK)
			snprintf(a->err, sizeof a->err, "%s", resp->errmsg);
		else
			snprintf(a->err, sizeof a->err, "HTTP %ld from Alertmanager", resp->status);
		return;
	}
	struct model_alerts al;
	memset(&al, 0, sizeof al);
	if (alertmgr_parse_alerts(resp->body, resp->len, a->cfg, &al, a->err, sizeof a->err) != 0)
		return;
	a->ok = true;
	a->critical = al.critical;
	a->warning = al.warning;
	a->other = (int)al.total - al.critical - al.warning;
	size_t n = 0;
	for (size_t i = 0; i < al.n && n < sizeof a->names; i++)
		if (!strstr(a->names, al.a[i].name))
			n += (size_t)snprintf(a->names + n, sizeof a->names - n, "%s%s", n ? ", " : "", al.a[i].name);
}

static void alerts_start(struct env *e, const struct config *cfg, struct alerts *a, char *token, size_t toklen)
{
	a->cfg = cfg;
	if (!cfg->alertmanager.url[0])
		return;
	char url[700], msg[200];
	const char *base = cfg->alertmanager.url;
	size_t bl = strlen(base);
	while (bl > 0 && base[bl - 1] == '/')
		bl--;
	snprintf(url, sizeof url, "%.*s/api/v2/alerts?active=true&silenced=false&inhibited=false", (int)bl, base);
	if (config_read_secret_msg(&cfg->alertmanager, token, toklen, msg, sizeof msg) != 0) {
		snprintf(a->err, sizeof a->err, "token: %s", msg);
		a->wanted = true;
		a->done = true;
		return;
	}
	struct http_req req = {
		.url = url,
		.bearer_token = token[0] ? token : NULL,
		.ca_file = cfg->alertmanager.ca_file[0] ? cfg->alertmanager.ca_file : NULL,
		.insecure = cfg->alertmanager.insecure,
		.timeout_ms = cfg->alertmanager.timeout_ms > 0 ? cfg->alertmanager.timeout_ms : 5000,
	};
	char route[600];
	if (cfg->alertmanager.via_bastion) {
		if (sources_route(&e->src, "Alertmanager", base, route, sizeof route, a->err, sizeof a->err) != 0) {
			a->wanted = true;
			a->done = true;
			return;
		}
		req.connect_to = route;
	}
	a->wanted = true;
	if (!http_request(e->src.http, &req, alerts_done, a)) {
		a->done = true;
		snprintf(a->err, sizeof a->err, "could not start the request");
	}
}

/* ---------- the golden signals, for status ---------- */

struct signals {
	struct prom_poller *pp;
	struct model_metrics mm;
	bool done, ok;
	char err[300];
};

static const char *const signal_names[MET_COUNT] = {
	[MET_RPS] = "req/s", [MET_ERRORS] = "5xx", [MET_P95] = "P95", [MET_P99] = "P99", [MET_QUEUE] = "queue",
};
static const char *const signal_keys[MET_COUNT] = {
	[MET_RPS] = "requests_per_second", [MET_ERRORS] = "error_ratio", [MET_P95] = "p95_seconds",
	[MET_P99] = "p99_seconds", [MET_QUEUE] = "offline_queue",
};

static void signals_done(bool ok, const char *err, void *arg)
{
	struct signals *g = arg;

	g->done = true;
	g->ok = ok;
	snprintf(g->err, sizeof g->err, "%s", err ? err : "");
}

static void signals_start(struct env *e, struct signals *g)
{
	g->pp = e->signals = sources_signals_new(&e->src, &g->mm, signals_done, g);
	if (g->pp)
		source_refresh(prom_poller_source(g->pp));
	else
		g->done = true;
}

/* A signal's value and what it is in words: never a bare "n/a". */
static void signal_words(enum metric_id id, const struct model_series *s, char *val, size_t vlen, char *why,
                         size_t wlen)
{
	why[0] = '\0';
	prom_signal_format(id, s->last, val, vlen);
	switch (s->answer) {
	case MODEL_ANS_NAN:
		snprintf(val, vlen, "NaN");
		snprintf(why, wlen, "not a number: %s answered NaN (zero divided by zero gives it, such as a "
		         "ratio over no requests)", s->query);
		break;
	case MODEL_ANS_EMPTY:
		snprintf(why, wlen, "%s matched no series", s->query);
		break;
	case MODEL_ANS_ZERO:
		snprintf(why, wlen, "no 5xx series while requests are counted");
		break;
	case MODEL_ANS_FAILED:
		snprintf(val, vlen, "unknown");
		snprintf(why, wlen, "%s", s->error);
		break;
	case MODEL_ANS_VALUE:
		if (isinf(s->last))
			snprintf(why, wlen, "%s answered %s", s->query, val);
		break;
	case MODEL_ANS_NONE:
		snprintf(val, vlen, "unknown");
		snprintf(why, wlen, "not asked");
		break;
	}
}

static void print_signals(const struct signals *g, const char *url)
{
	char val[48], why[600];

	if (!g->pp)
		return;
	if (!g->ok) {
		printf("\nsignals: unknown (%s)\n", g->err[0] ? g->err : "no answer from Prometheus");
		return;
	}
	printf("\nsignals (the last minute, %s):\n", url);
	for (int i = 0; i < MET_COUNT; i++) {
		signal_words((enum metric_id)i, &g->mm.s[i], val, sizeof val, why, sizeof why);
		printf("  %-6s %8s%s%s\n", signal_names[i], val, why[0] ? "  " : "", why);
	}
}

static void signals_json(cJSON *root, const struct signals *g)
{
	cJSON *o;
	char val[48], why[600];

	if (!g->pp)
		return;
	o = cJSON_AddObjectToObject(root, "signals");
	cJSON_AddBoolToObject(o, "ok", g->ok);
	if (!g->ok) {
		cJSON_AddStringToObject(o, "error", g->err);
		return;
	}
	for (int i = 0; i < MET_COUNT; i++) {
		const struct model_series *s = &g->mm.s[i];
		cJSON *one = cJSON_AddObjectToObject(o, signal_keys[i]);

		signal_words((enum metric_id)i, s, val, sizeof val, why, sizeof why);
		if (isfinite(s->last))
			cJSON_AddNumberToObject(one, "value", s->last);
		else
			cJSON_AddNullToObject(one, "value");
		cJSON_AddStringToObject(one, "text", val);
		cJSON_AddStringToObject(one, "query", s->query);
		if (why[0])
			cJSON_AddStringToObject(one, "why", why);
	}
}

/* ---------- status ---------- */

struct status_wait {
	bool slots_done;
	struct slots_state st;
	struct alerts *alerts;
	struct signals *signals;
	bool done;
};

static void status_slots(const struct slots_state *st, void *arg)
{
	struct status_wait *w = arg;
	w->slots_done = true;
	w->st = *st;
	w->done = (!w->alerts->wanted || w->alerts->done) && w->signals->done;
}

static void print_status(const struct slots_state *st, const struct alerts *a, const struct signals *g,
                         const char *context, const char *prom_url)
{
	printf("%s in %s (context %s): %s\n", st->service, st->namespace_, context, slots_health_name(st->health));
	if (st->active >= 0)
		printf("traffic -> %s   selector %s   %d endpoint%s, %d ready\n", st->slot[st->active].name, st->selector,
		       (int)st->nendpoints, st->nendpoints == 1 ? "" : "s", st->endpoints_ready);
	else
		printf("traffic -> %s   selector %s\n", st->both ? "BOTH slots" : "no slot", st->selector[0] ? st->selector : "-");
	printf("phase: %s%s%s\n", slots_phase_name(st->phase), st->phase_note[0] ? "  " : "", st->phase_note);
	printf("\n%-8s %-8s %-6s %-6s %-6s %-9s %-5s %s\n", "SLOT", "ROLE", "READY", "AVAIL", "UPDATED", "RESTARTS", "REV",
	       "IMAGE");
	for (int i = 0; i < st->nslots; i++) {
		const struct slots_slot *s = &st->slot[i];
		char ready[16];
		snprintf(ready, sizeof ready, "%d/%d", s->ready, s->desired);
		printf("%-8s %-8s %-6s %-6d %-7d %-9d %-5ld %s%s\n", s->name,
		       i == st->active ? "ACTIVE" : (s->found ? "standby" : "missing"), ready, s->available, s->updated,
		       s->restarts, s->revision, s->image[0] ? s->image : "-",
		       s->progress_deadline_exceeded ? "  (ProgressDeadlineExceeded)" : "");
	}
	if (st->npods) {
		printf("\n%-40s %-8s %-6s %-9s %-18s %s\n", "POD", "SLOT", "READY", "RESTARTS", "STATUS", "AGE");
		int64_t now = time(NULL) * (int64_t)1000;
		for (size_t i = 0; i < st->npods; i++) {
			const struct slots_pod *p = &st->pods[i];
			char age[16];
			text_age(p->created_wall_ms ? now - p->created_wall_ms : 0, age, sizeof age);
			printf("%-40s %-8s %-6s %-9d %-18s %s\n", p->name, p->slot >= 0 ? st->slot[p->slot].name : "-",
			       p->ready ? "yes" : "NO", p->restarts,
			       p->terminating ? "Terminating" : (p->waiting[0] ? p->waiting : p->phase), age);
		}
		for (int i = 0; i < st->nslots; i++)
			if (st->slot[i].pods_more)
				printf("(%s: the first %d of its %d pods; its counts are the Deployment's)\n",
				       st->slot[i].name, st->slot[i].pods_listed, st->slot[i].pods);
	}
	if (st->nwarnings) {
		printf("\n");
		for (size_t i = 0; i < st->nwarnings; i++)
			printf("%s %s\n", st->warnings[i].critical ? "!!" : " !", st->warnings[i].text);
	}
	if (a->wanted) {
		if (a->ok)
			printf("\nalerts: %d firing (%d critical, %d warning)%s%s\n", a->critical + a->warning + a->other,
			       a->critical, a->warning, a->names[0] ? ": " : "", a->names);
		else
			printf("\nalerts: unknown (Alertmanager: %s)\n", a->err);
	}
	print_signals(g, prom_url);
}

static char *status_json(const struct slots_state *st, const struct alerts *a, const struct signals *g,
                         int code, int64_t now)
{
	char *sj = slots_to_json(st, now);
	cJSON *root = sj ? cJSON_Parse(sj) : cJSON_CreateObject();
	free(sj);
	cJSON_AddNumberToObject(root, "exit_code", code);
	if (a->wanted) {
		cJSON *al = cJSON_AddObjectToObject(root, "alerts");
		cJSON_AddBoolToObject(al, "ok", a->ok);
		if (a->ok) {
			cJSON_AddNumberToObject(al, "critical", a->critical);
			cJSON_AddNumberToObject(al, "warning", a->warning);
			cJSON_AddNumberToObject(al, "other", a->other);
			cJSON_AddStringToObject(al, "names", a->names);
		} else {
			cJSON_AddStringToObject(al, "error", a->err);
		}
	}
	signals_json(root, g);
	char *out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}

int cli_status(int argc, char **argv, const struct config *cfg)
{
	bool json = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else {
			fprintf(stderr, "usage: warroom status [--json]\n"
			        "       exit 0 healthy, 1 degraded, 2 outage, 3 cluster unreachable\n");
			return EXIT_USAGE;
		}
	}
	struct env e;
	int rc = env_open(&e, cfg, "status");
	if (rc)
		return rc;
	struct alerts alerts;
	memset(&alerts, 0, sizeof alerts);
	struct status_wait *w = calloc(1, sizeof *w);
	if (!w) {
		env_close(&e);
		return EXIT_UNREACHABLE;
	}
	w->alerts = &alerts;
	struct signals *signals = calloc(1, sizeof *signals);
	if (!signals) {
		free(w);
		env_close(&e);
		return EXIT_UNREACHABLE;
	}
	w->signals = signals;
	char token[4096] = "";
	alerts_start(&e, cfg, &alerts, token, sizeof token);
	signals_start(&e, signals);
	struct slots_poller *p = slots_poller_new(e.loop, e.kube, cfg, status_slots, w);
	slots_poller_refresh(p);
	while (!w->done && !loop_stopped(e.loop)) {
		if (loop_run_once(e.loop, 1000) < 0)
			break;
		if (w->slots_done && (!alerts.wanted || alerts.done) && signals->done)
			w->done = true;
	}
	memset(token, 0, sizeof token);
	slots_poller_free(p);
	cli_ssh_report("status", e.src.ssh);
	const struct slots_state *st = &w->st;
	int64_t now = loop_now_ms();
	if (!st->updated_ms) {
		fprintf(stderr, "warroom status: cannot read the cluster: %s\n", st->last_error[0] ? st->last_error : "no answer");
		rc = EXIT_UNREACHABLE;
		if (json) {
			cJSON *root = cJSON_CreateObject();
			cJSON_AddStringToObject(root, "health", "unknown");
			cJSON_AddStringToObject(root, "error", st->last_error);
			cJSON_AddNumberToObject(root, "exit_code", rc);
			char *s = cJSON_Print(root);
			printf("%s\n", s);
			free(s);
			cJSON_Delete(root);
		}
	} else {
		rc = st->health == SLOTS_OUTAGE ? EXIT_OUTAGE : st->health == SLOTS_DEGRADED ? EXIT_DEGRADED : EXIT_OK;
		if (rc == EXIT_OK && alerts.ok && alerts.critical > 0)
			rc = EXIT_DEGRADED;   /* pods fine, but the service is failing its users */
		if (json) {
			char *s = status_json(st, &alerts, signals, rc, now);
			printf("%s\n", s ? s : "{}");
			free(s);
		} else {
			print_status(st, &alerts, signals, kube_context(e.kube), cfg->prometheus.url);
		}
	}
	free(w);
	env_close(&e);
	free(signals);
	return rc;
}

static const char rollback_usage[] =
	"usage: warroom rollback [--strategy auto|selector|scale-switch|undo|argocd] [--dry-run] [--yes]\n"
	"       prints the plan, asks Proceed? [y/N] (or --yes), executes, verifies;\n"
	"       exit 0 only when traffic is verified on the target\n";

int cli_rollback(int argc, char **argv, const struct config *cfg)
{
	enum rollback_strategy strategy = ROLLBACK_AUTO;
	bool dry_run = false, yes = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry_run = true;
		} else if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0) {
			yes = true;
		} else if (strcmp(argv[i], "--strategy") == 0 && i + 1 < argc) {
			if (rollback_strategy_parse(argv[++i], &strategy) != 0) {
				fprintf(stderr, "warroom rollback: unknown strategy \"%s\"\n%s", argv[i], rollback_usage);
				return EXIT_USAGE;
			}
		} else if (strncmp(argv[i], "--strategy=", 11) == 0) {
			if (rollback_strategy_parse(argv[i] + 11, &strategy) != 0) {
				fprintf(stderr, "warroom rollback: unknown strategy \"%s\"\n%s", argv[i] + 11, rollback_usage);
				return EXIT_USAGE;
			}
		} else {
			fprintf(stderr, "%s", rollback_usage);
			return EXIT_USAGE;
		}
	}
	struct action_args args = { .text = rollback_strategy_name(strategy), .dry_run = dry_run, .unattended = yes };
	return cli_run_action(ACTION_ROLLBACK, &args, yes, cfg, "rollback");
}

static const char autosync_usage[] =
	"usage: warroom autosync [--override] [--yes]\n"
	"       re-enables Argo CD auto-sync with the settings the rollback turned off, once Git\n"
	"       deploys what runs now; --override does it anyway (recorded)\n";

int cli_autosync(int argc, char **argv, const struct config *cfg)
{
	bool yes = false, override = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0) {
			yes = true;
		} else if (strcmp(argv[i], "--override") == 0) {
			override = true;
		} else {
			fprintf(stderr, "%s", autosync_usage);
			return EXIT_USAGE;
		}
	}
	struct action_args args = { .text = override ? "override" : NULL };
	return cli_run_action(ACTION_AUTOSYNC, &args, yes, cfg, "autosync");
}
