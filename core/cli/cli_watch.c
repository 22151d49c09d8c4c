/* `warroom watch`: the deployment window headless, for a CI/CD pipeline,
 * started at any moment. The deployment model rebuilds itself from history
 * first: a window in progress is joined with the time it has left, one that
 * ended is said so and the live state judged once, otherwise the watch waits
 * for the next switch. One line per stage or rule change (--json: one JSON
 * object a line); the exit code says how the window ended, and with
 * --auto-rollback a recommendation runs the rollback action through the
 * action layer, its question answered "--auto-rollback" (never one that wants
 * a person: a changed plan, a switch back, a typed confirmation). */
#include "warroom/cli.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "warroom/actions.h"
#include "warroom/config.h"
#include "warroom/deploy.h"
#include "warroom/incident.h"
#include "warroom/loop.h"
#include "warroom/model.h"
#include "warroom/sources.h"
#include "warroom/ssh.h"
#include "warroom/text.h"
#include "warroom/timeline.h"

#define REBUILD_GIVE_UP_MS 30000    /* no slot data by then: the cluster cannot be read */

static const char watch_usage[] =
	"usage: warroom watch [--window DUR] [--auto-rollback] [--json]\n"
	"       joins the deployment window in progress (or says it ended and judges the live state once),\n"
	"       else follows the next traffic switch through its window; one line per stage or rule change\n"
	"       DUR: 300, 300s, 5m; exit 0 passed, 4 rolled back, 5 breached without rollback,\n"
	"       1 the rollback failed, 3 a source is unreachable, 130 interrupted\n";

enum watch_mode { W_REBUILDING, W_WAITING, W_WATCHING, W_ONCE };

struct watch_run {
	struct loop *loop;
	struct model *m;
	struct actions *q;
	bool auto_rollback, json;
	bool stop, rolling;
	enum watch_mode mode;
	enum deploy_stage printed;
	bool held[DRULE_COUNT], fired[DRULE_COUNT];
	bool announced, breach_said, recovered_said;
	char matrix_printed[DMATRIX_COUNT][240];
	bool cap_printed[DCAP_COUNT];     /* the capacity warnings said to stand */
	int rc;
	int64_t started_ms;
	struct action_result res;
};

/* "300", "300s", "5m", "1h": whole seconds, or -1. */
static long parse_dur(const char *s)
{
	int64_t ms = text_duration_ms(s, true);

	return ms >= 1000 ? (long)(ms / 1000) : -1;
}

/* One line: words, or with --json one object with the event, the time and
 * the model's own fields. */
static void say(struct watch_run *w, const char *event, cJSON *extra, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void say(struct watch_run *w, const char *event, cJSON *extra, const char *fmt, ...)
{
	char text[1024], ts[32];
	va_list ap;
	time_t t = time(NULL);
	struct tm tm;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	if (!w->json) {
		printf("%s\n", text);
		fflush(stdout);
		cJSON_Delete(extra);
		return;
	}
	{
		cJSON *o = extra ? extra : cJSON_CreateObject();
		char *s;

		gmtime_r(&t, &tm);
		strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
		cJSON_AddStringToObject(o, "time", ts);
		cJSON_AddStringToObject(o, "event", event);
		cJSON_AddStringToObject(o, "text", text);
		s = cJSON_PrintUnformatted(o);
		printf("%s\n", s ? s : "{}");
		fflush(stdout);
		free(s);
		cJSON_Delete(o);
	}
}

static cJSON *model_json(const struct deploy *d)
{
	char *s = deploy_to_json(d, loop_wall_ms());
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToObject(o, "deployment", s ? cJSON_Parse(s) : cJSON_CreateNull());
	free(s);
	return o;
}

static void end(struct watch_run *w, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void end(struct watch_run *w, int rc, const char *fmt, ...)
{
	char text[600];
	va_list ap;
	cJSON *o = cJSON_CreateObject();

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	cJSON_AddNumberToObject(o, "exit", rc);
	say(w, "end", o, "%s", text);
	w->rc = rc;
	w->stop = true;
	loop_stop(w->loop);
}

static void on_ask(uint64_t run, const struct action_question *q, void *arg)
{
	struct watch_run *w = arg;

	for (size_t i = 0; i < q->nlines; i++)
		say(w, "rollback", NULL, "  %s", q->lines[i].text);
	/* a changed plan, a switch back or a typed word waits for a person: the pipeline says no */
	if (q->operator_only || q->typed[0])
		actions_answer(w->q, run, false, q->typed[0] ? "no operator to type it (--auto-rollback)" :
		               "no operator (--auto-rollback)");
	else
		actions_answer(w->q, run, true, "--auto-rollback");
}

static void on_progress(uint64_t run, enum action_role role, const char *text, void *arg)
{
	(void)run;
	(void)role;
	say(arg, "rollback", NULL, "  %s", text);
}

static void on_done(const struct action_result *res, void *arg)
{
	struct watch_run *w = arg;

	w->res = *res;
	say(w, "rollback", NULL, "%s", res->summary);
	if (res->followup[0])
		say(w, "rollback", NULL, "FOLLOW-UP: %s", res->followup);
	if (res->outcome == ACTION_OK)
		end(w, EXIT_ROLLED_BACK, "rolled back: %s", res->summary);
	else
		end(w, res->outcome == ACTION_DECLINED ? EXIT_BREACHED : EXIT_FAILED, "the rollback did not run to the "
		    "end: %s", res->summary);
}

static void print_rules(struct watch_run *w, const struct deploy *d)
{
	for (int r = 0; r < DRULE_COUNT; r++) {
		const struct deploy_rule_state *s = &d->rule[r];
		char words[240];
		cJSON *o;

		if (s->holds == w->held[r] && s->fired == w->fired[r])
			continue;
		w->held[r] = s->holds;
		w->fired[r] = s->fired;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "rule", deploy_rule_name((enum deploy_rule)r));
		cJSON_AddBoolToObject(o, "holds", s->holds);
		cJSON_AddBoolToObject(o, "fired", s->fired);
		if (isfinite(s->value))
			cJSON_AddNumberToObject(o, "value", s->value);
		if (isfinite(s->limit))
			cJSON_AddNumberToObject(o, "limit", s->limit);
		if (!s->holds) {
			say(w, "rule", o, "rule %s: back under its line", deploy_rule_name((enum deploy_rule)r));
			continue;
		}
		deploy_rule_text(d, (enum deploy_rule)r, words, sizeof words);
		say(w, "rule", o, "rule %s: %s (%s)", deploy_rule_name((enum deploy_rule)r),
		    s->fired ? "BREACH" : "over its line", words);
	}
}

static void print_side(struct watch_run *w, const struct deploy *d)
{
	for (int i = 0; i < DMATRIX_COUNT; i++) {
		const struct deploy_matrix *mx = &d->matrix[i];

		if (mx->running || !mx->summary[0] || strcmp(mx->summary, w->matrix_printed[i]) == 0)
			continue;
		snprintf(w->matrix_printed[i], sizeof w->matrix_printed[i], "%s", mx->summary);
		say(w, "matrix", NULL, "matrix %s the switch: %s%s%s", i == DMATRIX_AFTER ? "after" :
		    mx->at_switch ? "at" : "before", mx->summary, mx->failed[0] ? ": " : "", mx->failed);
	}
	for (int i = 0; i < DCAP_COUNT; i++) {
		char text[200];

		if (d->cap[i].over == w->cap_printed[i])
			continue;
		w->cap_printed[i] = d->cap[i].over;
		deploy_capacity_text(d, (enum deploy_capacity)i, text, sizeof text);
		if (d->cap[i].over)
			say(w, "capacity", NULL, "capacity warning: %s", text);
		else
			say(w, "capacity", NULL, "capacity back under its line: %s",
			    deploy_capacity_name((enum deploy_capacity)i));
	}
	if (d->stage == DEPLOY_ROLLED_BACK && d->recovered && !w->recovered_said) {
		w->recovered_said = true;
		say(w, "recovered", NULL, "recovered: the signals are back under the lines before the deployment");
	}
}

static void print_stage(struct watch_run *w, const struct deploy *d)
{
	char line[400];

	if (d->stage == w->printed)
		return;
	w->printed = d->stage;
	deploy_stage_line(d, loop_wall_ms(), line, sizeof line);
	say(w, "stage", model_json(d), "stage: %s: %s", deploy_stage_name(d->stage), line);
}

/* Whether the slot traffic left still runs: a deployment that just ended
 * (its window passed, or it was rolled back) is the one a late watch means;
 * once that slot is at 0 the next switch is. */
static bool left_slot_up(const struct model *m)
{
	const struct slots_state *st = m->slots;
	int s = st ? slots_standby(st) : -1;

	return s >= 0 && st->slot[s].found && (st->slot[s].desired > 0 || st->slot[s].replicas > 0);
}

/* The first view of the rebuilt model: where this watch joins. */
static void join(struct watch_run *w, const struct model *m, const struct deploy *d)
{
	char line[400];

	deploy_stage_line(d, loop_wall_ms(), line, sizeof line);
	w->printed = d->stage;
	switch (d->stage) {
	case DEPLOY_SWITCHED:
	case DEPLOY_MONITORING:
		w->mode = W_WATCHING;
		say(w, "joined", model_json(d), "joining the window in progress: %s", line);
		break;
	case DEPLOY_PASSED:
	case DEPLOY_ROLLED_BACK:
		if (!left_slot_up(m))
			goto wait;
		w->mode = W_ONCE;
		say(w, "joined", model_json(d), "%s: %s; judging the live state once",
		    d->stage == DEPLOY_ROLLED_BACK ? "the deployment was rolled back" : "the window ended", line);
		break;
	default:
	wait:
		w->mode = W_WAITING;
		say(w, "joined", model_json(d), "waiting for the next traffic switch: %s", line);
	}
}

static void act(struct watch_run *w, const struct deploy *d)
{
	static const struct action_ui ui = { on_ask, on_progress, on_done, NULL };
	struct action_ui u = ui;
	char banner[600], word[40];

	if (d->breach && !d->recommend && !w->breach_said) {
		w->breach_said = true;
		snprintf(word, sizeof word, "warroom %s", deploy_target_action(d));
		deploy_banner(d, word, "-", banner, sizeof banner);
		say(w, "breach", model_json(d), "%s", banner);
		end(w, EXIT_BREACHED, "breached, and nothing to roll back to: %s", d->target.none);
		return;
	}
	if (!d->recommend || w->announced)
		return;
	w->announced = true;
	snprintf(word, sizeof word, "warroom %s", deploy_target_action(d));
	deploy_banner(d, word, "-", banner, sizeof banner);
	say(w, "recommendation", model_json(d), "%s", banner);
	if (!w->auto_rollback) {
		end(w, EXIT_BREACHED, "breached: %s (no --auto-rollback)", d->reason);
		return;
	}
	u.arg = w;
	w->rolling = true;
	/* an Argo Rollout is aborted or undone: its controller owns the selector */
	const struct action *a = actions_by_name(deploy_target_action(d));
	actions_run(w->q, a ? a->id : ACTION_ROLLBACK, &(struct action_args){ .text = "auto", .unattended = true },
	            &u);
}

static void on_model(struct model *m, unsigned changed, void *arg)
{
	struct watch_run *w = arg;
	const struct deploy *d = deploy_of(m);

	(void)changed;
	if (!d || w->stop || w->rolling)
		return;
	if (w->mode == W_REBUILDING) {
		/* a watch judges the cluster it read, never one it could not */
		if (!d->rebuilt || !m->slots || !m->slots->updated_ms) {
			if (loop_now_ms() - w->started_ms > REBUILD_GIVE_UP_MS)
				end(w, EXIT_UNREACHABLE, "no deployment state after %d s: %s", REBUILD_GIVE_UP_MS / 1000,
				    m->src[SRC_KUBE].error[0] ? m->src[SRC_KUBE].error : "the cluster did not answer");
			return;
		}
		join(w, m, d);
	}
	print_stage(w, d);
	print_rules(w, d);
	print_side(w, d);
	act(w, d);
	if (w->stop || w->rolling)
		return;
	if (w->mode == W_WAITING && (d->stage == DEPLOY_SWITCHED || d->stage == DEPLOY_MONITORING))
		w->mode = W_WATCHING;
	if (w->mode == W_ONCE) {
		if (d->stage == DEPLOY_ROLLED_BACK)
			end(w, EXIT_ROLLED_BACK, "the deployment was rolled back to %s %s", d->rb.to_slot, d->rb.to_version);
		else
			end(w, EXIT_OK, "monitoring window passed: %s on %s", d->to_version, d->to_slot);
	} else if (w->mode == W_WATCHING) {
		if (d->stage == DEPLOY_PASSED || d->stage == DEPLOY_FINALIZED)
			end(w, EXIT_OK, "monitoring window passed: %s on %s", d->to_version, d->to_slot);
		else if (d->stage == DEPLOY_ROLLED_BACK)
			end(w, EXIT_ROLLED_BACK, "traffic went back to %s during the window", d->rb.to_slot);
	}
}

static void on_signal(struct loop *loop, int signo, void *arg)
{
	struct watch_run *w = arg;

	if (signo == SIGINT || signo == SIGTERM || signo == SIGHUP) {
		w->rc = EXIT_INTERRUPTED;
		w->stop = true;
		loop_stop(loop);
	}
}

/* Steps the model while nothing else changes it (a quiet cluster): the
 * window's end is a time, not an event. */
static void on_tick(struct loop *loop, void *arg)
{
	struct watch_run *w = arg;

	(void)loop;
	if (!w->stop)
		model_mark(w->m, DIRTY_STATUS);
}

int cli_watch(int argc, char **argv, const struct config *cfg_in)
{
	static struct config cfg;   /* big: not on the stack */
	struct watch_run w = { .rc = EXIT_INTERRUPTED, .printed = DEPLOY_STAGE_COUNT };
	struct sources src;
	struct model m;
	struct deploy_core *dw;
	struct incident_watch *core;
	struct timeline *tl;
	char err[1024], tl_err[1024] = "";

	cfg = *cfg_in;
	for (int i = 1; i < argc; i++) {
		const char *dur = NULL;

		if (strcmp(argv[i], "--auto-rollback") == 0)
			w.auto_rollback = true;
		else if (strcmp(argv[i], "--json") == 0)
			w.json = true;
		else if (strcmp(argv[i], "--window") == 0 && i + 1 < argc)
			dur = argv[++i];
		else if (strncmp(argv[i], "--window=", 9) == 0)
			dur = argv[i] + 9;
		else {
			fprintf(stderr, "%s", watch_usage);
			return EXIT_USAGE;
		}
		if (dur) {
			long s = parse_dur(dur);

			if (s < 1 || s > 86400) {
				fprintf(stderr, "warroom watch: --window %s: a duration from 1s to 24h (300, 300s, 5m)\n", dur);
				return EXIT_USAGE;
			}
			cfg.deploy.window_s = (int)s;
		}
	}
	if (w.auto_rollback && cfg.readonly) {
		fprintf(stderr, "warroom watch: --auto-rollback changes the cluster and the console is read-only\n");
		return EXIT_USAGE;
	}
	w.loop = loop_new();
	if (!w.loop) {
		fprintf(stderr, "warroom watch: cannot start the event loop\n");
		return EXIT_FAILED;
	}
	memset(&src, 0, sizeof src);
	if (sources_open(&src, w.loop, &cfg, err, sizeof err) != 0) {
		fprintf(stderr, "warroom watch: %s\n", err);
		loop_free(w.loop);
		return EXIT_UNREACHABLE;
	}
	cli_ssh_ui(src.ssh);
	if (!src.kube || !src.prom) {
		fprintf(stderr, "warroom watch: %s\n", !src.kube ? src.kube_error : src.prom_error[0] ? src.prom_error :
		        "prometheus.url is not configured: the window cannot be watched");
		sources_close(&src);
		loop_free(w.loop);
		return EXIT_UNREACHABLE;
	}
	src.no_dash = true;
	tl = cli_timeline_writer(&cfg, tl_err, sizeof tl_err);
	if (tl_err[0])
		fprintf(stderr, "warroom watch: WARNING: no timeline (%s); what it records is kept in a file\n", tl_err);
	model_init(&m, &cfg, tl);
	w.m = &m;
	core = incident_watch_install(&m);
	dw = deploy_install(&m, &(struct deploy_io){ .loop = w.loop, .prom = src.prom, .kube = src.kube });
	model_watch_add(&m, on_model, &w);
	{
		struct action_ctx ctx = {
			.loop = w.loop, .cfg = &cfg, .tl = tl, .tl_error = tl_err, .kube = src.kube,
			.kube_error = src.kube_error, .argocd = src.argocd, .ssh = src.ssh, .actor = cfg.operator_name,
			.via = "cli", .readonly = cfg.readonly,
		};

		w.q = actions_new(&ctx);
		deploy_core_set_actions(dw, w.q);
	}
	if (!dw || !w.q) {
		fprintf(stderr, "warroom watch: out of memory\n");
		w.rc = EXIT_FAILED;
	} else {
		uint64_t tick;

		loop_signals_watch(w.loop, on_signal, &w);
		w.started_ms = loop_now_ms();
		sources_attach(&src, &m);
		say(&w, "start", NULL, "watching %s/%s: %d s window after the traffic switch%s", cfg.kube.namespace_,
		    cfg.kube.service, cfg.deploy.window_s, w.auto_rollback ? ", rollback on a breach" : "");
		tick = loop_timer_add(w.loop, 1000, 1000, on_tick, &w);
		loop_run(w.loop);
		loop_timer_cancel(w.loop, tick);
	}
	actions_free(w.q);
	deploy_core_stop(dw);
	sources_close(&src);
	deploy_core_free(dw);
	model_free(&m);
	incident_watch_free(core);
	cli_timeline_done(tl, "watch");   /* says where what was not saved is; the window's verdict stands */
	loop_free(w.loop);
	return w.rc;
}
