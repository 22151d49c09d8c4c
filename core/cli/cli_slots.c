/* cli_slots — `warroom status` and `warroom rollback` without a screen: the
 * same slot model, planner and executor as the console, on a loop of their
 * own. status exits 0 healthy, 1 degraded, 2 outage, 3 when the cluster
 * cannot be read; rollback exits 0 only when the result is verified. And
 * `warroom autosync`, the rollback's Argo CD follow-up. */
#include "warroom/cli.h"
#include "warroom/config.h"
#include "warroom/deploy.h"
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
#include <signal.h>
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
};

static void env_close(struct env *e)
{
	sources_close(&e->src);
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

/* ---------- the golden signals, for status ---------- */

static const char *const signal_names[MET_COUNT] = {
	[MET_RPS] = "req/s", [MET_ERRORS] = "5xx", [MET_P95] = "P95", [MET_P99] = "P99", [MET_QUEUE] = "queue",
};
static const char *const signal_keys[MET_COUNT] = {
	[MET_RPS] = "requests_per_second", [MET_ERRORS] = "error_ratio", [MET_P95] = "p95_seconds",
	[MET_P99] = "p99_seconds", [MET_QUEUE] = "offline_queue",
};

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

/* Whether the golden signals were asked and answered (or failed): there is a
 * Prometheus to ask. */
static bool signals_wanted(const struct model *m)
{
	return m->src[SRC_PROM].state != SRC_UNCONFIGURED;
}

static bool signals_ok(const struct model *m)
{
	return m->metrics.updated_ms != 0;
}

static void print_signals(const struct model *m, const char *url)
{
	char val[48], why[600];

	if (!signals_wanted(m))
		return;
	if (!signals_ok(m)) {
		printf("\nsignals: unknown (%s)\n", m->src[SRC_PROM].error[0] ? m->src[SRC_PROM].error :
		       "no answer from Prometheus");
		return;
	}
	printf("\nsignals (the last minute, %s):\n", url);
	for (int i = 0; i < MET_COUNT; i++) {
		signal_words((enum metric_id)i, &m->metrics.s[i], val, sizeof val, why, sizeof why);
		printf("  %-6s %8s%s%s\n", signal_names[i], val, why[0] ? "  " : "", why);
	}
}

static void signals_json(cJSON *root, const struct model *m)
{
	cJSON *o;
	char val[48], why[600];

	if (!signals_wanted(m))
		return;
	o = cJSON_AddObjectToObject(root, "signals");
	cJSON_AddBoolToObject(o, "ok", signals_ok(m));
	if (!signals_ok(m)) {
		cJSON_AddStringToObject(o, "error", m->src[SRC_PROM].error);
		return;
	}
	for (int i = 0; i < MET_COUNT; i++) {
		const struct model_series *s = &m->metrics.s[i];
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

#define STATUS_WAIT_MS 15000   /* the deployment model's rebuild, at most */

/* The first round of every source that can answer, and the deployment
 * model rebuilt from history. */
static bool status_ready(const struct model *m, int64_t since)
{
	bool slots = m->slots && m->slots->generation > 0;
	bool alerts = m->src[SRC_ALERTMGR].state == SRC_UNCONFIGURED || m->src[SRC_ALERTMGR].state == SRC_DOWN ||
	              m->alerts.updated_ms;
	bool signals = !signals_wanted(m) || m->src[SRC_PROM].state == SRC_DOWN || signals_ok(m);
	const struct deploy *d = deploy_of(m);

	if (!slots || !alerts || !signals)
		return false;
	if (!m->slots->updated_ms)
		return true;   /* the cluster cannot be read: nothing to rebuild */
	return (d && d->rebuilt) || loop_now_ms() - since > STATUS_WAIT_MS;
}

static void alert_names(const struct model *m, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->alerts.n && n < len; i++)
		if (!strstr(buf, m->alerts.a[i].name))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", m->alerts.a[i].name);
}

static void print_status(const struct model *m, const char *context)
{
	const struct slots_state *st = m->slots;
	const struct deploy *d = deploy_of(m);
	char line[600];

	printf("%s in %s (context %s): %s\n", st->service, st->namespace_, context, slots_health_name(st->health));
	if (st->active >= 0)
		printf("traffic -> %s   selector %s   %d endpoint%s, %d ready\n", st->slot[st->active].name, st->selector,
		       (int)st->nendpoints, st->nendpoints == 1 ? "" : "s", st->endpoints_ready);
	else
		printf("traffic -> %s   selector %s\n", st->both ? "BOTH slots" : "no slot", st->selector[0] ? st->selector : "-");
	if (st->rollout.name[0]) {
		const struct rollout_state *ro = &st->rollout;
		rollout_summary_line(ro, loop_wall_ms(), line, sizeof line);
		printf("%s\n", line);
		rollout_steps_line(ro, line, sizeof line);
		if (line[0])
			printf("%s\n", line);
		for (int i = 0; i < ro->nruns; i++) {
			rollout_run_line(&ro->runs[i], line, sizeof line);
			printf("%s\n", line);
			for (int k = 0; k < ro->runs[i].nmetrics; k++) {
				rollout_metric_line(&ro->runs[i].metric[k], line, sizeof line);
				printf("  %s\n", line);
			}
		}
	}
	if (d) {
		deploy_stage_line(d, loop_wall_ms(), line, sizeof line);
		printf("deployment: %s\n", line);
		char word[40];

		snprintf(word, sizeof word, "warroom %s", deploy_target_action(d));
		deploy_banner(d, word, "-", line, sizeof line);
		if (line[0])
			printf("!! %s\n", line);
		else if (m->src[SRC_PROM].state == SRC_DOWN)
			printf("!! the rollback rules are not judged: Prometheus: %s\n", m->src[SRC_PROM].error);
	}
	int sw = st->rollout.name[0] ? 11 : 8;   /* a Rollout's slots are pod-template hashes */
	printf("\n%-*s %-8s %-6s %-6s %-6s %-9s %-5s %s\n", sw, "SLOT", "ROLE", "READY", "AVAIL", "UPDATED",
	       "RESTARTS", "REV", "IMAGE");
	for (int i = 0; i < st->nslots; i++) {
		const struct slots_slot *s = &st->slot[i];
		char ready[16];
		if (!s->name[0])
			continue;
		snprintf(ready, sizeof ready, "%d/%d", s->ready, s->desired);
		printf("%-*s %-8s %-6s %-6d %-7d %-9d %-5ld %s%s\n", sw, s->name,
		       s->role[0] ? s->role : i == st->active ? "ACTIVE" : (s->found ? "standby" : "missing"), ready,
		       s->available, s->updated,
		       s->restarts, s->revision, s->image[0] ? s->image : "-",
		       s->progress_deadline_exceeded ? "  (ProgressDeadlineExceeded)" : "");
	}
	if (st->npods) {
		printf("\n%-40s %-*s %-6s %-9s %-18s %s\n", "POD", sw, "SLOT", "READY", "RESTARTS", "STATUS", "AGE");
		int64_t now = time(NULL) * (int64_t)1000;
		for (size_t i = 0; i < st->npods; i++) {
			const struct slots_pod *p = &st->pods[i];
			char age[16];
			text_age(p->created_wall_ms ? now - p->created_wall_ms : 0, age, sizeof age);
			printf("%-40s %-*s %-6s %-9d %-18s %s\n", p->name, sw, p->slot >= 0 ? st->slot[p->slot].name : "-",
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
	if (m->src[SRC_ALERTMGR].state != SRC_UNCONFIGURED) {
		if (m->alerts.updated_ms) {
			alert_names(m, line, sizeof line);
			printf("\nalerts: %zu firing (%d critical, %d warning)%s%s\n", m->alerts.total, m->alerts.critical,
			       m->alerts.warning, line[0] ? ": " : "", line);
		} else {
			printf("\nalerts: unknown (Alertmanager: %s)\n", m->src[SRC_ALERTMGR].error);
		}
	}
	print_signals(m, m->cfg->prometheus.url);
}

static char *status_json(const struct model *m, int code, int64_t now)
{
	char *sj = slots_to_json(m->slots, now), names[400];
	cJSON *root = sj ? cJSON_Parse(sj) : cJSON_CreateObject();
	const struct deploy *d = deploy_of(m);

	free(sj);
	cJSON_AddNumberToObject(root, "exit_code", code);
	if (d) {
		char *dj = deploy_to_json(d, loop_wall_ms());

		cJSON_AddItemToObject(root, "deployment", dj ? cJSON_Parse(dj) : cJSON_CreateNull());
		free(dj);
	}
	if (m->src[SRC_ALERTMGR].state != SRC_UNCONFIGURED) {
		cJSON *al = cJSON_AddObjectToObject(root, "alerts");
		bool ok = m->alerts.updated_ms != 0;

		cJSON_AddBoolToObject(al, "ok", ok);
		if (ok) {
			alert_names(m, names, sizeof names);
			cJSON_AddNumberToObject(al, "critical", m->alerts.critical);
			cJSON_AddNumberToObject(al, "warning", m->alerts.warning);
			cJSON_AddNumberToObject(al, "other", (double)m->alerts.total - m->alerts.critical - m->alerts.warning);
			cJSON_AddStringToObject(al, "names", names);
		} else {
			cJSON_AddStringToObject(al, "error", m->src[SRC_ALERTMGR].error);
		}
	}
	signals_json(root, m);
	char *out = cJSON_Print(root);
	cJSON_Delete(root);
	return out;
}

/* ---------- status --follow: one line per change of the slots ---------- */

struct follow {
	char last[1200];
	bool json;
	const struct slots_watcher *watcher;
};

static void follow_line(struct model *m, unsigned changed, void *arg)
{
	struct follow *f = arg;
	const struct slots_state *st = m->slots;
	char key[1200];

	if (!(changed & DIRTY_SLOTS) || !st || !st->updated_ms)
		return;
	struct slots_watch_counts wc = { 0 };

	if (f->watcher)
		slots_watcher_counts(f->watcher, &wc);
	/* a watch opening, closing or falling back to lists is a change too, and
	 * so is a Rollout's step, pause, abort or weight */
	const struct rollout_state *ro = &st->rollout;

	snprintf(key, sizeof key, "%s|%s|%s|%d|%s|%d|%d|%s|%d|%d|%d|%d|%s",
	         st->active >= 0 ? st->slot[st->active].name : "", st->selector, slots_health_name(st->health),
	         st->live, st->watch_note, wc.open, wc.polling, ro->phase, ro->current_step, ro->abort,
	         ro->paused || ro->pause_reason[0], ro->weight, ro->stable_hash);
	if (strcmp(key, f->last) == 0)
		return;
	text_copy(f->last, sizeof f->last, key);
	if (f->json) {
		struct slots_watch_counts c = { 0 };
		cJSON *o = cJSON_CreateObject();
		char *line;

		if (f->watcher)
			slots_watcher_counts(f->watcher, &c);
		/* the time the change arrived, beside the time it is printed */
		cJSON_AddNumberToObject(o, "time_ms", (double)loop_wall_ms());
		cJSON_AddStringToObject(o, "active", st->active >= 0 ? st->slot[st->active].name : "");
		cJSON_AddStringToObject(o, "selector", st->selector);
		cJSON_AddStringToObject(o, "health", slots_health_name(st->health));
		cJSON_AddBoolToObject(o, "live", st->live);
		cJSON_AddStringToObject(o, "watch_note", st->watch_note);
		cJSON_AddNumberToObject(o, "changed_ms", (double)st->changed_wall_ms);
		cJSON_AddNumberToObject(o, "active_seen_ms", (double)st->active_seen_wall_ms);
		if (ro->name[0]) {
			cJSON *r = cJSON_AddObjectToObject(o, "rollout");

			cJSON_AddBoolToObject(r, "found", ro->found);
			cJSON_AddStringToObject(r, "phase", ro->phase);
			cJSON_AddNumberToObject(r, "step", ro->current_step);
			cJSON_AddBoolToObject(r, "abort", ro->abort);
			cJSON_AddBoolToObject(r, "paused", ro->paused || ro->pause_reason[0]);
			cJSON_AddNumberToObject(r, "weight", ro->weight);
			cJSON_AddStringToObject(r, "stable", ro->stable_hash);
			cJSON_AddStringToObject(r, "current", ro->current_hash);
		}
		if (f->watcher) {
			cJSON *w = cJSON_AddObjectToObject(o, "watch");

			cJSON_AddNumberToObject(w, "watches", c.watches);
			cJSON_AddNumberToObject(w, "open", c.open);
			cJSON_AddNumberToObject(w, "polling", c.polling);
			cJSON_AddNumberToObject(w, "events", c.events);
			cJSON_AddNumberToObject(w, "duplicates", c.duplicates);
			cJSON_AddNumberToObject(w, "bookmarks", c.bookmarks);
			cJSON_AddNumberToObject(w, "relists", c.relists);
			cJSON_AddNumberToObject(w, "resumes", c.resumes);
			cJSON_AddNumberToObject(w, "lists", c.lists);
		}
		line = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		printf("%s\n", line ? line : "{}");
		free(line);
	} else {
		printf("%s active %s, %s%s%s\n", st->service, st->active >= 0 ? st->slot[st->active].name : "none",
		       slots_health_name(st->health), st->live ? ", live" : st->watch_note[0] ? ": " : "",
		       st->live ? "" : st->watch_note);
	}
	fflush(stdout);
}

/* C-c, a kill or a closed terminal ends it, its sources closed */
static void follow_signal(struct loop *loop, int signo, void *arg)
{
	(void)arg;
	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP)
		loop_stop(loop);
}

static int status_follow(struct env *e, const struct config *cfg, bool json)
{
	struct model m;
	struct follow f = { .json = json };

	model_init(&m, cfg, NULL);
	e->src.no_dash = true;
	if (model_watch_add(&m, follow_line, &f) != 0) {
		model_free(&m);
		env_close(e);
		return EXIT_UNREACHABLE;
	}
	loop_signals_watch(e->loop, follow_signal, NULL);
	sources_attach(&e->src, &m);
	f.watcher = e->src.watcher;   /* opened by the attach */
	while (!loop_stopped(e->loop))
		if (loop_run_once(e->loop, 1000) < 0)
			break;
	sources_close(&e->src);
	model_free(&m);
	loop_free(e->loop);
	return EXIT_OK;
}

int cli_status(int argc, char **argv, const struct config *cfg)
{
	bool json = false, follow = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--follow") == 0) {
			follow = true;
		} else {
			fprintf(stderr, "usage: warroom status [--json] [--follow]\n"
			        "       exit 0 healthy, 1 degraded, 2 outage, 3 cluster unreachable;\n"
			        "       --follow: one line per change of the slots (active, health, live), until killed\n");
			return EXIT_USAGE;
		}
	}
	struct env e;
	int rc = env_open(&e, cfg, "status");
	if (rc)
		return rc;
	if (follow)
		return status_follow(&e, cfg, json);
	char tl_err[512] = "";
	struct timeline *tl = timeline_open(cfg->db_path, cfg->operator_name, tl_err, sizeof tl_err);
	struct model m;
	struct deploy_core *dc;
	int64_t since = loop_now_ms();

	model_init(&m, cfg, tl);
	dc = deploy_install(&m, &(struct deploy_io){ .loop = e.loop, .prom = e.src.prom, .kube = e.kube });
	e.src.no_dash = true;
	sources_attach(&e.src, &m);
	while (!status_ready(&m, since) && !loop_stopped(e.loop) && loop_now_ms() - since < STATUS_WAIT_MS + 5000)
		if (loop_run_once(e.loop, 200) < 0)
			break;
	cli_ssh_report("status", e.src.ssh);
	const struct slots_state *st = m.slots;
	int64_t now = loop_now_ms();
	if (!st || !st->updated_ms) {
		const char *why = st && st->last_error[0] ? st->last_error : m.src[SRC_KUBE].error[0] ?
		                  m.src[SRC_KUBE].error : "no answer";
		fprintf(stderr, "warroom status: cannot read the cluster: %s\n", why);
		rc = EXIT_UNREACHABLE;
		if (json) {
			cJSON *root = cJSON_CreateObject();
			cJSON_AddStringToObject(root, "health", "unknown");
			cJSON_AddStringToObject(root, "error", why);
			cJSON_AddNumberToObject(root, "exit_code", rc);
			char *s = cJSON_Print(root);
			printf("%s\n", s);
			free(s);
			cJSON_Delete(root);
		}
	} else {
		rc = st->health == SLOTS_OUTAGE ? EXIT_OUTAGE : st->health == SLOTS_DEGRADED ? EXIT_DEGRADED : EXIT_OK;
		if (rc == EXIT_OK && m.alerts.updated_ms && m.alerts.critical > 0)
			rc = EXIT_DEGRADED;   /* pods fine, but the service is failing its users */
		if (json) {
			char *s = status_json(&m, rc, now);
			printf("%s\n", s ? s : "{}");
			free(s);
		} else {
			print_status(&m, kube_context(e.kube));
		}
	}
	deploy_core_stop(dc);
	sources_close(&e.src);
	deploy_core_free(dc);
	model_free(&m);
	timeline_close(tl);
	loop_free(e.loop);
	return rc;
}

static const char rollback_usage[] =
	"usage: warroom rollback [--strategy auto|selector|scale-switch|undo|argocd] [--dry-run] [--yes]\n"
	"                        [--confirm VERSION]\n"
	"       prints the plan, asks Proceed? [y/N] (or --yes), executes, verifies; a target that runs\n"
	"       the version just rolled back from wants that version typed (or --confirm VERSION);\n"
	"       exit 0 only when traffic is verified on the target\n";

int cli_rollback(int argc, char **argv, const struct config *cfg)
{
	enum rollback_strategy strategy = ROLLBACK_AUTO;
	bool dry_run = false, yes = false;
	const char *typed = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--confirm") == 0 && i + 1 < argc) {
			typed = argv[++i];
		} else if (strncmp(argv[i], "--confirm=", 10) == 0) {
			typed = argv[i] + 10;
		} else if (strcmp(argv[i], "--dry-run") == 0) {
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
	struct action_args args = { .text = rollback_strategy_name(strategy), .dry_run = dry_run, .unattended = yes,
	                            .typed = typed };
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
